package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.Condition;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Hyperparameter.Sampling;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GridOracleTest {

    /** act (2) x layers (3) x bn (2), with a fixed batch size: 12 configurations. */
    static SearchSpace small() {
        return new SearchSpace(List.of(
                Hyperparameter.choice("act", List.of("relu", "tanh"), null, null),
                Hyperparameter.fixed("batch", 32L, null),
                Hyperparameter.intRange("layers", 1, 3, 1, Sampling.LINEAR, null, null),
                Hyperparameter.bool("bn", false, null)));
    }

    private static Map<String, Object> cfg(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void visitsTheProductInOrderThenDone() {
        SearchSpace space = small();
        var run = Sim.sequential(new GridOracle(), space, t -> 0, 100);
        assertTrue(run.done());
        List<Map<String, Object>> expected = new ArrayList<>();
        for (String act : List.of("relu", "tanh")) {
            for (long layers = 1; layers <= 3; layers++) {
                for (boolean bn : List.of(false, true)) expected.add(cfg("act", act, "batch", 32L, "layers", layers, "bn", bn));
            }
        }
        assertEquals(expected, run.trials().stream().map(Trial::values).toList());
        for (Trial t : run.trials()) assertEquals((long) t.number(), ((Number) t.meta().get("grid_index")).longValue());
        assertEquals(12, GridOracle.size(space, 1000));
    }

    @Test
    void conditionalParametersAreDroppedAndDeduplicated() {
        // optimizer (2); momentum (3) only for sgd; lr: 10 log-spaced points. (1 + 3) x 10 = 40 distinct configurations
        // out of a 2 x 3 x 10 = 60-point product.
        SearchSpace space = new SearchSpace(List.of(
                Hyperparameter.choice("optimizer", List.of("adam", "sgd"), null, null),
                Hyperparameter.choice("momentum", List.of(0.0, 0.5, 0.9), null, new Condition("optimizer", List.of("sgd"))),
                Hyperparameter.floatRange("lr", 1e-3, 1e-1, 0, Sampling.LOG, null, null)));
        var run = Sim.parallel(new GridOracle(), space, t -> 0, 3, 1000, 4);
        assertTrue(run.done());
        assertEquals(0, run.waits());
        assertEquals(40, run.trials().size());
        Set<String> keys = new HashSet<>();
        for (Trial t : run.trials()) assertTrue(keys.add(space.key(t.values())), "repeated " + t.values());
        // Order: adam's 10 learning rates first (no momentum), then sgd with momentum 0.0, 0.5, 0.9.
        List<Object> lrs = space.get("lr").gridValues();
        assertEquals(10, lrs.size());
        for (int i = 0; i < 40; i++) {
            Map<String, Object> v = run.trials().get(i).values();
            assertEquals(i < 10 ? "adam" : "sgd", v.get("optimizer"));
            assertEquals(i >= 10, v.containsKey("momentum"), v.toString());
            if (i >= 10) assertEquals(List.of(0.0, 0.5, 0.9).get((i - 10) / 10), v.get("momentum"));
            assertEquals(lrs.get(i % 10), v.get("lr"));
        }
        assertEquals(1e-3, (Double) lrs.getFirst(), 1e-15);
        assertEquals(1e-1, (Double) lrs.getLast(), 1e-15);
        assertEquals(40, GridOracle.size(space, 1000));
        assertEquals(-1, GridOracle.size(space, 39));
    }

    @Test
    void skipsConfigurationsAlreadyTried() {
        SearchSpace space = small();
        // Trials 0 and 1 (running and failed, from elsewhere) hold the grid's 2nd and 5th configurations.
        List<Trial> trials = new ArrayList<>(List.of(
                Sim.running(0, cfg("act", "relu", "batch", 32L, "layers", 1L, "bn", true)),
                new Trial(1, cfg("act", "relu", "layers", 3.0, "bn", false), dev.tuna.tune.TrialState.FAILED, Double.NaN, Map.of())));
        List<Map<String, Object>> visited = new ArrayList<>();
        for (int n = 2; ; n++) {
            Proposal p = new GridOracle().propose(space, trials, n);
            if (p.kind() == Proposal.Kind.DONE) break;
            visited.add(p.values());
            trials.add(Sim.running(n, p.values()));
        }
        assertEquals(10, visited.size());
        assertEquals(cfg("act", "relu", "batch", 32L, "layers", 1L, "bn", false), visited.get(0));
        assertEquals(cfg("act", "relu", "batch", 32L, "layers", 2L, "bn", false), visited.get(1));
        assertEquals(cfg("act", "relu", "batch", 32L, "layers", 2L, "bn", true), visited.get(2));
        assertEquals(cfg("act", "relu", "batch", 32L, "layers", 3L, "bn", true), visited.get(3));
        assertEquals(cfg("act", "tanh", "batch", 32L, "layers", 1L, "bn", false), visited.get(4));
    }

    @Test
    void hugeGridsAreWalkedLazily() {
        // A switch whose "on" branch holds a 10^9-point subtree, then two 10-point floats: a 2 x 10^11-point
        // product. For "off", the walk must jump over the inactive subtree instead of stepping through it.
        List<Hyperparameter> hps = new ArrayList<>();
        hps.add(Hyperparameter.choice("branch", List.of("off", "on"), null, null));
        for (int i = 0; i < 9; i++) hps.add(Hyperparameter.intRange("deep" + i, 0, 9, 1, Sampling.LINEAR, null, new Condition("branch", List.of("on"))));
        for (int i = 0; i < 2; i++) hps.add(Hyperparameter.floatRange("x" + i, 0, 1, 0, Sampling.LINEAR, null, null));
        SearchSpace space = new SearchSpace(hps);
        List<Trial> trials = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Sim.sequential(new GridOracle(), space, t -> 0, 103).trials());
        // The "off" branch has 10^2 configurations (x0 x1); then "on" starts with every deep digit 0.
        for (int i = 0; i < 100; i++) {
            Map<String, Object> v = trials.get(i).values();
            assertEquals(Map.of("branch", "off", "x0", (i / 10) / 9.0, "x1", (i % 10) / 9.0), v);
        }
        Map<String, Object> on = trials.get(100).values();
        assertEquals("on", on.get("branch"));
        for (int i = 0; i < 9; i++) assertEquals(0L, on.get("deep" + i));
        assertEquals(0.0, on.get("x0"));
        assertEquals(0.0, on.get("x1"));
        assertEquals(1.0 / 9, (Double) trials.get(101).values().get("x1"), 1e-12);
        assertEquals(2.0 / 9, (Double) trials.get(102).values().get("x1"), 1e-12);
    }
}
