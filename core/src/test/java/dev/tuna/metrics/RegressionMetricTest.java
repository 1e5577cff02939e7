package dev.tuna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** mse, rmse, mae and r2 against their definitions in float64 on fresh random values, and r2 on constant labels. */
class RegressionMetricTest {

    private static Predictions values(float... v) { return new Predictions(Task.REGRESSION, v.length, 1, v); }

    @Test
    void matchDefinitions() {
        SplittableRandom r = new SplittableRandom(RandomCases.seed("regression matchDefinitions"));
        for (int rows : RandomCases.ROWS) {
            // Labels far from zero with a small spread, where a one-pass variance would lose digits.
            float[] y = new float[rows], q = new float[rows];
            double offset = 1000 * r.nextDouble();
            for (int i = 0; i < rows; i++) {
                y[i] = (float) (offset + r.nextGaussian());
                q[i] = (float) (y[i] + 0.5 * r.nextGaussian());
            }
            double mean = 0;
            for (float v : y) mean += v;
            mean /= rows;
            double se = 0, ae = 0, tot = 0;
            for (int i = 0; i < rows; i++) {
                se += Math.pow((double) q[i] - (double) y[i], 2);
                ae += Math.abs((double) q[i] - (double) y[i]);
                tot += Math.pow((double) y[i] - mean, 2);
            }
            Predictions p = values(q);
            Labels labels = Labels.values(y);
            String at = rows + " rows";
            assertEquals(se / rows, Metrics.named("mse").compute(p, labels), 1e-12 * se / rows, at);
            assertEquals(Math.sqrt(se / rows), Metrics.named("rmse").compute(p, labels), 1e-12 * Math.sqrt(se / rows), at);
            assertEquals(ae / rows, Metrics.named("mae").compute(p, labels), 1e-12 * ae / rows, at);
            if (rows > 1) assertEquals(1 - se / tot, Metrics.named("r2").compute(p, labels), 1e-10, at);
        }
    }

    @Test
    void r2OnConstantLabelsFollowsSklearnForceFinite() {
        Labels constant = Labels.values(new float[] {3, 3, 3});
        assertEquals(1.0, Metrics.named("r2").compute(values(3, 3, 3), constant), 0, "exact");
        assertEquals(0.0, Metrics.named("r2").compute(values(3, 3, 4), constant), 0, "inexact");
        assertEquals(0.0, Metrics.named("r2").compute(values(7), Labels.values(new float[] {2})), 0, "one row");
    }

    @Test
    void r2IsNegativeWhenWorseThanTheMean() {
        // Labels 1, 2, 3 (SS_tot 2); predictions 3, 2, 1 (SS_res 8): 1 - 8/2.
        assertEquals(-3.0, Metrics.named("r2").compute(values(3, 2, 1), Labels.values(new float[] {1, 2, 3})), 1e-15);
    }

    @Test
    void noRowsIsNaNAndClassLabelsAreRefused() {
        for (String m : new String[] {"mse", "rmse", "mae", "r2"}) {
            assertTrue(Double.isNaN(Metrics.named(m).compute(values(), Labels.values(new float[0]))), m);
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Metrics.named("mae").compute(values(1, 2), Labels.classes(new int[] {1, 2})));
        assertTrue(e.getMessage().contains("'mae' needs value labels"), e.getMessage());
    }
}
