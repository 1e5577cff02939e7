package dev.tuna.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every figure against a direct float64 computation on fresh random predictions. */
class ScoresTest {
    @Test
    void classificationLogLossAndAccuracy() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = 150, classes = 4;
        Predictions p = PredictionsTest.random(rng, Task.CLASSIFICATION, rows, classes);
        int[] y = new int[rows];
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < rows; i++) {
            y[i] = rng.nextInt(classes);
            loss -= Math.log(p.get(i, y[i]));
            int arg = 0;
            for (int c = 1; c < classes; c++) if (p.get(i, c) > p.get(i, arg)) arg = c;
            if (arg == y[i]) correct++;
        }
        assertEquals(loss / rows, Scores.logLoss(p, y), 1e-9);
        assertEquals((double) correct / rows, Scores.accuracy(p, y), 1e-12);
        assertEquals(Scores.logLoss(p, y), Scores.loss(p, Labels.classes(y)), 0);
        assertEquals(List.of("accuracy", "log_loss"), List.copyOf(Scores.summary(p, Labels.classes(y)).keySet()));
    }

    @Test
    void logLossClipsCertainMistakesAsScikitLearnDoes() {
        Predictions p = new Predictions(Task.CLASSIFICATION, 1, 2, new float[] {1f, 0f});
        assertEquals(-Math.log(Scores.EPS), Scores.logLoss(p, new int[] {1}), 1e-9);
        Predictions b = new Predictions(Task.BINARY, 1, 1, new float[] {1f});
        assertEquals(-Math.log(Scores.EPS), Scores.logLoss(b, new int[] {0}), 1e-6);
    }

    @Test
    void binaryAucLogLossAndAccuracy() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = 300;
        float[] q = new float[rows];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = rng.nextInt(2);
            // Rounded to tenths so that ties occur and must count a half.
            q[i] = (float) (Math.round(Math.min(1, Math.max(0, 0.5 + (y[i] - 0.5) * 0.4 + rng.nextGaussian() * 0.3)) * 10) / 10.0);
        }
        Predictions p = new Predictions(Task.BINARY, rows, 1, q);
        double pairs = 0, wins = 0, loss = 0;
        int correct = 0;
        for (int i = 0; i < rows; i++) {
            // The label's probability is clipped (rows at exactly 0 and 1 occur here).
            double label = y[i] == 1 ? q[i] : 1.0 - q[i];
            loss -= Math.log(Math.min(1 - Scores.EPS, Math.max(Scores.EPS, label)));
            if ((q[i] >= 0.5 ? 1 : 0) == y[i]) correct++;
            if (y[i] != 1) continue;
            for (int j = 0; j < rows; j++) {
                if (y[j] != 0) continue;
                pairs++;
                wins += q[i] > q[j] ? 1 : q[i] == q[j] ? 0.5 : 0;
            }
        }
        assertEquals(wins / pairs, Scores.auc(p, y), 1e-12);
        assertEquals(loss / rows, Scores.logLoss(p, y), 1e-9);
        assertEquals((double) correct / rows, Scores.accuracy(p, y), 1e-12);
        assertEquals(List.of("auc", "log_loss", "accuracy"), List.copyOf(Scores.summary(p, Labels.classes(y)).keySet()));
        assertTrue(Double.isNaN(Scores.auc(new Predictions(Task.BINARY, 2, 1, new float[] {0.1f, 0.9f}), new int[] {1, 1})), "one class: undefined");
    }

    @Test
    void regressionMseRmseMaeAndR2() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = 200;
        Predictions p = PredictionsTest.random(rng, Task.REGRESSION, rows, 0);
        float[] y = new float[rows];
        double mean = 0;
        for (int i = 0; i < rows; i++) mean += y[i] = (float) (p.get(i, 0) + rng.nextGaussian() * 3);
        mean /= rows;
        double se = 0, ae = 0, tot = 0;
        for (int i = 0; i < rows; i++) {
            double e = p.get(i, 0) - y[i];
            se += e * e;
            ae += Math.abs(e);
            tot += (y[i] - mean) * (y[i] - mean);
        }
        assertEquals(se / rows, Scores.mse(p, y), 1e-9 * se / rows);
        assertEquals(Math.sqrt(se / rows), Scores.rmse(p, y), 1e-9);
        assertEquals(ae / rows, Scores.mae(p, y), 1e-9);
        assertEquals(1 - se / tot, Scores.r2(p, y), 1e-9);
        assertEquals(Scores.mse(p, y), Scores.loss(p, Labels.values(y)), 0);
        assertEquals(List.of("rmse", "mae", "r2"), List.copyOf(Scores.summary(p, Labels.values(y)).keySet()));
    }

    @Test
    void labelsOfTheWrongKindOrRangeAreRefused() {
        Predictions r = new Predictions(Task.REGRESSION, 2, 1, new float[] {1, 2});
        Predictions b = new Predictions(Task.BINARY, 2, 1, new float[] {0.2f, 0.7f});
        assertThrows(IllegalArgumentException.class, () -> Scores.loss(r, Labels.classes(new int[] {0, 1})));
        assertThrows(IllegalArgumentException.class, () -> Scores.loss(b, Labels.values(new float[] {0, 1})));
        assertThrows(IllegalArgumentException.class, () -> Scores.logLoss(b, new int[] {0, 2}));
        assertThrows(IllegalArgumentException.class, () -> Scores.mse(r, new float[] {1}));
    }
}
