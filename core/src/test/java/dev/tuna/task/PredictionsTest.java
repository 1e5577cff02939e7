package dev.tuna.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Blending and storage of predictions for every task, against float64 references. */
class PredictionsTest {
    static Predictions random(SplittableRandom rng, Task task, int rows, int classes) {
        int w = task.outputs(classes);
        float[] p = new float[rows * w];
        for (int i = 0; i < rows; i++) {
            double total = 0;
            double[] e = new double[w];
            for (int c = 0; c < w; c++) total += e[c] = Math.exp(rng.nextGaussian());
            for (int c = 0; c < w; c++) {
                p[i * w + c] = (float) switch (task) {
                    case CLASSIFICATION -> e[c] / total;
                    case BINARY -> rng.nextDouble();
                    case REGRESSION -> rng.nextGaussian() * 10;
                };
            }
        }
        return new Predictions(task, rows, w, p);
    }

    @Test
    void blendIsTheWeightedMeanInFloat64ForEveryTask() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        for (Task task : Task.values()) {
            int rows = 1 + rng.nextInt(200), classes = 2 + rng.nextInt(5);
            Predictions a = random(rng, task, rows, classes), b = random(rng, task, rows, classes), c = random(rng, task, rows, classes);
            double wa = rng.nextDouble() * 3, wb = rng.nextDouble() * 3;
            Predictions blend = Predictions.blend(List.of(a, b, c), new double[] {wa, wb, 0});
            assertEquals(task, blend.task());
            for (int i = 0; i < a.p().length; i++) {
                double ref = (wa * (double) a.p()[i] + wb * (double) b.p()[i]) / (wa + wb);
                // Summed in float64 and rounded once to float32: within an ulp of the reference (half, plus the sum's own rounding).
                assertEquals(ref, blend.p()[i], Math.ulp((float) ref), task + " element " + i);
            }
        }
    }

    @Test
    void blendRefusesMixedTasksShapesAndBadWeights() {
        SplittableRandom rng = new SplittableRandom(3);
        Predictions r = random(rng, Task.REGRESSION, 4, 0), b = random(rng, Task.BINARY, 4, 2), c = random(rng, Task.CLASSIFICATION, 4, 3);
        assertThrows(IllegalArgumentException.class, () -> Predictions.blend(List.of(r, b), new double[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Predictions.blend(List.of(c, random(rng, Task.CLASSIFICATION, 5, 3)), new double[] {1, 1}));
        assertThrows(IllegalArgumentException.class, () -> Predictions.blend(List.of(r), new double[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> Predictions.blend(List.of(r), new double[] {0}));
        assertThrows(IllegalArgumentException.class, () -> new Predictions(Task.BINARY, 2, 2, new float[4]));
    }

    @Test
    void encodingRoundTripsExactly() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        for (Task task : Task.values()) {
            Predictions p = random(rng, task, 7, 3);
            Predictions back = Predictions.decode(task, 7, p.width(), p.encode());
            assertEquals(task, back.task());
            assertArrayEquals(p.p(), back.p());
        }
    }

    @Test
    void xgboostRowsBecomePredictionsOfTheirWidth() {
        Predictions p = Predictions.ofRows(Task.BINARY, new float[][] {{0.25f}, {0.75f}});
        assertEquals(1, p.width());
        assertEquals(0.75, p.probability(0, 0), 1e-7);
        assertEquals(1, p.predictedClass(1));
        assertThrows(IllegalArgumentException.class, () -> Predictions.ofRows(Task.CLASSIFICATION, new float[][] {{0.5f, 0.5f}, {1f}}));
    }

    @Test
    void concatJoinsRowsInOrderAndRefusesMixedWidths() {
        Predictions a = new Predictions(Task.CLASSIFICATION, 2, 3, new float[] {0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f});
        Predictions b = new Predictions(Task.CLASSIFICATION, 1, 3, new float[] {0.5f, 0.25f, 0.25f});
        Predictions j = Predictions.concat(java.util.List.of(a, b));
        org.junit.jupiter.api.Assertions.assertEquals(3, j.rows());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f, 0.5f, 0.25f, 0.25f}, j.p());
        Predictions r = new Predictions(Task.REGRESSION, 1, 1, new float[] {3f});
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Predictions.concat(java.util.List.of(a, r)));
    }
}
