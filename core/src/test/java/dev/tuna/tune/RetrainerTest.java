package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RetrainerTest {
    @Test
    void bestEpochIsTheOneBasedArgminOfValLoss() {
        assertEquals(3, Retrainer.bestEpoch(new double[] {0.9, 0.5, 0.4, 0.45, 0.41}));
        assertEquals(1, Retrainer.bestEpoch(new double[] {0.2, 0.3, 0.2}));
        assertEquals(2, Retrainer.bestEpoch(new double[] {Double.NaN, 0.3}));
        assertThrows(IllegalArgumentException.class, () -> Retrainer.bestEpoch(new double[] {Double.NaN}));
    }

    @Test
    void finalEpochsIsPythonsIntOfOnePointTwoTimesTheBest() {
        // Python: [int(1.2 * e) for e in range(1, 51)], the seed notebook's arithmetic in the same IEEE doubles.
        int[] expected = {1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 24, 25, 26, 27, 28, 30,
                31, 32, 33, 34, 36, 37, 38, 39, 40, 42, 43, 44, 45, 46, 48, 49, 50, 51, 52, 54, 55, 56, 57, 58, 60};
        for (int e = 1; e <= 50; e++) assertEquals(expected[e - 1], Retrainer.finalEpochs(e), "best epoch " + e);
    }
}
