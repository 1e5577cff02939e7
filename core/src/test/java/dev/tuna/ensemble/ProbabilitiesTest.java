package dev.tuna.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ProbabilitiesTest {
    @Test
    void logLossAccuracyAndBlendAgreeWithFloat64References() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        int rows = 200, classes = 5;
        int[] y = EnsembleWeightsTest.randomLabels(rng, rows, classes);
        Probabilities a = EnsembleWeightsTest.randomMember(rng, rows, classes, y, 1.5);
        Probabilities b = EnsembleWeightsTest.randomMember(rng, rows, classes, y, 0.7);
        double wa = rng.nextDouble() * 3, wb = rng.nextDouble() * 3;
        Probabilities blend = Probabilities.blend(List.of(a, b), new double[] {wa, wb});
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < rows; i++) {
            double[] p = new double[classes];
            int arg = 0;
            for (int c = 0; c < classes; c++) {
                p[c] = (wa * a.get(i, c) + wb * b.get(i, c)) / (wa + wb);
                assertEquals(p[c], blend.get(i, c), 1e-6);
                if (p[c] > p[arg]) arg = c;
            }
            loss -= Math.log(p[y[i]]);
            if (arg == y[i]) correct++;
        }
        assertEquals(loss / rows, blend.logLoss(y), 1e-5);
        assertEquals((double) correct / rows, blend.accuracy(y), 1e-12);
    }

    @Test
    void logLossClipsCertainMistakes() {
        Probabilities p = new Probabilities(1, 2, new float[] {1f, 0f});
        assertEquals(-Math.log(Probabilities.EPS), p.logLoss(new int[] {1}), 1e-9);
    }

    @Test
    void encodingRoundTripsExactly() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        float[] v = new float[3 * 7];
        for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextDouble();
        Probabilities p = new Probabilities(7, 3, v);
        assertArrayEquals(v, Probabilities.decode(7, 3, p.encode()).p());
    }
}
