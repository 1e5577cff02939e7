package dev.tuna.tune.oracle;

import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A steady-state genetic algorithm, so that parallel workers never wait for a generation to finish.
 *
 * <p>The first {@code population_size} trials are random. Every later proposal breeds one child from the
 * breeding pool of {@code population_size} COMPLETE trials: the best {@code elitism} of all (the elite never
 * leaves), plus the most recent other complete trials (the population ages, as in regularised evolution: a
 * lucky early score cannot hold the pool forever, which keeps the search from collapsing onto one early
 * winner). With {@code elitism} equal to {@code population_size} the pool is simply the best trials. Running,
 * pending and failed trials are not in the pool. Two parents are picked by tournament (each the best of {@code tournament_size} members drawn
 * with replacement; the second drawn from the pool without the first), their unit-cube encodings are combined by
 * uniform crossover (with probability {@code crossover_rate}, else the child copies the first parent), then each
 * gene mutates with probability {@code mutation_rate}: a continuous gene moves by a Gaussian step of standard
 * deviation {@code mutation_scale} (reflected into [0, 1]), a discrete gene (choice, bool, stepped range) takes
 * another of its values uniformly. The child is snapped onto the space by decoding. A child that repeats any
 * tried configuration is bred again with more mutation; after {@value #MAX_ATTEMPTS} tries a random untried
 * configuration is proposed instead, and DONE when the space has none left.
 *
 * <p>Meta: {@code generation} (0 for random trials, else one more than the older parent's) and, for a child,
 * {@code parents} (the parents' trial numbers, best parent first).
 */
public final class GeneticOracle implements Oracle {
    public static final List<String> SETTINGS = List.of("population_size", "tournament_size", "crossover_rate", "mutation_rate", "elitism", "mutation_scale");
    static final int MAX_ATTEMPTS = 20;

    private final long seed;
    private final int populationSize;
    private final int tournamentSize;
    private final double crossoverRate;
    private final double mutationRate; // NaN: 1 / dimensions
    private final int elitism;
    private final double mutationScale;

    /** Settings (all optional): population_size 10, tournament_size 3, crossover_rate 0.9, mutation_rate 1/dimensions, elitism 2, mutation_scale 0.2. */
    public GeneticOracle(long seed, Map<String, Object> settings) {
        OracleSettings s = new OracleSettings("genetic", settings, SETTINGS);
        this.seed = seed;
        this.populationSize = s.integer("population_size", 10, 2, 1_000_000);
        this.tournamentSize = s.integer("tournament_size", Math.min(3, populationSize), 1, populationSize);
        this.crossoverRate = s.real("crossover_rate", 0.9, 0, false, 1);
        this.mutationRate = s.has("mutation_rate") ? s.real("mutation_rate", 0, 0, false, 1) : Double.NaN;
        this.elitism = s.integer("elitism", Math.min(2, populationSize), 0, populationSize);
        this.mutationScale = s.real("mutation_scale", 0.2, 0, true, 10);
    }

    @Override
    public String name() { return "genetic"; }

    public int populationSize() { return populationSize; }

    public int tournamentSize() { return tournamentSize; }

    public double crossoverRate() { return crossoverRate; }

    /** The per-gene mutation probability for a space of this many dimensions. */
    public double mutationRate(int dimensions) { return Double.isNaN(mutationRate) ? 1.0 / Math.max(1, dimensions) : mutationRate; }

    public int elitism() { return elitism; }

    public double mutationScale() { return mutationScale; }

    @Override
    public Proposal propose(SearchSpace space, List<Trial> trials, int number) {
        SplittableRandom rng = Oracle.rng(seed, number);
        Set<String> tried = OracleSupport.keys(space, trials);
        List<Trial> pool = number < populationSize ? List.of() : pool(space, trials);
        int dims = space.dimensions();
        if (!pool.isEmpty() && dims > 0) {
            int i = tournament(pool.size(), -1, rng);
            int j = pool.size() > 1 ? tournament(pool.size(), i, rng) : i;
            Trial a = pool.get(Math.min(i, j)), b = pool.get(Math.max(i, j));
            double[] ua = space.encode(a.values()), ub = space.encode(b.values());
            List<Hyperparameter> hs = space.searchable();
            int[] levels = new int[dims]; // discrete genes: the number of values; 0 for continuous ones
            for (int g = 0; g < dims; g++) {
                List<Object> d = hs.get(g).discreteValues();
                levels[g] = d == null ? 0 : d.size();
            }
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                double[] child = breed(ua, ub, levels, attempt, rng, space.dimensions());
                Map<String, Object> v = space.decode(child);
                if (!tried.contains(OracleSupport.key(space, v))) {
                    int generation = 1 + Math.max(a.metaInt("generation", 0), b.metaInt("generation", 0));
                    List<Integer> parents = a == b ? List.of(a.number()) : List.of(a.number(), b.number());
                    return Proposal.of(v, Map.of("parents", parents, "generation", generation));
                }
            }
        }
        Map<String, Object> v = OracleSupport.sampleUntried(space, tried, rng);
        return v == null ? Proposal.DONE : Proposal.of(v, Map.of("generation", 0));
    }

    /** The breeding pool (the elite plus the most recent complete trials, populationSize in all), best first. */
    List<Trial> pool(SearchSpace space, List<Trial> trials) {
        List<Trial> complete = new ArrayList<>();
        for (Trial t : trials) {
            if (!t.complete()) continue;
            try {
                space.encode(t.values());
            } catch (IllegalArgumentException | ClassCastException e) {
                continue; // a value from an older definition of the space
            }
            complete.add(t);
        }
        Comparator<Trial> bestFirst = Comparator.comparingDouble(Trial::score).reversed().thenComparingInt(Trial::number);
        if (complete.size() <= populationSize) {
            complete.sort(bestFirst);
            return complete;
        }
        List<Trial> byScore = new ArrayList<>(complete);
        byScore.sort(bestFirst);
        List<Trial> pool = new ArrayList<>(byScore.subList(0, elitism));
        // The rest: the most recent complete trials not already in the elite.
        for (int k = complete.size() - 1; k >= 0 && pool.size() < populationSize; k--) {
            Trial t = complete.get(k);
            if (!pool.subList(0, elitism).contains(t)) pool.add(t);
        }
        pool.sort(bestFirst);
        return List.copyOf(pool);
    }

    /** The index (into a best-first pool of n) of a tournament's winner, never exclude. */
    private int tournament(int n, int exclude, SplittableRandom rng) {
        int m = exclude >= 0 ? n - 1 : n;
        int best = Integer.MAX_VALUE;
        for (int k = 0; k < tournamentSize; k++) {
            int r = rng.nextInt(m);
            if (exclude >= 0 && r >= exclude) r++;
            best = Math.min(best, r);
        }
        return best;
    }

    /** Crossover then mutation; each retry (attempt > 0) mutates more, and at least one gene. */
    private double[] breed(double[] ua, double[] ub, int[] levels, int attempt, SplittableRandom rng, int dims) {
        double[] c = ua.clone();
        if (rng.nextDouble() < crossoverRate) {
            for (int g = 0; g < c.length; g++) if (rng.nextBoolean()) c[g] = ub[g];
        }
        double rate = Math.min(1, mutationRate(dims) * (1 + attempt));
        double scale = mutationScale * (1 + 0.5 * attempt);
        boolean mutated = false;
        for (int g = 0; g < c.length; g++) {
            if (rng.nextDouble() < rate) {
                c[g] = mutate(c[g], levels[g], scale, rng);
                mutated = true;
            }
        }
        if (!mutated && attempt > 0) {
            int g = rng.nextInt(c.length);
            c[g] = mutate(c[g], levels[g], scale, rng);
        }
        return c;
    }

    private static double mutate(double u, int levels, double scale, SplittableRandom rng) {
        if (levels == 0) {
            double x = u + scale * rng.nextGaussian();
            for (int k = 0; k < 4 && (x < 0 || x > 1); k++) x = x < 0 ? -x : 2 - x; // reflect
            return Math.clamp(x, 0.0, 1.0);
        }
        if (levels == 1) return u;
        int cur = Math.min(levels - 1, (int) Math.floor(u * levels));
        int k = rng.nextInt(levels - 1);
        if (k >= cur) k++;
        return (k + 0.5) / levels;
    }
}
