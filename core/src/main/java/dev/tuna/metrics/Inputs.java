package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;

/**
 * The checks every built-in metric makes before it reads its arguments, so that a mismatch between what the
 * model predicted and the labels it is scored on fails with the metric's name rather than a wrong figure or an
 * index out of bounds deep in a loop.
 */
final class Inputs {
    private Inputs() {}

    /** The class labels, checked against the predictions: same rows, each in [0, classes). */
    static int[] classes(Metric m, Predictions p, Labels y) {
        common(m, p, y);
        if (!y.isClasses()) throw new IllegalArgumentException("metric '" + m.name() + "' needs class labels, not values");
        int classes = p.task() == Task.BINARY ? 2 : p.width();
        int[] c = y.classes();
        for (int i = 0; i < c.length; i++) {
            if (c[i] < 0 || c[i] >= classes) {
                throw new IllegalArgumentException("metric '" + m.name() + "': label " + c[i] + " of row " + i + " is not a class in [0, " + classes + ")");
            }
        }
        return c;
    }

    /** The value labels, checked against the predictions: same rows. */
    static float[] values(Metric m, Predictions p, Labels y) {
        common(m, p, y);
        if (y.isClasses()) throw new IllegalArgumentException("metric '" + m.name() + "' needs value labels, not classes");
        return y.values();
    }

    private static void common(Metric m, Predictions p, Labels y) {
        if (!m.appliesTo(p.task())) throw new IllegalArgumentException("metric '" + m.name() + "' does not apply to " + p.task().id() + " predictions");
        if (p.rows() != y.rows()) throw new IllegalArgumentException("metric '" + m.name() + "': " + p.rows() + " predictions for " + y.rows() + " labels");
    }
}
