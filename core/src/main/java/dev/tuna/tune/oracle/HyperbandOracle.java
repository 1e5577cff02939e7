package dev.tuna.tune.oracle;

import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Hyperband (Li et al. 2017, the algorithm behind KerasTuner's Hyperband tuner), with the paper's round
 * sizes: brackets s = s_max .. 0 with
 * s_max = floor(log_factor(max_epochs / min_epochs)). Bracket s starts
 * n = ceil((s_max + 1) / (s + 1) * factor^s) random configurations trained for
 * round(max_epochs * factor^-s) epochs (at least min_epochs) and runs successive halving: once a round has
 * finished, its best floor(n_i / factor) (at least 1) COMPLETE trials are promoted to the next round, whose
 * epochs are factor times more (round(max_epochs * factor^(i - s)); the last round trains to max_epochs).
 * A promotion is a new trial with its parent's values that resumes from the parent's checkpoint. The whole
 * schedule runs hyperband_iterations times. For max_epochs 27 and factor 3 (s_max 3) one iteration is
 * 27@1 9@3 3@9 1@27 | 12@3 4@9 1@27 | 6@9 2@27 | 4@27 (size@epochs): 69 trials.
 *
 * <p>There is no hidden state: a proposal walks iterations and brackets in order over the trials (grouped by
 * their meta) and proposes the first trial that is missing. A bracket whose next round needs a round that is
 * still running (RUNNING or PENDING trials) is skipped, so parallel workers start later brackets meanwhile;
 * WAIT when every unfinished bracket is blocked that way, DONE when every trial of the schedule exists
 * (trials still running in last rounds belong to their workers). Failed trials count as finished and are never
 * promoted. A bracket's random configurations avoid repeating one another when the space allows.
 *
 * <p>Meta: {@code iteration}, {@code bracket}, {@code round}, {@code epochs} (the total epochs to train to),
 * {@code initial_epoch} (0 in round 0, else the parent's epochs) and, for promotions, {@code resume_from}
 * (the parent's trial number).
 */
public final class HyperbandOracle implements Oracle {
    public static final List<String> SETTINGS = List.of("factor", "max_epochs", "min_epochs", "hyperband_iterations");

    /** One round of a bracket: how many trials and how many epochs each trains to. */
    public record Round(int bracket, int round, int size, int epochs) {}

    private final long seed;
    private final int factor;
    private final int maxEpochs;
    private final int minEpochs;
    private final int iterations;
    private final int sMax;
    private final List<List<Round>> brackets; // indexed by s

    /** Settings (all optional): factor 3, max_epochs maxEpochsDefault, min_epochs 1, hyperband_iterations 1. */
    public HyperbandOracle(long seed, Map<String, Object> settings, int maxEpochsDefault) {
        OracleSettings s = new OracleSettings("hyperband", settings, SETTINGS);
        this.seed = seed;
        this.factor = s.integer("factor", 3, 2, 1_000);
        if (!s.has("max_epochs") && maxEpochsDefault < 1) {
            throw new IllegalArgumentException("hyperband oracle: setting max_epochs must be an integer >= 1, got the default " + maxEpochsDefault);
        }
        this.maxEpochs = s.integer("max_epochs", maxEpochsDefault, 1, 1_000_000);
        this.minEpochs = s.integer("min_epochs", 1, 1, 1_000_000);
        if (minEpochs > maxEpochs) {
            throw new IllegalArgumentException("hyperband oracle: setting min_epochs (" + minEpochs + ") must not exceed max_epochs (" + maxEpochs + ")");
        }
        this.iterations = s.integer("hyperband_iterations", 1, 1, 10_000);
        this.sMax = sMax(maxEpochs, minEpochs, factor);
        List<List<Round>> b = new ArrayList<>();
        for (int br = 0; br <= sMax; br++) b.add(rounds(br));
        this.brackets = List.copyOf(b);
    }

    /** floor(log_factor(max / min)) in integers: the largest s with min * factor^s <= max. */
    static int sMax(int max, int min, int factor) {
        int s = 0;
        for (long p = (long) min * factor; p <= max; p *= factor) s++;
        return s;
    }

    private List<Round> rounds(int s) {
        long fs = pow(factor, s);
        long n = ((long) (sMax + 1) * fs + s) / (s + 1); // ceil((s_max + 1) / (s + 1) * factor^s)
        List<Round> out = new ArrayList<>();
        for (int i = 0; i <= s; i++) {
            int epochs = i == s ? maxEpochs : (int) Math.max(minEpochs, Math.round(maxEpochs / (double) pow(factor, s - i)));
            out.add(new Round(s, i, (int) n, epochs));
            n = Math.max(1, n / factor);
        }
        return List.copyOf(out);
    }

    private static long pow(long b, int e) {
        long r = 1;
        for (int i = 0; i < e; i++) r = Math.multiplyExact(r, b);
        return r;
    }

    @Override
    public String name() { return "hyperband"; }

    public int factor() { return factor; }

    public int maxEpochs() { return maxEpochs; }

    public int minEpochs() { return minEpochs; }

    public int iterations() { return iterations; }

    /** s_max: the brackets are s_max, s_max - 1, ..., 0. */
    public int maxBracket() { return sMax; }

    /** One iteration's schedule in the order it runs: bracket s_max first, each bracket's rounds in order. */
    public List<Round> schedule() {
        List<Round> out = new ArrayList<>();
        for (int s = sMax; s >= 0; s--) out.addAll(brackets.get(s));
        return out;
    }

    /** The number of trials when none fails: every round's size, every iteration. */
    public int totalTrials() {
        return iterations * schedule().stream().mapToInt(Round::size).sum();
    }

    @Override
    public Proposal propose(SearchSpace space, List<Trial> trials, int number) {
        Map<List<Integer>, List<Trial>> groups = new HashMap<>();
        for (Trial t : trials) {
            if (!t.meta().containsKey("bracket") || !t.meta().containsKey("round")) continue;
            List<Integer> k = List.of(t.metaInt("iteration", 0), t.metaInt("bracket", -1), t.metaInt("round", -1));
            groups.computeIfAbsent(k, x -> new ArrayList<>()).add(t);
        }
        boolean blocked = false;
        for (int it = 0; it < iterations; it++) {
            for (int s = sMax; s >= 0; s--) {
                Proposal p = next(space, groups, it, s, number);
                if (p == Proposal.WAIT) blocked = true;
                else if (p != null) return p;
            }
        }
        return blocked ? Proposal.WAIT : Proposal.DONE;
    }

    /** Bracket s's first missing trial, WAIT when it needs a round that is not finished, null when it is complete. */
    private Proposal next(SearchSpace space, Map<List<Integer>, List<Trial>> groups, int it, int s, int number) {
        List<Round> rounds = brackets.get(s);
        for (int i = 0; i <= s; i++) {
            Round r = rounds.get(i);
            List<Trial> here = groups.getOrDefault(List.of(it, s, i), List.of());
            if (i == 0) {
                if (here.size() < r.size()) return random(space, here, r, it, number);
                continue;
            }
            List<Trial> prev = groups.getOrDefault(List.of(it, s, i - 1), List.of());
            List<Trial> ranked = new ArrayList<>();
            for (Trial t : prev) {
                if (!t.finished()) return Proposal.WAIT;
                if (t.complete()) ranked.add(t);
            }
            if (ranked.isEmpty()) return null; // every trial of the round failed: the bracket ends here
            ranked.sort(Comparator.comparingDouble(Trial::score).reversed().thenComparingInt(Trial::number));
            Set<Integer> promoted = new HashSet<>();
            for (Trial t : here) promoted.add(t.metaInt("resume_from", -1));
            int want = Math.min(r.size(), ranked.size());
            for (int k = 0; k < want; k++) {
                Trial parent = ranked.get(k);
                if (promoted.contains(parent.number())) continue;
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("iteration", it);
                meta.put("bracket", s);
                meta.put("round", i);
                meta.put("epochs", r.epochs());
                meta.put("initial_epoch", parent.metaInt("epochs", rounds.get(i - 1).epochs()));
                meta.put("resume_from", parent.number());
                return Proposal.of(parent.values(), meta);
            }
        }
        return null;
    }

    private Proposal random(SearchSpace space, List<Trial> bracketStart, Round r, int it, int number) {
        SplittableRandom rng = Oracle.rng(seed, number);
        Map<String, Object> v = OracleSupport.sampleUntried(space, OracleSupport.keys(space, bracketStart), rng);
        if (v == null) v = space.sample(rng); // the space has fewer configurations than the round: repeat one
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("iteration", it);
        meta.put("bracket", r.bracket());
        meta.put("round", 0);
        meta.put("epochs", r.epochs());
        meta.put("initial_epoch", 0);
        return Proposal.of(v, meta);
    }
}
