package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;

/**
 * Top-k accuracy for classification: the fraction of rows whose label is among the k most probable classes.
 * Named {@code top_k_accuracy} for k = 5 (Keras' top_k_categorical_accuracy) and {@code top<k>_accuracy}
 * ({@code top3_accuracy}) for any k >= 1. A class tied with the k-th probability counts as in the top k, as
 * tf.math.in_top_k has it: a row is a hit when fewer than k classes are strictly more probable than its label.
 * (scikit-learn's top_k_accuracy_score breaks such ties by class index instead.) NaN over no rows.
 */
public final class TopKAccuracy implements Metric {
    /** {@code top_k_accuracy}: k = 5, as Keras' top_k_categorical_accuracy. */
    static final TopKAccuracy KERAS = new TopKAccuracy("top_k_accuracy", 5);

    private final String name;
    private final int k;

    /** Top-k accuracy named {@code top<k>_accuracy}, so that what a job file names is what the logs show. */
    public TopKAccuracy(int k) { this("top" + k + "_accuracy", k); }

    private TopKAccuracy(String name, int k) {
        if (k < 1) throw new IllegalArgumentException("top-k accuracy needs k >= 1, not " + k);
        this.name = name;
        this.k = k;
    }

    public int k() { return k; }

    @Override public String name() { return name; }

    @Override public boolean maximize() { return true; }

    @Override public boolean appliesTo(Task task) { return task == Task.CLASSIFICATION; }

    @Override
    public double compute(Predictions p, Labels labels) {
        int[] y = Inputs.classes(this, p, labels);
        if (y.length == 0) return Double.NaN;
        float[] q = p.p();
        int w = p.width();
        long hits = 0;
        for (int i = 0, row = 0; i < y.length; i++, row += w) {
            float t = q[row + y[i]];
            if (Float.isNaN(t)) continue;
            int above = 0;
            for (int c = 0; c < w && above < k; c++) if (q[row + c] > t) above++;
            if (above < k) hits++;
        }
        return (double) hits / y.length;
    }

    @Override public String toString() { return name(); }
}
