package dev.tuna.task;

import java.util.Objects;

/**
 * What a model (a network, a tree ensemble, a weighted ensemble) predicts for a set of rows, row-major
 * [rows, width] on the Java heap, after its output activation: class probabilities (width = classes) for
 * classification, the probability of class 1 (width 1) for binary, the value (width 1) for regression. Metrics,
 * ensembles and {@code tuna predict} read only this, so none of them needs to know which kind of model made it.
 */
public record Predictions(Task task, int rows, int width, float[] p) {
    public Predictions {
        Objects.requireNonNull(task, "task");
        if (rows < 0 || width <= 0 || p.length != (long) rows * width) {
            throw new IllegalArgumentException(p.length + " predictions for " + rows + " rows of width " + width);
        }
        if (task != Task.CLASSIFICATION && width != 1) throw new IllegalArgumentException(task.id() + " predictions have width 1, not " + width);
    }

    public double get(int row, int col) { return p[row * width + col]; }

    /** The predicted class of a row: the most probable one (ties to the lower index), or p(1) >= 0.5 for binary. */
    public int predictedClass(int row) {
        if (task == Task.BINARY) return p[row] >= 0.5f ? 1 : 0;
        int best = 0;
        for (int c = 1; c < width; c++) if (p[row * width + c] > p[row * width + best]) best = c;
        return best;
    }

    /** The probability the prediction gives class c of row (binary: p(1) for c = 1, 1 - p(1) for c = 0). */
    public double probability(int row, int c) {
        if (task == Task.BINARY) return c == 1 ? p[row] : 1.0 - p[row];
        return p[row * width + c];
    }
}
