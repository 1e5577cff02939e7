package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.Condition;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Hyperparameter.Sampling;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomOracleTest {

    static SearchSpace mixed() {
        return new SearchSpace(List.of(
                Hyperparameter.floatRange("lr", 1e-4, 1e-1, 0, Sampling.LOG, null, null),
                Hyperparameter.intRange("units", 16, 256, 16, Sampling.LINEAR, null, null),
                Hyperparameter.choice("act", List.of("relu", "tanh", "gelu"), null, null),
                Hyperparameter.bool("bn", false, null)));
    }

    /** 3 x 2 x 4 = 24 configurations. */
    static SearchSpace finite() {
        return new SearchSpace(List.of(
                Hyperparameter.choice("act", List.of("relu", "tanh", "gelu"), null, null),
                Hyperparameter.bool("bn", false, null),
                Hyperparameter.intRange("layers", 1, 4, 1, Sampling.LINEAR, null, null),
                Hyperparameter.fixed("batch", 32L, null)));
    }

    /** optimizer adam or sgd; momentum (3 values) only for sgd: 1 + 3 = 4 distinct configurations, cardinality 6. */
    static SearchSpace conditional() {
        return new SearchSpace(List.of(
                Hyperparameter.choice("optimizer", List.of("adam", "sgd"), null, null),
                Hyperparameter.choice("momentum", List.of(0.0, 0.5, 0.9), null, new Condition("optimizer", List.of("sgd")))));
    }

    private static List<Map<String, Object>> values(Sim.Run run) {
        return run.trials().stream().map(Trial::values).toList();
    }

    @Test
    void reproduciblePerSeedAndDifferentAcrossSeeds() {
        SearchSpace space = mixed();
        var a = Sim.sequential(new RandomOracle(7), space, t -> 0, 30);
        var b = Sim.sequential(new RandomOracle(7), space, t -> 1, 30);
        var c = Sim.sequential(new RandomOracle(8), space, t -> 0, 30);
        assertEquals(values(a), values(b), "same seed, same proposals (scores do not matter)");
        assertNotEquals(values(a).getFirst(), values(c).getFirst());
        assertNotEquals(values(a), values(c));
        // A resumed search asks exactly what an uninterrupted one would: trial 20 from the first 20 trials.
        Proposal again = new RandomOracle(7).propose(space, a.trials().subList(0, 20), 20);
        assertEquals(a.trials().get(20).values(), again.values());
    }

    @Test
    void neverRepeatsAConfiguration() {
        SearchSpace space = new SearchSpace(List.of(
                Hyperparameter.choice("act", List.of("relu", "tanh"), null, null),
                Hyperparameter.intRange("units", 1, 20, 1, Sampling.LINEAR, null, null)));
        var run = Sim.parallel(new RandomOracle(3), space, t -> 0, 4, 35, 1);
        Set<String> keys = new HashSet<>();
        for (Trial t : run.trials()) assertTrue(keys.add(space.key(t.values())), "repeated " + t.values());
        assertEquals(35, keys.size());
    }

    @Test
    void finiteSpaceIsExhaustedThenDone() {
        SearchSpace space = finite();
        var run = Sim.sequential(new RandomOracle(11), space, t -> 0, 100);
        assertTrue(run.done());
        assertEquals(24, run.trials().size());
        assertEquals(24, run.trials().stream().map(t -> space.key(t.values())).distinct().count());
        // The order is random, not the grid's.
        assertNotEquals(Sim.sequential(new GridOracle(), space, t -> 0, 100).trials().stream().map(Trial::values).toList(), values(run));
    }

    @Test
    void conditionalSpaceIsExhaustedThenDone() {
        SearchSpace space = conditional();
        var run = Sim.parallel(new RandomOracle(5), space, t -> 0, 3, 100, 2);
        assertTrue(run.done());
        assertEquals(4, run.trials().size(), "adam, and sgd with each of 3 momentums");
        assertEquals(4, run.trials().stream().map(t -> space.key(t.values())).distinct().count());
        for (Trial t : run.trials()) {
            assertEquals("sgd".equals(t.values().get("optimizer")), t.values().containsKey("momentum"), t.values().toString());
        }
    }

    @Test
    void logSamplingIsLogUniform() {
        SearchSpace space = new SearchSpace(List.of(Hyperparameter.floatRange("lr", 1e-4, 1e-1, 0, Sampling.LOG, null, null)));
        // Each proposal keys every earlier trial, so a run costs O(n^2): 401 draws keep it fast (the median's sd is ~0.075).
        var run = Sim.sequential(new RandomOracle(42), space, t -> 0, 401);
        double[] logs = run.trials().stream().mapToDouble(t -> Math.log10((Double) t.values().get("lr"))).sorted().toArray();
        assertEquals(-2.5, logs[200], 0.2, "median of log10(lr)");
        assertEquals(-3.25, logs[100], 0.2, "lower quartile");
        assertEquals(-1.75, logs[300], 0.2, "upper quartile");
        assertTrue(logs[0] >= -4 && logs[400] <= -1);
    }

    @Test
    void skipsConfigurationsOfEveryState() {
        SearchSpace space = new SearchSpace(List.of(Hyperparameter.choice("x", List.of(1L, 2L, 3L), null, null)));
        List<Trial> trials = new ArrayList<>(List.of(
                Sim.running(0, Map.of("x", 1L)),
                new Trial(1, Map.of("x", 2.0), dev.tuna.tune.TrialState.FAILED, Double.NaN, Map.of())));
        for (int seed = 0; seed < 10; seed++) {
            Proposal p = new RandomOracle(seed).propose(space, trials, 2);
            assertEquals(Map.of("x", 3L), p.values());
        }
        trials.add(new Trial(2, Map.of("x", 3L), dev.tuna.tune.TrialState.PENDING, Double.NaN, Map.of()));
        assertEquals(Proposal.Kind.DONE, new RandomOracle(0).propose(space, trials, 3).kind());
    }

    @Test
    void factoryNamesAndErrors() {
        assertEquals("random", Oracles.create("random", 1, null, 10).name());
        assertEquals("grid", Oracles.create("grid", 1, Map.of(), 10).name());
        assertEquals("genetic", Oracles.create("genetic", 1, Map.of("population_size", 4), 10).name());
        assertEquals("hyperband", Oracles.create("hyperband", 1, Map.of(), 10).name());
        assertEquals(List.of("random", "grid", "bayesian", "genetic", "hyperband"), Oracles.NAMES);
        var e = assertThrows(IllegalArgumentException.class, () -> Oracles.create("x", 1, Map.of(), 10));
        assertEquals("oracle 'x': expected random, grid, bayesian, genetic or hyperband", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Oracles.create("random", 1, Map.of("population_size", 3), 10));
        assertTrue(e.getMessage().contains("population_size"), e.getMessage());
        assertEquals("bayesian", Oracles.create("bayesian", 1, Map.of(), 10).name());
        assertThrows(IllegalArgumentException.class, () -> Oracles.create("bayesian", 1, Map.of("acquisition", "pi"), 10));
        assertFalse(Arrays.asList("random", "grid").contains(Oracles.create("genetic", 1, null, 10).name()));
    }
}
