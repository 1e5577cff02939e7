package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HyperparameterTest {
    private final SplittableRandom rng = new SplittableRandom(System.nanoTime());

    @Test
    void continuousRangesRoundTripThroughTheUnitInterval() {
        for (Hyperparameter.Sampling s : Hyperparameter.Sampling.values()) {
            Hyperparameter h = Hyperparameter.floatRange("lr", 1e-4, 1e-1, 0, s, null, null);
            for (int i = 0; i < 200; i++) {
                double u = rng.nextDouble();
                double v = (Double) h.decode(u);
                assertTrue(v >= 1e-4 && v <= 1e-1, s + " " + v);
                assertEquals(u, h.encode(v), 1e-9, s + " u=" + u);
            }
        }
    }

    @Test
    void samplingScalesPutMassWhereTheyShould() {
        Hyperparameter log = Hyperparameter.floatRange("a", 1e-4, 1, 0, Hyperparameter.Sampling.LOG, null, null);
        Hyperparameter rev = Hyperparameter.floatRange("b", 1e-4, 1, 0, Hyperparameter.Sampling.REVERSE_LOG, null, null);
        // The midpoint of the unit interval is the geometric mean for log, and mirrors it towards the top for reverse_log.
        assertEquals(1e-2, (Double) log.decode(0.5), 1e-12);
        assertEquals(1 + 1e-4 - 1e-2, (Double) rev.decode(0.5), 1e-12);
        assertEquals(1e-4, (Double) rev.decode(0), 1e-15);
        assertEquals(1.0, (Double) rev.decode(1), 1e-12);
    }

    @Test
    void discreteKindsEncodeToBinCentresAndBack() {
        Hyperparameter units = Hyperparameter.intRange("units", 16, 64, 16, Hyperparameter.Sampling.LINEAR, null, null);
        assertEquals(List.of(16L, 32L, 48L, 64L), units.discreteValues());
        for (Object v : units.discreteValues()) assertEquals(v, units.decode(units.encode(v)));
        assertEquals(0.125, units.encode(16L), 1e-15);
        assertEquals(64L, units.decode(0.999));
        Hyperparameter pow = Hyperparameter.intRange("w", 32, 512, 2, Hyperparameter.Sampling.LOG, null, null);
        assertEquals(List.of(32L, 64L, 128L, 256L, 512L), pow.discreteValues());
        Hyperparameter choice = Hyperparameter.choice("opt", List.of("adam", "rmsprop", 3), null, null);
        for (Object v : choice.discreteValues()) assertEquals(v, choice.decode(choice.encode(v)));
        assertEquals(3, choice.canonical(3.0)); // a number read back from JSON as a double is the same choice
        Hyperparameter flag = Hyperparameter.bool("bn", true, null);
        assertEquals(Boolean.TRUE, flag.defaultValue());
        assertEquals(Boolean.FALSE, flag.decode(0.2));
        assertEquals(Boolean.TRUE, flag.decode(0.7));
        Hyperparameter stepped = Hyperparameter.floatRange("drop", 0, 0.5, 0.1, Hyperparameter.Sampling.LINEAR, null, null);
        assertEquals(6, stepped.discreteValues().size());
    }

    @Test
    void logSampledIntegersWithoutAStepAreContinuousAndRounded() {
        Hyperparameter h = Hyperparameter.intRange("n", 1, 1000, 0, Hyperparameter.Sampling.LOG, null, null);
        assertEquals(null, h.discreteValues());
        for (int i = 0; i < 100; i++) {
            long v = (Long) h.decode(rng.nextDouble());
            assertTrue(v >= 1 && v <= 1000);
        }
        assertEquals(10, h.gridValues().size());
    }

    @Test
    void badDefinitionsAreRejectedWithTheName() {
        var e = assertThrows(IllegalArgumentException.class, () -> Hyperparameter.floatRange("lr", 0, 1, 0, Hyperparameter.Sampling.LOG, null, null));
        assertTrue(e.getMessage().startsWith("lr:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Hyperparameter.intRange("u", 5, 1, 1, Hyperparameter.Sampling.LINEAR, null, null));
        assertThrows(IllegalArgumentException.class, () -> Hyperparameter.choice("c", List.of(), null, null));
        assertThrows(IllegalArgumentException.class, () -> Hyperparameter.intRange("u", 1, 8, 1, Hyperparameter.Sampling.LINEAR, 9, null));
        assertThrows(IllegalArgumentException.class, () -> Hyperparameter.choice("c", List.of("a"), "b", null));
    }
}
