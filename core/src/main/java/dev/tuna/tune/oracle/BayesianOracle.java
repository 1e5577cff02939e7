package dev.tuna.tune.oracle;

import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Bayesian optimisation with a Gaussian process, as KerasTuner's {@code BayesianOptimization} oracle.
 *
 * <ol>
 *   <li><b>Initial phase.</b> While fewer than {@code numInitialPoints} trials exist (every trial counts: running,
 *       failed or complete), a uniformly random configuration, {@code space.sample(Oracle.rng(seed, number))},
 *       redrawn from the same stream while its key was already tried.</li>
 *   <li><b>Model.</b> A {@link GaussianProcess} on the complete trials' unit-cube encodings and standardised scores
 *       (minus the mean, over the standard deviation): Matern 5/2 with one length scale per dimension, a signal
 *       and a noise variance, fitted by maximising the log marginal likelihood (L-BFGS on analytic gradients from
 *       one fixed and {@value #FIT_RESTARTS} random starts, with a Gamma prior on the length scales that keeps
 *       the fit from declaring dimensions irrelevant on thin evidence, see {@link GaussianProcess#logPrior}; beyond 64 complete trials the starts run on 64 of them
 *       and the winner is polished on all, see {@link GaussianProcess#fit}). Before standardising, the scores below the median are
 *       pulled in logarithmically ({@link #compressBadTail}: order kept, the better half untouched), so that a few
 *       disastrous trials (a diverged learning rate) do not flatten the model of the region that matters; on a
 *       Branin benchmark with a 300-wide bad tail this is the difference between clearly beating random search
 *       and not. Failed trials stay out of the model; with fewer than two complete trials the proposal is
 *       random.</li>
 *   <li><b>Parallel workers</b> (the "kriging believer" form of the constant liar): a trial still running or pending
 *       joins the model at its own posterior mean, with the hyperparameters fitted on the complete trials, as an
 *       exact value of the latent function (no observation noise), and the incumbent includes the believed values.
 *       That leaves the posterior mean unchanged and collapses the variance around the running point, so expected
 *       improvement there drops and the next worker's proposal moves elsewhere instead of duplicating work.</li>
 *   <li><b>Acquisition</b>, on the standardised scale: by default scikit-optimize's gp_hedge ({@link #hedge}),
 *       a softmax draw among the maximisers of expected improvement, probability of improvement and the upper
 *       confidence bound, weighted by how well each one's past nominees turned out; or one of expected improvement
 *       over the best observed score with {@code xi} = {@value #XI} (ranked through its logarithm, so that far
 *       tails still order candidates) and the upper confidence bound mean + beta * sd. Each is maximised over {@value #RANDOM_CANDIDATES} random
 *       candidates from the trial's generator plus a local search: Gaussian perturbations around the
 *       {@value #LOCAL_STARTS} best candidates and the best observed points, {@value #LOCAL_ROUNDS} rounds of
 *       {@value #LOCAL_STEPS} steps with a spread halving from {@value #LOCAL_SIGMA}. Candidates are scored in blocks (the
 *       random ones 64 at a time, the steps of a local round together), one pass over the Cholesky factor each. Every candidate is snapped to
 *       a real configuration ({@code encode(decode(u))}), so discrete bins and inactive conditional dimensions
 *       are scored where they actually land. A finite space of at most {@value #ENUMERATE_ALL} configurations is
 *       scored exhaustively instead.</li>
 *   <li><b>No repeats.</b> The best candidate whose {@link SearchSpace#key} no trial has (in any state) is
 *       proposed; when every candidate repeats one, a random untried configuration; when a finite space is
 *       exhausted, {@link Proposal#DONE}.</li>
 * </ol>
 *
 * A proposal is a pure function of the seed, the space, the trials and the trial number: all randomness comes
 * from {@link Oracle#rng(long, int)}, nothing depends on hash iteration order or the clock, and the model's
 * transcendental functions are StrictMath's, the same on every platform.
 */
public final class BayesianOracle implements Oracle {
    public static final String NAME = "bayesian";
    public static final String EI = "ei";
    public static final String UCB = "ucb";
    public static final String HEDGE = "hedge";
    /** The hedge's UCB weight and softmax temperature: scikit-optimize's kappa and eta. */
    static final double HEDGE_KAPPA = 1.96, HEDGE_ETA = 1.0;
    static final String META_ACQUISITION = "acquisition", META_HEDGE_GAINS = "hedge_gains", META_HEDGE_POINTS = "hedge_points";
    public static final double DEFAULT_BETA = 2.6;

    /** The exploration margin of expected improvement, in standard deviations of the scores. */
    public static final double XI = 0.01;
    static final int FIT_RESTARTS = 3;
    static final int RANDOM_CANDIDATES = 2048;
    static final int LOCAL_STARTS = 5;
    static final int LOCAL_OBSERVED_STARTS = 2;
    static final int LOCAL_ROUNDS = 6;
    static final int LOCAL_STEPS = 16;
    static final double LOCAL_SIGMA = 0.1;
    /** A finite space this small has every configuration scored instead of sampled candidates. */
    static final int ENUMERATE_ALL = 4096;
    /** Up to this cardinality, a random draw that keeps hitting tried configurations falls back to enumerating. */
    static final long ENUMERATE_FALLBACK = 1 << 17;

    private static final List<String> SETTINGS = List.of("num_initial_points", "acquisition", "beta");

    private final long seed;
    private final int numInitialPoints;
    private final String acquisition;
    private final double beta;

    /**
     * @param numInitialPoints random trials before the model takes over; 0 or less for max(3 x dimensions, 3)
     * @param acquisition "hedge" (the gp_hedge portfolio of EI, PI and UCB; null means this), "ei" (expected
     *     improvement alone) or "ucb" (upper confidence bound alone)
     * @param beta the UCB exploration weight ({@link #DEFAULT_BETA} is KerasTuner's); unused by EI
     */
    public BayesianOracle(long seed, int numInitialPoints, String acquisition, double beta) {
        String a = acquisition == null ? HEDGE : acquisition.toLowerCase(Locale.ROOT);
        if (!a.equals(EI) && !a.equals(UCB) && !a.equals(HEDGE)) throw new IllegalArgumentException("acquisition '" + acquisition + "': expected ei, ucb or hedge");
        if (!(beta >= 0) || !Double.isFinite(beta)) throw new IllegalArgumentException("beta: expected a finite number >= 0, got " + beta);
        this.seed = seed;
        this.numInitialPoints = Math.max(0, numInitialPoints);
        this.acquisition = a;
        this.beta = beta;
    }

    /** Every default: max(3 x dimensions, 3) initial points, the hedge of EI, PI and UCB. */
    public BayesianOracle(long seed) {
        this(seed, 0, HEDGE, DEFAULT_BETA);
    }

    /**
     * An oracle from a spec's settings: {@code num_initial_points} (an integer >= 0, 0 or absent for the default),
     * {@code acquisition} (hedge, the default, ei or ucb) and {@code beta} (a number >= 0). Any other key, or a value of the wrong
     * kind, is an IllegalArgumentException naming the key and what was expected.
     */
    public static BayesianOracle fromSettings(long seed, Map<String, Object> settings) {
        if (settings == null) settings = Map.of();
        for (String key : settings.keySet().stream().sorted().toList()) {
            if (!SETTINGS.contains(key)) {
                throw new IllegalArgumentException("bayesian oracle: unknown setting '" + key + "': expected one of " + String.join(", ", SETTINGS));
            }
        }
        int initial = 0;
        Object n = settings.get("num_initial_points");
        if (n != null) {
            if (!(n instanceof Number x) || x.doubleValue() != Math.rint(x.doubleValue()) || x.doubleValue() < 0 || x.doubleValue() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("num_initial_points: expected an integer >= 0 (0 for max(3 x dimensions, 3)), got " + n);
            }
            initial = x.intValue();
        }
        String acq = HEDGE;
        Object a = settings.get("acquisition");
        if (a != null) {
            if (!(a instanceof String s) || !(s.equalsIgnoreCase(EI) || s.equalsIgnoreCase(UCB) || s.equalsIgnoreCase(HEDGE))) {
                throw new IllegalArgumentException("acquisition: expected ei, ucb or hedge, got " + a);
            }
            acq = s.toLowerCase(Locale.ROOT);
        }
        double b = DEFAULT_BETA;
        Object bv = settings.get("beta");
        if (bv != null) {
            if (!(bv instanceof Number x) || !Double.isFinite(x.doubleValue()) || x.doubleValue() < 0) {
                throw new IllegalArgumentException("beta: expected a finite number >= 0, got " + bv);
            }
            b = x.doubleValue();
        }
        return new BayesianOracle(seed, initial, acq, b);
    }

    @Override
    public String name() { return NAME; }

    public long seed() { return seed; }

    /** The configured count, 0 meaning max(3 x dimensions, 3). */
    public int numInitialPoints() { return numInitialPoints; }

    public String acquisition() { return acquisition; }

    public double beta() { return beta; }

    /** The random trials this space gets before the model: the configured count or max(3 x dimensions, 3). */
    public int initialPoints(SearchSpace space) {
        return numInitialPoints > 0 ? numInitialPoints : Math.max(3 * space.dimensions(), 3);
    }

    @Override
    public Proposal propose(SearchSpace space, List<Trial> trials, int number) {
        SplittableRandom rng = Oracle.rng(seed, number);
        Set<String> tried = new HashSet<>(); // membership only: never iterated
        for (Trial t : trials) {
            String k = keyOrNull(space, t.values());
            if (k != null) tried.add(k);
        }
        int dims = space.dimensions();
        if (trials.size() < initialPoints(space) || dims == 0) return randomUntried(space, tried, rng);

        List<double[]> xs = new ArrayList<>(), pending = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        for (Trial t : trials) {
            boolean observed = t.complete() && Double.isFinite(t.score());
            if (!observed && t.finished()) continue; // failed: tried, but nothing to learn from
            double[] u = encodeOrNull(space, t.values());
            if (u == null) continue;
            if (observed) {
                xs.add(u);
                scores.add(t.score());
            } else {
                pending.add(u);
            }
        }
        if (xs.size() < 2) return randomUntried(space, tried, rng);

        int n = xs.size();
        double[] raw = new double[n];
        for (int i = 0; i < n; i++) raw[i] = scores.get(i);
        double[] y = standardise(compressBadTail(raw));
        double best = Double.NEGATIVE_INFINITY;
        for (double v : y) best = Math.max(best, v);
        double[][] x = xs.toArray(new double[0][]);

        SplittableRandom fitRng = rng.split(), searchRng = rng.split();
        GaussianProcess gp;
        try {
            double[] theta = GaussianProcess.fit(x, y, fitRng, FIT_RESTARTS);
            gp = new GaussianProcess(x, y, theta);
            if (!pending.isEmpty()) {
                gp = believe(gp, x, y, pending, theta);
                // Believed values count as observed: improvement is measured against them too.
                for (int i = n; i < gp.size(); i++) best = Math.max(best, gp.target(i));
            }
        } catch (ArithmeticException e) {
            return randomUntried(space, tried, searchRng);
        }
        if (acquisition.equals(HEDGE)) return hedge(space, gp, best, x, y, trials, tried, rng.split(), searchRng);
        Acquisition acq = new Acquisition(gp, acquisition.equals(UCB) ? Acquisition.Kind.UCB : Acquisition.Kind.EI, beta, best);
        Map<String, Object> found = argmax(space, acq, x, y, tried, searchRng);
        return found == null ? Proposal.DONE : Proposal.of(found);
    }

    /**
     * The best untried configuration under acq: every configuration of a small finite space scored, else random
     * candidates and a local search with a random untried configuration as the fallback; null when none is left.
     */
    private static Map<String, Object> argmax(SearchSpace space, Acquisition acq, double[][] x, double[] y, Set<String> tried, SplittableRandom rng) {
        long card = space.cardinality();
        if (card >= 0 && card <= ENUMERATE_ALL) {
            Map<String, Object> choice = null;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (var e : enumerate(space).entrySet()) {
                if (tried.contains(e.getKey())) continue;
                double a = acq.value(space.encode(e.getValue()));
                if (choice == null || a > bestScore) {
                    choice = e.getValue();
                    bestScore = a;
                }
            }
            return choice;
        }
        Map<String, Object> found = maximise(space, acq, x, y, tried, rng);
        if (found != null) return found;
        Proposal p = randomUntried(space, tried, rng);
        return p.kind() == Proposal.Kind.TRY ? p.values() : null;
    }

    /**
     * scikit-optimize's gp_hedge (Hoffman, Brochu and de Freitas 2011): each of expected improvement, probability
     * of improvement and the upper confidence bound (kappa {@value #HEDGE_KAPPA}) nominates its maximiser; one is
     * drawn with probability softmax(eta gains), and each acquisition's gain grows by the posterior mean (on this
     * proposal's standardised scale) at the point it nominated last time, so the acquisitions whose nominees the
     * newer model rates highest are drawn more. The nominees and the gains travel in the proposal's meta
     * ({@value #META_HEDGE_POINTS}, {@value #META_HEDGE_GAINS}); the latest trial that has them is the state, so
     * the proposal stays a function of the trials.
     */
    private static Proposal hedge(SearchSpace space, GaussianProcess gp, double best, double[][] x, double[] y, List<Trial> trials,
            Set<String> tried, SplittableRandom drawRng, SplittableRandom searchRng) {
        Acquisition.Kind[] kinds = {Acquisition.Kind.EI, Acquisition.Kind.PI, Acquisition.Kind.UCB};
        double[] gains = hedgeGains(space, gp, trials, kinds.length);
        List<Map<String, Object>> nominees = new ArrayList<>();
        for (Acquisition.Kind kind : kinds) {
            Map<String, Object> cfg = argmax(space, new Acquisition(gp, kind, HEDGE_KAPPA, best), x, y, tried, searchRng);
            if (cfg == null) return Proposal.DONE;
            nominees.add(cfg);
        }
        int chosen = softmaxDraw(gains, HEDGE_ETA, drawRng.nextDouble());
        List<Object> points = new ArrayList<>(), gainList = new ArrayList<>();
        for (int i = 0; i < kinds.length; i++) {
            List<Object> u = new ArrayList<>();
            for (double v : space.encode(nominees.get(i))) u.add(v);
            points.add(u);
            gainList.add(gains[i]);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put(META_ACQUISITION, kinds[chosen].name().toLowerCase(Locale.ROOT));
        meta.put(META_HEDGE_GAINS, gainList);
        meta.put(META_HEDGE_POINTS, points);
        return Proposal.of(nominees.get(chosen), meta);
    }

    /**
     * The gains after the latest hedged proposal: its stored gains plus the posterior mean at each of its nominees;
     * zeros when no trial carries (well-formed) hedge state.
     */
    static double[] hedgeGains(SearchSpace space, GaussianProcess gp, List<Trial> trials, int arms) {
        Trial latest = null;
        for (Trial t : trials) {
            if (t.meta().containsKey(META_HEDGE_GAINS) && (latest == null || t.number() > latest.number())) latest = t;
        }
        double[] gains = new double[arms];
        if (latest == null) return gains;
        if (!(latest.meta().get(META_HEDGE_GAINS) instanceof List<?> g) || g.size() != arms
                || !(latest.meta().get(META_HEDGE_POINTS) instanceof List<?> pts) || pts.size() != arms) return gains;
        double[] out = new double[2];
        double[] next = new double[arms];
        for (int i = 0; i < arms; i++) {
            if (!(g.get(i) instanceof Number gi) || !(pts.get(i) instanceof List<?> pi) || pi.size() != space.dimensions()) return gains;
            double[] u = new double[pi.size()];
            for (int k = 0; k < u.length; k++) {
                if (!(pi.get(k) instanceof Number v)) return gains;
                u[k] = v.doubleValue();
            }
            gp.predict(u, out);
            next[i] = gi.doubleValue() + out[0];
        }
        for (double v : next) if (!Double.isFinite(v)) return gains;
        return next;
    }

    /** The index drawn with probability softmax(eta gains) by the uniform draw u in [0, 1). */
    static int softmaxDraw(double[] gains, double eta, double u) {
        double max = Double.NEGATIVE_INFINITY;
        for (double g : gains) max = Math.max(max, g);
        double[] w = new double[gains.length];
        double total = 0;
        for (int i = 0; i < w.length; i++) total += w[i] = StrictMath.exp(eta * (gains[i] - max));
        double acc = 0;
        for (int i = 0; i < w.length; i++) {
            acc += w[i] / total;
            if (u < acc) return i;
        }
        return w.length - 1;
    }

    /** (v - mean) / std, with std 1 when the values are all equal. */
    static double[] standardise(double[] v) {
        int n = v.length;
        double mean = 0;
        for (double s : v) mean += s;
        mean /= n;
        double var = 0;
        for (double s : v) var += (s - mean) * (s - mean);
        double std = Math.sqrt(var / n), scale = 0;
        for (double s : v) scale = Math.max(scale, Math.abs(s));
        if (!(std > 1e-12 * scale) || !Double.isFinite(std)) std = 1; // equal values (up to rounding)
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = (v[i] - mean) / std;
        return y;
    }

    /**
     * Scores below the median pulled in logarithmically: {@code m - s log(1 + (m - v) / s)} with m the median and s
     * the median's distance to the lower quartile; the upper half is unchanged and the order is kept.
     */
    static double[] compressBadTail(double[] v) {
        int n = v.length;
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        double median = quantile(sorted, 0.5), q1 = quantile(sorted, 0.25);
        double s = median - q1;
        if (!(s > 0)) s = sorted[n - 1] - sorted[0];
        if (!(s > 0) || !Double.isFinite(s)) return v.clone();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = v[i] >= median ? v[i] : median - s * StrictMath.log1p((median - v[i]) / s);
        return out;
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * The kriging believer: the process conditioned again (same hyperparameters) with each running trial's point
     * added at the posterior mean there, as an exact value of the latent function (not a noisy observation: with
     * a noisy model a believed point would otherwise still leave room to propose its neighbour). Adding a point at
     * its own posterior mean leaves the mean unchanged everywhere, so this equals adding the points one by one,
     * each at the mean of the model that already believes the others; the variance collapses around them.
     */
    static GaussianProcess believe(GaussianProcess gp, double[][] x, double[] y, List<double[]> pending, double[] theta) {
        int n = x.length, m = pending.size();
        double[][] xa = Arrays.copyOf(x, n + m);
        double[] ya = Arrays.copyOf(y, n + m);
        double[] out = new double[2];
        for (int i = 0; i < m; i++) {
            xa[n + i] = pending.get(i);
            gp.predict(pending.get(i), out);
            ya[n + i] = out[0];
        }
        return new GaussianProcess(xa, ya, theta, n);
    }

    /** Random candidates plus a shrinking local search; the best one nobody tried, or null. */
    private static Map<String, Object> maximise(SearchSpace space, Acquisition acq, double[][] x, double[] y, Set<String> tried, SplittableRandom rng) {
        int d = x[0].length;
        List<double[]> pool = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        double[][] block = new double[GaussianProcess.BLOCK][];
        double[] blockValues = new double[GaussianProcess.BLOCK];
        for (int first = 0; first < RANDOM_CANDIDATES; first += block.length) {
            int m = Math.min(block.length, RANDOM_CANDIDATES - first);
            for (int c = 0; c < m; c++) {
                double[] u = new double[d];
                for (int k = 0; k < d; k++) u[k] = rng.nextDouble();
                block[c] = snap(space, u);
            }
            acq.values(block, m, blockValues);
            for (int c = 0; c < m; c++) {
                pool.add(block[c]);
                values.add(blockValues[c]);
            }
        }
        // Local search from the best random candidates and the best observed points.
        List<double[]> starts = new ArrayList<>();
        List<Double> startValues = new ArrayList<>();
        for (int i : ranking(values, LOCAL_STARTS)) {
            starts.add(pool.get(i));
            startValues.add(values.get(i));
        }
        List<Double> ys = new ArrayList<>();
        for (double v : y) ys.add(v);
        for (int i : ranking(ys, LOCAL_OBSERVED_STARTS)) {
            starts.add(x[i]);
            startValues.add(acq.value(x[i]));
        }
        for (int s = 0; s < starts.size(); s++) {
            double[] current = starts.get(s);
            double currentValue = startValues.get(s);
            double sigma = LOCAL_SIGMA;
            for (int round = 0; round < LOCAL_ROUNDS; round++, sigma /= 2) {
                double[] roundBest = null;
                double roundValue = currentValue;
                // The steps of a round all start from the same point, so they are scored as one block.
                for (int step = 0; step < LOCAL_STEPS; step++) {
                    double[] u = new double[d];
                    for (int k = 0; k < d; k++) u[k] = Math.clamp(current[k] + sigma * gaussian(rng), 0.0, 1.0);
                    block[step] = snap(space, u);
                }
                acq.values(block, LOCAL_STEPS, blockValues);
                for (int step = 0; step < LOCAL_STEPS; step++) {
                    double v = blockValues[step];
                    pool.add(block[step]);
                    values.add(v);
                    if (v > roundValue) {
                        roundBest = block[step];
                        roundValue = v;
                    }
                }
                if (roundBest != null) {
                    current = roundBest;
                    currentValue = roundValue;
                }
            }
        }
        for (int i : ranking(values, values.size())) {
            Map<String, Object> cfg = space.decode(pool.get(i));
            if (!tried.contains(space.key(cfg))) return cfg;
        }
        return null;
    }

    /** Indices of the k largest values, largest first, the earlier index first on a tie (NaN last). */
    private static int[] ranking(List<Double> values, int k) {
        Integer[] idx = new Integer[values.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> {
            double va = values.get(a), vb = values.get(b);
            va = Double.isNaN(va) ? Double.NEGATIVE_INFINITY : va;
            vb = Double.isNaN(vb) ? Double.NEGATIVE_INFINITY : vb;
            int c = Double.compare(vb, va);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[Math.min(k, idx.length)];
        for (int i = 0; i < out.length; i++) out[i] = idx[i];
        return out;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller, one value per call: deterministic whatever the JDK's nextGaussian algorithm.
        double u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2);
    }

    /** The unit-cube point of the configuration at u: discrete bins to their centres, inactive dimensions to their defaults. */
    static double[] snap(SearchSpace space, double[] u) {
        return space.encode(space.decode(u));
    }

    /**
     * A random configuration not yet tried: draws from rng until one is new; a finite space that keeps giving tried
     * configurations is enumerated and an untried one drawn; DONE when there is none (or none could be found).
     */
    static Proposal randomUntried(SearchSpace space, Set<String> tried, SplittableRandom rng) {
        long card = space.cardinality();
        boolean enumerable = card >= 0 && card <= ENUMERATE_FALLBACK;
        int attempts = enumerable ? 64 : 1000;
        for (int i = 0; i < attempts; i++) {
            Map<String, Object> cfg = space.sample(rng);
            if (!tried.contains(space.key(cfg))) return Proposal.of(cfg);
        }
        if (!enumerable) return Proposal.DONE;
        List<Map<String, Object>> untried = new ArrayList<>();
        for (var e : enumerate(space).entrySet()) if (!tried.contains(e.getKey())) untried.add(e.getValue());
        return untried.isEmpty() ? Proposal.DONE : Proposal.of(untried.get(rng.nextInt(untried.size())));
    }

    /** Every distinct configuration of a finite space by key, in a fixed (mixed-radix) order. */
    static LinkedHashMap<String, Map<String, Object>> enumerate(SearchSpace space) {
        List<Hyperparameter> s = space.searchable();
        int d = s.size();
        int[] sizes = new int[d];
        long total = 1;
        for (int i = 0; i < d; i++) {
            List<Object> values = s.get(i).discreteValues();
            if (values == null) throw new IllegalArgumentException(s.get(i).name() + " is continuous: the space cannot be enumerated");
            sizes[i] = values.size();
            total = Math.multiplyExact(total, sizes[i]);
        }
        LinkedHashMap<String, Map<String, Object>> out = new LinkedHashMap<>();
        int[] idx = new int[d];
        double[] u = new double[d];
        for (long c = 0; c < total; c++) {
            for (int i = 0; i < d; i++) u[i] = (idx[i] + 0.5) / sizes[i];
            Map<String, Object> cfg = space.decode(u);
            out.putIfAbsent(space.key(cfg), cfg);
            for (int i = d - 1; i >= 0; i--) {
                if (++idx[i] < sizes[i]) break;
                idx[i] = 0;
            }
        }
        return out;
    }

    private static String keyOrNull(SearchSpace space, Map<String, Object> values) {
        try {
            return space.key(values);
        } catch (RuntimeException e) { // values the space no longer accepts: they cannot match a proposal either
            return null;
        }
    }

    private static double[] encodeOrNull(SearchSpace space, Map<String, Object> values) {
        try {
            return space.encode(space.normalize(values));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Expected improvement (as its logarithm) or the upper confidence bound, on standardised scores. */
    static final class Acquisition {
        enum Kind { EI, PI, UCB }

        private final GaussianProcess gp;
        private final Kind kind;
        private final double beta;
        private final double best;
        private final double[] buf = new double[2];
        private final double[] means = new double[GaussianProcess.BLOCK], variances = new double[GaussianProcess.BLOCK];

        Acquisition(GaussianProcess gp, Kind kind, double beta, double best) {
            this.gp = gp;
            this.kind = kind;
            this.beta = beta;
            this.best = best;
        }

        double value(double[] u) {
            gp.predict(u, buf);
            return of(buf[0], buf[1]);
        }

        /** The values at the first m points of us (at most {@link GaussianProcess#BLOCK}) into out. */
        void values(double[][] us, int m, double[] out) {
            gp.predict(us, m, means, variances);
            for (int c = 0; c < m; c++) out[c] = of(means[c], variances[c]);
        }

        private double of(double mean, double variance) {
            double sd = Math.sqrt(Math.max(variance, 1e-18));
            return switch (kind) {
                case UCB -> mean + beta * sd;
                case EI -> logExpectedImprovement(mean - best - XI, sd);
                case PI -> logProbabilityOfImprovement(mean - best - XI, sd);
            };
        }
    }

    /**
     * log E[max(f - best - xi, 0)] for f ~ N(mu, sd^2), given gap = mu - best - xi: log sd + log h(gap / sd) with
     * h(z) = phi(z) + z Phi(z), evaluated without underflow far into the lower tail (where h(z) ~ phi(z) / z^2).
     */
    static double logExpectedImprovement(double gap, double sd) {
        double z = gap / sd;
        double logH;
        if (z > -2) {
            logH = StrictMath.log(Normal.pdf(z) + z * Normal.cdf(z));
        } else {
            double t = -z;
            // h(z) = phi(t) (1 - t R(t)) with Mills' ratio R(t) = Phi(-t) / phi(t).
            double tail;
            if (t > 10) {
                double i2 = 1 / (t * t);
                tail = i2 * (1 - i2 * (3 - i2 * (15 - i2 * (105 - i2 * 945))));
            } else {
                tail = 1 - t * Normal.millsRatio(t);
            }
            logH = -0.5 * t * t - 0.5 * StrictMath.log(2 * Math.PI) + StrictMath.log(tail);
        }
        return StrictMath.log(sd) + logH;
    }

    /** log P(f > best + xi) for f ~ N(mu, sd^2), given gap = mu - best - xi: log Phi(gap / sd), without underflow. */
    static double logProbabilityOfImprovement(double gap, double sd) {
        double z = gap / sd;
        if (z > -2) return StrictMath.log(Normal.cdf(z));
        double t = -z; // Phi(-t) = phi(t) R(t)
        return -0.5 * t * t - 0.5 * StrictMath.log(2 * Math.PI) + StrictMath.log(Normal.millsRatio(t));
    }

    /** The standard normal density and distribution function. */
    static final class Normal {
        private Normal() {}

        static double pdf(double z) {
            return StrictMath.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
        }

        static double cdf(double z) {
            return 0.5 * erfc(-z / Math.sqrt(2));
        }

        /** Phi(-t) / phi(t) for t >= 0, without underflow. */
        static double millsRatio(double t) {
            return Math.sqrt(Math.PI / 2) * erfcx(t / Math.sqrt(2));
        }

        static double erfc(double x) {
            double t = 1 / (1 + 0.5 * Math.abs(x));
            double r = t * StrictMath.exp(-x * x + poly(t));
            return x >= 0 ? r : 2 - r;
        }

        /** exp(x^2) erfc(x) for x >= 0 (Numerical Recipes' erfc, fractional error below 1.2e-7). */
        static double erfcx(double x) {
            double t = 1 / (1 + 0.5 * x);
            return t * StrictMath.exp(poly(t));
        }

        private static double poly(double t) {
            return -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
                    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        }
    }
}
