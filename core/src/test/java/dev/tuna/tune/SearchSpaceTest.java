package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
    static SearchSpace conditional() {
        return new SearchSpace(List.of(
                Hyperparameter.choice("optimizer", List.of("adam", "sgd"), null, null),
                Hyperparameter.floatRange("momentum", 0, 0.99, 0, Hyperparameter.Sampling.LINEAR, 0.9, new Condition("optimizer", List.of("sgd"))),
                Hyperparameter.bool("nesterov", false, new Condition("momentum", List.of(0.5))),
                Hyperparameter.intRange("units", 16, 64, 16, Hyperparameter.Sampling.LINEAR, null, null),
                Hyperparameter.fixed("epochs", 7, null)));
    }

    @Test
    void normalizeDropsInactiveAndFillsDefaults() {
        SearchSpace s = conditional();
        Map<String, Object> adam = s.normalize(Map.of("optimizer", "adam", "momentum", 0.3));
        assertEquals(Map.of("optimizer", "adam", "units", 16L, "epochs", 7), adam);
        Map<String, Object> sgd = s.normalize(Map.of("optimizer", "sgd", "units", 48.0));
        assertEquals(0.9, sgd.get("momentum"));
        assertEquals(48L, sgd.get("units"));
        assertFalse(sgd.containsKey("nesterov")); // its parent is active but not at 0.5
        assertTrue(s.normalize(Map.of("optimizer", "sgd", "momentum", 0.5)).containsKey("nesterov"));
    }

    @Test
    void encodeDecodeRoundTripsOnRandomConfigurations() {
        SearchSpace s = conditional();
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        assertEquals(4, s.dimensions());
        for (int i = 0; i < 300; i++) {
            Map<String, Object> v = s.sample(rng);
            Map<String, Object> back = s.decode(s.encode(v));
            assertEquals(s.key(v), s.key(back));
            assertEquals(v, back);
        }
    }

    @Test
    void inactiveParametersDoNotChangeTheKeyOrTheEncoding() {
        SearchSpace s = conditional();
        Map<String, Object> a = Map.of("optimizer", "adam", "units", 32L);
        Map<String, Object> b = Map.of("optimizer", "adam", "units", 32L, "momentum", 0.1);
        assertEquals(s.key(a), s.key(b));
        assertEquals(java.util.Arrays.toString(s.encode(a)), java.util.Arrays.toString(s.encode(b)));
        assertNotEquals(s.key(a), s.key(Map.of("optimizer", "sgd", "units", 32L)));
    }

    @Test
    void cardinalityAndConflicts() {
        SearchSpace s = new SearchSpace(List.of(Hyperparameter.intRange("units", 16, 64, 16, Hyperparameter.Sampling.LINEAR, null, null),
                Hyperparameter.choice("optimizer", List.of("adam", "rmsprop"), null, null)));
        assertEquals(8, s.cardinality());
        assertEquals(-1, conditional().cardinality());
        s.register(Hyperparameter.choice("optimizer", List.of("adam", "rmsprop"), null, null)); // the same again is fine
        assertThrows(IllegalArgumentException.class, () -> s.register(Hyperparameter.choice("optimizer", List.of("sgd"), null, null)));
        assertTrue(s.summary().contains("units (int)"), s.summary());
    }
}
