package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HyperParametersTest {
    /** A hypermodel's build function written against the Java API, with a conditional branch. */
    static Map<String, Object> build(HyperParameters hp) {
        long layers = hp.intRange("num_layers", 1, 3);
        for (int i = 0; i < layers; i++) hp.intRange("units_" + i, 32, 256, 32, "linear");
        String opt = hp.choice("optimizer", List.of("adam", "sgd"));
        Double momentum = hp.conditionalScope("optimizer", List.of("sgd"), () -> hp.floatRange("momentum", 0, 0.99));
        hp.floatRange("learning_rate", 1e-4, 1e-2, 0, "log");
        hp.fixed("batch_size", 128);
        return Map.of("layers", layers, "opt", opt, "momentum", momentum == null ? -1.0 : momentum);
    }

    @Test
    void firstBuildRegistersTheDefaultBranchAtDefaults() {
        SearchSpace space = new SearchSpace();
        HyperParameters hp = HyperParameters.defaults(space);
        Map<String, Object> r = build(hp);
        assertEquals(1L, r.get("layers"));
        assertEquals("adam", r.get("opt"));
        assertEquals(-1.0, r.get("momentum"));
        assertEquals(List.of("num_layers", "units_0", "optimizer", "learning_rate", "batch_size"),
                space.all().stream().map(Hyperparameter::name).toList());
        assertEquals(1e-4, hp.get("learning_rate"));
    }

    @Test
    void assignedValuesAreUsedAndNewBranchesRegisterWithTheirCondition() {
        SearchSpace space = new SearchSpace();
        build(HyperParameters.defaults(space));
        HyperParameters hp = new HyperParameters(space, Map.of("num_layers", 3L, "units_0", 64L, "optimizer", "sgd", "momentum", 0.5));
        Map<String, Object> r = build(hp);
        assertEquals(3L, r.get("layers"));
        assertEquals(0.5, r.get("momentum"));
        assertEquals(new Condition("optimizer", List.of("sgd")), space.get("momentum").condition());
        assertEquals(64L, hp.values().get("units_0"));
        assertEquals(32L, hp.values().get("units_2")); // new: its default
        // An inactive conditional parameter is not part of the trial's values.
        HyperParameters adam = new HyperParameters(space, Map.of("optimizer", "adam", "momentum", 0.5));
        build(adam);
        assertTrue(!adam.values().containsKey("momentum"));
    }

    @Test
    void outOfRangeAssignmentsAndRedefinitionsFail() {
        SearchSpace space = new SearchSpace();
        build(HyperParameters.defaults(space));
        assertThrows(IllegalArgumentException.class, () -> build(new HyperParameters(space, Map.of("num_layers", 9L))));
        HyperParameters hp = HyperParameters.defaults(space);
        assertThrows(IllegalArgumentException.class, () -> hp.intRange("num_layers", 1, 5));
        assertThrows(IllegalArgumentException.class, () -> hp.conditionalScope("never_read", List.of(1), () -> 0));
    }
}
