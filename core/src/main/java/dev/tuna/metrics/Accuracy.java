package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;

/**
 * {@code accuracy}: the fraction of rows whose predicted class is the label, for classification (the most probable
 * class, ties to the lower index, as numpy's argmax) and binary (p(1) >= 0.5); NaN over no rows.
 */
public final class Accuracy implements Metric {
    static final Accuracy INSTANCE = new Accuracy();

    private Accuracy() {}

    @Override public String name() { return "accuracy"; }

    @Override public boolean maximize() { return true; }

    @Override public boolean appliesTo(Task task) { return task.classifies(); }

    @Override
    public double compute(Predictions p, Labels labels) {
        int[] y = Inputs.classes(this, p, labels);
        if (y.length == 0) return Double.NaN;
        long hits = 0;
        for (int i = 0; i < y.length; i++) if (p.predictedClass(i) == y[i]) hits++;
        return (double) hits / y.length;
    }

    @Override public String toString() { return name(); }
}
