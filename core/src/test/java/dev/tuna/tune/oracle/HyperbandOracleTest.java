package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Hyperparameter.Sampling;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.oracle.HyperbandOracle.Round;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HyperbandOracleTest {

    static SearchSpace space() {
        return new SearchSpace(List.of(
                Hyperparameter.floatRange("lr", 1e-4, 1e-1, 0, Sampling.LOG, null, null),
                Hyperparameter.intRange("units", 16, 256, 16, Sampling.LINEAR, null, null),
                Hyperparameter.choice("act", List.of("relu", "tanh"), null, null)));
    }

    /** Better with more epochs and an lr near 1e-2.5. */
    static double score(Trial t) {
        double l = Math.log10((Double) t.values().get("lr")) + 2.5;
        return -l * l + 0.01 * t.metaInt("epochs", 0);
    }

    private static HyperbandOracle hb(long seed, Map<String, Object> settings, int maxEpochs) {
        return new HyperbandOracle(seed, settings, maxEpochs);
    }

    /** The textbook table for max_epochs 27, factor 3 (Li et al. 2017 with R = 27, eta = 3): s_max = 3. */
    private static final List<Round> TABLE_27 = List.of(
            new Round(3, 0, 27, 1), new Round(3, 1, 9, 3), new Round(3, 2, 3, 9), new Round(3, 3, 1, 27),
            new Round(2, 0, 12, 3), new Round(2, 1, 4, 9), new Round(2, 2, 1, 27),
            new Round(1, 0, 6, 9), new Round(1, 1, 2, 27),
            new Round(0, 0, 4, 27));

    /** The observed schedule of a run: (iteration, bracket, round) -> [count, epochs], in order of first appearance. */
    private static List<Round> observed(List<Trial> trials, int iteration) {
        Map<List<Integer>, List<Trial>> g = new LinkedHashMap<>();
        for (Trial t : trials) {
            if (t.metaInt("iteration", -1) != iteration) continue;
            g.computeIfAbsent(List.of(t.metaInt("bracket", -1), t.metaInt("round", -1)), k -> new ArrayList<>()).add(t);
        }
        List<Round> out = new ArrayList<>();
        for (var e : g.entrySet()) {
            Set<Integer> epochs = e.getValue().stream().map(t -> t.metaInt("epochs", -1)).collect(Collectors.toSet());
            assertEquals(1, epochs.size(), "one epoch count per round: " + e.getKey());
            out.add(new Round(e.getKey().get(0), e.getKey().get(1), e.getValue().size(), epochs.iterator().next()));
        }
        return out;
    }

    /**
     * Successive halving's invariants over a finished run: a promotion copies its parent's values, resumes from
     * the parent's epochs, and each round promotes exactly the best min(size, completed) trials of the round
     * before, created only after that round had finished.
     */
    private static void checkPromotions(HyperbandOracle o, List<Trial> trials) {
        Map<List<Integer>, List<Trial>> g = new TreeMap<>(Comparator.comparing((List<Integer> k) -> k.get(0)).thenComparing(k -> -k.get(1)).thenComparing(k -> k.get(2)));
        for (Trial t : trials) g.computeIfAbsent(List.of(t.metaInt("iteration", -1), t.metaInt("bracket", -1), t.metaInt("round", -1)), k -> new ArrayList<>()).add(t);
        Map<List<Integer>, Integer> size = new LinkedHashMap<>();
        for (Round r : o.schedule()) size.put(List.of(r.bracket(), r.round()), r.size());
        for (var e : g.entrySet()) {
            int it = e.getKey().get(0), s = e.getKey().get(1), i = e.getKey().get(2);
            if (i == 0) {
                assertEquals(size.get(List.of(s, 0)), e.getValue().size());
                for (Trial t : e.getValue()) {
                    assertEquals(0, t.metaInt("initial_epoch", -1));
                    assertTrue(!t.meta().containsKey("resume_from"));
                }
                continue;
            }
            List<Trial> prev = g.get(List.of(it, s, i - 1));
            List<Trial> ranked = prev.stream().filter(Trial::complete)
                    .sorted(Comparator.comparingDouble(Trial::score).reversed().thenComparingInt(Trial::number)).toList();
            Set<Integer> expected = ranked.stream().limit(size.get(List.of(s, i))).map(Trial::number).collect(Collectors.toSet());
            Set<Integer> parents = new HashSet<>();
            int lastPrev = prev.stream().mapToInt(Trial::number).max().orElseThrow();
            for (Trial t : e.getValue()) {
                Trial parent = trials.get(t.metaInt("resume_from", -1));
                assertTrue(parents.add(parent.number()), "promoted twice: " + parent.number());
                assertEquals(parent.values(), t.values());
                assertEquals(parent.metaInt("epochs", -1), t.metaInt("initial_epoch", -2));
                assertEquals(TrialState.COMPLETE, parent.state(), "only complete trials are promoted");
                assertTrue(t.number() > lastPrev, "promoted before the round finished");
            }
            assertEquals(expected, parents, "bracket " + s + " round " + i + " promotes the best of round " + (i - 1));
        }
    }

    @Test
    void textbookScheduleForMaxEpochs27() {
        HyperbandOracle o = hb(1, Map.of("max_epochs", 27), 99);
        assertEquals(3, o.maxBracket());
        assertEquals(TABLE_27, o.schedule());
        assertEquals(69, o.totalTrials());
        SearchSpace space = space();
        var run = Sim.sequential(o, space, HyperbandOracleTest::score, 1000);
        assertTrue(run.done());
        assertEquals(69, run.trials().size());
        assertEquals(TABLE_27, observed(run.trials(), 0));
        checkPromotions(o, run.trials());
        // The last round of bracket 3 holds the best of 27 configurations, trained from epoch 9 to 27.
        Trial winner = run.trials().stream().filter(t -> t.metaInt("bracket", -1) == 3 && t.metaInt("round", -1) == 3).findFirst().orElseThrow();
        assertEquals(Map.of("iteration", 0, "bracket", 3, "round", 3, "epochs", 27, "initial_epoch", 9, "resume_from", 36), winner.meta());
        double bestOf27 = run.trials().subList(0, 27).stream().mapToDouble(t -> score(new Trial(0, t.values(), TrialState.RUNNING, 0, Map.of()))).max().orElseThrow();
        assertEquals(bestOf27, score(new Trial(0, winner.values(), TrialState.RUNNING, 0, Map.of())), 1e-12);
    }

    @Test
    void scheduleForMaxEpochs40AndOtherShapes() {
        assertEquals(List.of(
                new Round(3, 0, 27, 1), new Round(3, 1, 9, 4), new Round(3, 2, 3, 13), new Round(3, 3, 1, 40),
                new Round(2, 0, 12, 4), new Round(2, 1, 4, 13), new Round(2, 2, 1, 40),
                new Round(1, 0, 6, 13), new Round(1, 1, 2, 40),
                new Round(0, 0, 4, 40)), hb(0, Map.of(), 40).schedule());
        // s_max by integer arithmetic: log(243)/log(3) and log(1000)/log(10) fall just below an integer in floating point.
        assertEquals(5, hb(0, Map.of(), 243).maxBracket());
        assertEquals(3, hb(0, Map.of("factor", 10), 1000).maxBracket());
        assertEquals(2, hb(0, Map.of("factor", 10), 999).maxBracket());
        // min_epochs 2: s_max = floor(log3(20)) = 2; KerasTuner's bracket sizes ceil(3/(s+1) * 3^s) = 9, 5, 3.
        assertEquals(List.of(
                new Round(2, 0, 9, 4), new Round(2, 1, 3, 13), new Round(2, 2, 1, 40),
                new Round(1, 0, 5, 13), new Round(1, 1, 1, 40),
                new Round(0, 0, 3, 40)), hb(0, Map.of("min_epochs", 2), 40).schedule());
        assertEquals(List.of(new Round(0, 0, 1, 1)), hb(0, Map.of(), 1).schedule());
        assertEquals(2 * 69, hb(0, Map.of("hyperband_iterations", 2), 27).totalTrials());
    }

    @Test
    void iterationsRepeatTheSchedule() {
        HyperbandOracle o = hb(4, Map.of("hyperband_iterations", 2), 27);
        var run = Sim.sequential(o, space(), HyperbandOracleTest::score, 1000);
        assertTrue(run.done());
        assertEquals(138, run.trials().size());
        assertEquals(TABLE_27, observed(run.trials(), 0));
        assertEquals(TABLE_27, observed(run.trials(), 1));
        checkPromotions(o, run.trials());
        assertNotEquals(run.trials().get(0).values(), run.trials().get(69).values());
    }

    @Test
    void parallelWorkersWaitOnlyWhenNothingCanStart() {
        HyperbandOracle o = hb(2, Map.of(), 27);
        var run = Sim.parallel(o, space(), HyperbandOracleTest::score, 5, 1000, 3);
        assertTrue(run.done());
        assertEquals(69, run.trials().size());
        assertEquals(TABLE_27.stream().sorted(Comparator.comparing(Round::bracket).reversed().thenComparing(Round::round)).toList(),
                observed(run.trials(), 0).stream().sorted(Comparator.comparing(Round::bracket).reversed().thenComparing(Round::round)).toList());
        checkPromotions(o, run.trials());
        assertTrue(run.waits() > 0, "some worker had to wait for a round");
    }

    @Test
    void waitsWhileARoundIsUnfinished() {
        // max_epochs 9: s_max 2; bracket 2: 9@1, 3@3, 1@9; bracket 1: 5@3, 1@9; bracket 0: 3@9.
        HyperbandOracle o = hb(0, Map.of(), 9);
        SearchSpace space = space();
        List<Trial> trials = new ArrayList<>();
        for (int n = 0; n < 17; n++) {
            Proposal p = o.propose(space, trials, n);
            assertEquals(Proposal.Kind.TRY, p.kind(), "trial " + n);
            assertEquals(0, p.meta().get("round"));
            trials.add(Sim.running(n, p));
        }
        assertEquals(List.of(9, 5, 3), List.of(count(trials, 2), count(trials, 1), count(trials, 0)));
        // Every round 0 exists and is running: another worker must wait.
        assertEquals(Proposal.Kind.WAIT, o.propose(space, trials, 17).kind());
        // Bracket 2's round 0 finishes except one trial: still wait.
        for (int n = 0; n < 8; n++) trials.set(n, Sim.finish(trials.get(n), t -> n10(t)));
        assertEquals(Proposal.Kind.WAIT, o.propose(space, trials, 17).kind());
        // The last one fails: the round is finished; its best 3 complete trials are promoted, best first.
        trials.set(8, Sim.finish(trials.get(8), t -> Double.NaN));
        List<Integer> ranked = trials.subList(0, 8).stream().sorted(Comparator.comparingDouble(Trial::score).reversed()).map(Trial::number).toList();
        for (int k = 0; k < 3; k++) {
            Proposal p = o.propose(space, trials, 17 + k);
            assertEquals(Proposal.Kind.TRY, p.kind());
            Trial parent = trials.get(ranked.get(k));
            assertEquals(Map.of("iteration", 0, "bracket", 2, "round", 1, "epochs", 3, "initial_epoch", 1, "resume_from", parent.number()), p.meta());
            assertEquals(parent.values(), p.values());
            trials.add(Sim.running(17 + k, p));
        }
        assertEquals(Proposal.Kind.WAIT, o.propose(space, trials, 20).kind());
        // Everything finishes; then the last rounds of brackets 2 and 1 follow, then DONE while they still run.
        for (int n = 9; n < 20; n++) trials.set(n, Sim.finish(trials.get(n), t -> n10(t)));
        Proposal p = o.propose(space, trials, 20);
        assertEquals(2, p.meta().get("bracket"));
        assertEquals(2, p.meta().get("round"));
        trials.add(Sim.running(20, p));
        p = o.propose(space, trials, 21);
        assertEquals(List.of(1, 1, 9, 3), List.of(p.meta().get("bracket"), p.meta().get("round"), p.meta().get("epochs"), p.meta().get("initial_epoch")));
        trials.add(Sim.running(21, p));
        assertEquals(Proposal.Kind.DONE, o.propose(space, trials, 22).kind());
    }

    private static int count(List<Trial> trials, int bracket) {
        return (int) trials.stream().filter(t -> t.metaInt("bracket", -1) == bracket).count();
    }

    private static double n10(Trial t) { return score(t) + t.number() * 1e-3; }

    @Test
    void failedTrialsAreNeverPromoted() {
        HyperbandOracle o = hb(6, Map.of(), 27);
        // Every third trial fails, and so does all of bracket 1's round 0 (that bracket then ends early).
        ToDoubleFunction<Trial> s = t -> t.number() % 3 == 1 || t.metaInt("bracket", -1) == 1 ? Double.NaN : score(t);
        var run = Sim.sequential(o, space(), s, 1000);
        assertTrue(run.done());
        checkPromotions(o, run.trials());
        assertEquals(0, run.trials().stream().filter(t -> t.metaInt("bracket", -1) == 1 && t.metaInt("round", -1) == 1).count());
        assertTrue(run.trials().stream().anyMatch(t -> t.state() == TrialState.FAILED && t.metaInt("round", -1) == 0 && t.metaInt("bracket", -1) == 3));
        assertEquals(69 - 2, run.trials().size());
    }

    @Test
    void deterministicAndSeeded() {
        SearchSpace space = space();
        var a = Sim.sequential(hb(7, Map.of(), 27), space, HyperbandOracleTest::score, 1000);
        var b = Sim.sequential(hb(7, Map.of(), 27), space, HyperbandOracleTest::score, 1000);
        var c = Sim.sequential(hb(8, Map.of(), 27), space, HyperbandOracleTest::score, 1000);
        assertEquals(a.trials(), b.trials());
        assertNotEquals(a.trials().get(0).values(), c.trials().get(0).values());
        // A resumed study asks exactly what an uninterrupted one asked.
        for (int n : new int[] {0, 27, 30, 40, 68}) {
            Proposal p = hb(7, Map.of(), 27).propose(space, a.trials().subList(0, n), n);
            assertEquals(a.trials().get(n).values(), p.values());
            assertEquals(a.trials().get(n).meta(), p.meta());
        }
    }

    @Test
    void bracketsAvoidRepeatingConfigurations() {
        // 4 configurations: bracket 0's 4 trials are all different, and so are the first 4 of every bracket.
        SearchSpace space = new SearchSpace(List.of(Hyperparameter.bool("a", false, null), Hyperparameter.bool("b", false, null)));
        var run = Sim.sequential(hb(3, Map.of(), 27), space, t -> t.number(), 1000);
        assertEquals(69, run.trials().size());
        for (int s = 0; s <= 3; s++) {
            int bracket = s;
            List<String> keys = run.trials().stream().filter(t -> t.metaInt("bracket", -1) == bracket && t.metaInt("round", -1) == 0)
                    .limit(4).map(t -> space.key(t.values())).toList();
            assertEquals(4, new HashSet<>(keys).size(), "bracket " + s + ": " + keys);
        }
    }

    @Test
    void badSettingsNameTheKey() {
        for (var bad : List.<Map<String, Object>>of(Map.of("factor", 1), Map.of("factor", 2.5), Map.of("max_epochs", 0),
                Map.of("min_epochs", 0), Map.of("min_epochs", 50), Map.of("hyperband_iterations", 0), Map.of("max_epoch", 10))) {
            var e = assertThrows(IllegalArgumentException.class, () -> hb(1, bad, 40), bad.toString());
            assertTrue(e.getMessage().contains(bad.keySet().iterator().next()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> hb(1, Map.of(), 0));
        HyperbandOracle d = hb(1, null, 40);
        assertEquals(List.of(3, 40, 1, 1), List.of(d.factor(), d.maxEpochs(), d.minEpochs(), d.iterations()));
        assertEquals(60, hb(1, Map.of("max_epochs", 60), 40).maxEpochs());
    }
}
