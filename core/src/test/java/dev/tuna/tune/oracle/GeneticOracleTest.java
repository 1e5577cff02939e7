package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Hyperparameter.Sampling;
import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class GeneticOracleTest {
    private static final double[] CENTRE = {0.2, 0.8, 0.35, 0.6, 0.5};

    /** Five linear floats in [0, 1], a log-scaled float and a choice. */
    static SearchSpace space() {
        List<Hyperparameter> hps = new ArrayList<>();
        for (int i = 0; i < CENTRE.length; i++) hps.add(Hyperparameter.floatRange("x" + i, 0, 1, 0, Sampling.LINEAR, null, null));
        hps.add(Hyperparameter.floatRange("lr", 1e-4, 1e-1, 0, Sampling.LOG, null, null));
        hps.add(Hyperparameter.choice("act", List.of("relu", "tanh", "gelu", "elu"), null, null));
        return new SearchSpace(hps);
    }

    /** A smooth synthetic objective, larger is better, best (0) at CENTRE, lr = 1e-2.5 and act = gelu. */
    static double objective(Trial t) {
        double s = 0;
        for (int i = 0; i < CENTRE.length; i++) {
            double d = (Double) t.values().get("x" + i) - CENTRE[i];
            s -= d * d;
        }
        double l = (Math.log10((Double) t.values().get("lr")) + 2.5) / 3;
        return s - l * l - ("gelu".equals(t.values().get("act")) ? 0 : 0.05);
    }

    private static double best(List<Trial> trials) {
        return trials.stream().filter(Trial::complete).mapToDouble(Trial::score).max().orElse(Double.NaN);
    }

    @Test
    void firstPopulationIsRandomAndIndependentOfScores() {
        SearchSpace space = space();
        GeneticOracle ga = new GeneticOracle(5, Map.of("population_size", 6));
        var a = Sim.sequential(ga, space, GeneticOracleTest::objective, 12);
        var b = Sim.sequential(ga, space, t -> -objective(t), 12);
        for (int i = 0; i < 6; i++) {
            assertEquals(a.trials().get(i).values(), b.trials().get(i).values());
            assertEquals(Map.of("generation", 0), a.trials().get(i).meta());
        }
        for (int i = 6; i < 12; i++) assertTrue(a.trials().get(i).meta().containsKey("parents"), "trial " + i + " is bred");
        // After the first population the scores matter.
        assertNotEquals(a.trials().subList(6, 12).stream().map(Trial::values).toList(), b.trials().subList(6, 12).stream().map(Trial::values).toList());
        // Reproducible: the same seed and scores give the same trials.
        assertEquals(a.trials(), Sim.sequential(new GeneticOracle(5, Map.of("population_size", 6)), space, GeneticOracleTest::objective, 12).trials());
    }

    @Test
    void parentsAreAmongTheBestPopulation() {
        SearchSpace space = space();
        int pop = 8;
        GeneticOracle ga = new GeneticOracle(9, Map.of("population_size", pop, "tournament_size", 2));
        List<Trial> trials = Sim.sequential(ga, space, GeneticOracleTest::objective, 60).trials();
        int children = 0;
        Set<Integer> parentsSeen = new HashSet<>();
        for (Trial t : trials) {
            if (t.number() < pop) continue;
            @SuppressWarnings("unchecked") List<Integer> parents = (List<Integer>) t.meta().get("parents");
            assertTrue(parents != null && !parents.isEmpty() && parents.size() <= 2, t.meta().toString());
            // The pool: the 2 best (elitism's default) complete trials before this one, plus the most recent others.
            List<Integer> elite = trials.subList(0, t.number()).stream()
                    .sorted((x, y) -> Double.compare(y.score(), x.score())).limit(2).map(Trial::number).toList();
            List<Integer> top = new java.util.ArrayList<>(elite);
            for (int k = t.number() - 1; k >= 0 && top.size() < pop; k--) if (!elite.contains(k)) top.add(k);
            assertTrue(top.containsAll(parents), "trial " + t.number() + ": parents " + parents + " not in the pool " + top);
            assertTrue(parents.size() == 1 || trials.get(parents.get(0)).score() >= trials.get(parents.get(1)).score(), "best parent first");
            int generation = 1 + parents.stream().mapToInt(p -> trials.get(p).metaInt("generation", -100)).max().orElseThrow();
            assertEquals(generation, t.metaInt("generation", -1));
            parentsSeen.addAll(parents);
            children++;
        }
        assertEquals(60 - pop, children);
        assertTrue(parentsSeen.size() > pop, "the pool moves on as better children arrive: " + parentsSeen);
        assertEquals(trials.size(), trials.stream().map(t -> space.key(t.values())).distinct().count(), "no duplicates");
    }

    @Test
    void beatsRandomSearchOnTheSameBudget() {
        SearchSpace space = space();
        int seeds = 9, budget = 50;
        double[] ga = new double[seeds], rs = new double[seeds];
        for (int s = 0; s < seeds; s++) {
            ga[s] = best(Sim.sequential(new GeneticOracle(s, Map.of()), space, GeneticOracleTest::objective, budget).trials());
            rs[s] = best(Sim.sequential(new RandomOracle(s), space, GeneticOracleTest::objective, budget).trials());
        }
        Arrays.sort(ga);
        Arrays.sort(rs);
        assertTrue(ga[seeds / 2] > rs[seeds / 2], "median best: genetic " + ga[seeds / 2] + " vs random " + rs[seeds / 2]);
    }

    @Test
    void runningTrialsDoNotBlockParallelWorkers() {
        SearchSpace space = space();
        var run = Sim.parallel(new GeneticOracle(3, Map.of("population_size", 5)), space, GeneticOracleTest::objective, 4, 40, 7);
        assertEquals(0, run.waits());
        assertEquals(40, run.trials().size());
        assertEquals(40, run.trials().stream().map(t -> space.key(t.values())).distinct().count());
        // With nothing complete yet, a proposal past the first population is random, not a wait.
        List<Trial> running = new ArrayList<>();
        Oracle ga = new GeneticOracle(1, Map.of("population_size", 2));
        for (int n = 0; n < 5; n++) {
            Proposal p = ga.propose(space, running, n);
            assertEquals(Proposal.Kind.TRY, p.kind());
            assertFalse(p.meta().containsKey("parents"));
            running.add(Sim.running(n, p.values()));
        }
    }

    @Test
    void finiteSpaceEndsWithoutDuplicates() {
        SearchSpace space = new SearchSpace(List.of(
                Hyperparameter.choice("a", List.of(1L, 2L, 3L), null, null),
                Hyperparameter.bool("b", false, null),
                Hyperparameter.intRange("c", 1, 3, 1, Sampling.LINEAR, null, null)));
        var run = Sim.sequential(new GeneticOracle(2, Map.of("population_size", 4)), space, t -> ((Number) t.values().get("c")).doubleValue(), 100);
        assertTrue(run.done());
        assertEquals(18, run.trials().size());
        assertEquals(18, run.trials().stream().map(t -> space.key(t.values())).distinct().count());
    }

    @Test
    void badSettingsNameTheKey() {
        for (var bad : List.<Map<String, Object>>of(Map.of("population_size", 1), Map.of("population_size", 2.5), Map.of("tournament_size", 0),
                Map.of("tournament_size", 11), Map.of("crossover_rate", 1.5), Map.of("mutation_rate", -0.1), Map.of("elitism", 11),
                Map.of("mutation_scale", 0), Map.of("mutation_scale", "big"), Map.of("populaton_size", 10))) {
            var e = assertThrows(IllegalArgumentException.class, () -> new GeneticOracle(1, bad), bad.toString());
            String key = bad.keySet().iterator().next();
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
        GeneticOracle d = new GeneticOracle(1, null);
        assertEquals(List.of(10, 3, 2), List.of(d.populationSize(), d.tournamentSize(), d.elitism()));
        assertEquals(List.of(0.9, 0.2, 0.25), List.of(d.crossoverRate(), d.mutationScale(), d.mutationRate(4)));
        assertEquals(0.5, new GeneticOracle(1, Map.of("mutation_rate", "0.5")).mutationRate(4));
    }
}
