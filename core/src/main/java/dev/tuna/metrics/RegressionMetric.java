package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;

/**
 * The regression metrics, over the predicted values and the labels in double: {@code mse} (mean squared error),
 * {@code rmse} (its square root), {@code mae} (mean absolute error) and {@code r2}, the coefficient of
 * determination 1 - SS_res / SS_tot as scikit-learn's r2_score. Where the labels are constant (SS_tot = 0) r2
 * follows sklearn's default {@code force_finite=True}: 1 when the predictions are exact, else 0, rather than NaN or
 * minus infinity, so that an objective on it stays comparable. NaN over no rows.
 */
public final class RegressionMetric implements Metric {
    static final RegressionMetric MSE = new RegressionMetric("mse", Kind.MSE);
    static final RegressionMetric RMSE = new RegressionMetric("rmse", Kind.RMSE);
    static final RegressionMetric MAE = new RegressionMetric("mae", Kind.MAE);
    static final RegressionMetric R2 = new RegressionMetric("r2", Kind.R2);

    private enum Kind { MSE, RMSE, MAE, R2 }

    private final String name;
    private final Kind kind;

    private RegressionMetric(String name, Kind kind) {
        this.name = name;
        this.kind = kind;
    }

    @Override public String name() { return name; }

    @Override public boolean maximize() { return kind == Kind.R2; }

    @Override public boolean appliesTo(Task task) { return task == Task.REGRESSION; }

    @Override
    public double compute(Predictions p, Labels labels) {
        float[] y = Inputs.values(this, p, labels);
        float[] q = p.p();
        int n = y.length;
        if (n == 0) return Double.NaN;
        if (kind == Kind.MAE) {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += Math.abs((double) q[i] - y[i]);
            return sum / n;
        }
        double ssRes = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) q[i] - y[i];
            ssRes += d * d;
        }
        if (kind == Kind.MSE) return ssRes / n;
        if (kind == Kind.RMSE) return Math.sqrt(ssRes / n);
        // Two passes (the mean, then the squares about it) rather than sum of squares minus n mean^2, which
        // cancels badly when the labels sit far from zero.
        double mean = 0;
        for (float v : y) mean += v;
        mean /= n;
        double ssTot = 0;
        for (float v : y) ssTot += (v - mean) * (v - mean);
        if (ssTot == 0 && !Double.isNaN(ssRes)) return ssRes == 0 ? 1 : 0;
        return 1 - ssRes / ssTot;
    }

    @Override public String toString() { return name; }
}
