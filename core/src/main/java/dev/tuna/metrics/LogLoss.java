package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;

/**
 * {@code log_loss}: the mean negative log-likelihood of the labels, -mean(log p(label)), for classification and
 * binary (-mean(y log p + (1 - y) log(1 - p))). The label's probability (for binary, p or 1 - p, as sklearn's two
 * columns) is clipped to [1e-15, 1 - 1e-15] first, as scikit-learn's log_loss did with its long-standing
 * eps = 1e-15, so that a confident wrong row costs -log(1e-15) = 34.54 rather than infinity. Rows are not renormalised: they come from a softmax or a sigmoid. NaN over no rows.
 */
public final class LogLoss implements Metric {
    static final LogLoss INSTANCE = new LogLoss();

    /** The clipping bound. */
    public static final double EPS = 1e-15;

    private LogLoss() {}

    @Override public String name() { return "log_loss"; }

    @Override public boolean maximize() { return false; }

    @Override public boolean appliesTo(Task task) { return task.classifies(); }

    @Override
    public double compute(Predictions p, Labels labels) {
        int[] y = Inputs.classes(this, p, labels);
        if (y.length == 0) return Double.NaN;
        float[] q = p.p();
        int w = p.width();
        boolean binary = p.task() == Task.BINARY;
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            double label = binary ? (y[i] == 1 ? q[i] : 1.0 - q[i]) : q[i * w + y[i]];
            sum += Math.log(clip(label));
        }
        return -sum / y.length;
    }

    /** Clipped to [EPS, 1 - EPS]; NaN stays NaN, so that a diverged model's loss reads NaN. */
    private static double clip(double v) { return v < EPS ? EPS : v > 1 - EPS ? 1 - EPS : v; }

    @Override public String toString() { return name(); }
}
