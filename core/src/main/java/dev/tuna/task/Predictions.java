package dev.tuna.task;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
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

    /** The rows of each in turn (the out-of-fold predictions of consecutive folds); one task and width. */
    public static Predictions concat(java.util.List<Predictions> parts) {
        Predictions first = parts.getFirst();
        int rows = 0;
        for (Predictions q : parts) {
            if (q.task != first.task || q.width != first.width) throw new IllegalArgumentException("cannot join predictions of different tasks or widths");
            rows += q.rows;
        }
        float[] all = new float[Math.multiplyExact(rows, first.width)];
        int at = 0;
        for (Predictions q : parts) {
            System.arraycopy(q.p, 0, all, at, q.p.length);
            at += q.p.length;
        }
        return new Predictions(first.task, rows, first.width, all);
    }

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

    /** Copies a host f32 tensor of shape [rows, width], or [rows] for a task of width 1. */
    public static Predictions of(Task task, Tensor t) {
        if (t.dtype() != DType.F32 || (t.rank() != 2 && !(t.rank() == 1 && task != Task.CLASSIFICATION))) {
            throw new IllegalArgumentException("expected f32 [rows, width] " + task.id() + " predictions, got " + t.dtype().id() + " " + t.shape());
        }
        return new Predictions(task, t.dim(0), t.rank() == 2 ? t.dim(1) : 1, t.toFloatArray());
    }

    /** Rows as XGBoost returns them: one float[] per row (its classes, or one probability or value). */
    public static Predictions ofRows(Task task, float[][] rows) {
        int w = rows.length == 0 ? (task == Task.CLASSIFICATION ? 2 : 1) : rows[0].length;
        float[] a = new float[rows.length * w];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != w) throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " predictions, row 0 " + w);
            System.arraycopy(rows[i], 0, a, i * w, w);
        }
        return new Predictions(task, rows.length, w, a);
    }

    /**
     * The weighted mean of members' predictions (probabilities for classifiers, values for regression), summed in
     * float64; weights must be non-negative with a positive sum and are used as shares of it.
     */
    public static Predictions blend(List<Predictions> members, double[] weights) {
        if (members.isEmpty() || members.size() != weights.length) {
            throw new IllegalArgumentException(weights.length + " weights for " + members.size() + " members");
        }
        Predictions first = members.getFirst();
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || !Double.isFinite(w)) throw new IllegalArgumentException("weight " + w + ": expected a finite number >= 0");
            total += w;
        }
        if (!(total > 0)) throw new IllegalArgumentException("the weights sum to 0");
        double[] acc = new double[first.p.length];
        for (int m = 0; m < members.size(); m++) {
            Predictions q = members.get(m);
            if (q.task != first.task || q.rows != first.rows || q.width != first.width) {
                throw new IllegalArgumentException("member " + m + " predicts " + q.task.id() + " [" + q.rows + ", " + q.width + "], member 0 "
                        + first.task.id() + " [" + first.rows + ", " + first.width + "]");
            }
            if (weights[m] == 0) continue;
            double w = weights[m] / total;
            for (int i = 0; i < acc.length; i++) acc[i] += w * q.p[i];
        }
        float[] out = new float[acc.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) acc[i];
        return new Predictions(first.task, first.rows, first.width, out);
    }

    /** The values as little-endian float32, base64 (how a study keeps them in JSON). */
    public String encode() {
        ByteBuffer b = ByteBuffer.allocate(p.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(p);
        return Base64.getEncoder().encodeToString(b.array());
    }

    /** The inverse of {@link #encode()}; the length must match rows x width. */
    public static Predictions decode(Task task, int rows, int width, String base64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() % 4 != 0) throw new IllegalArgumentException(b.remaining() + " bytes are not float32 values");
        float[] a = new float[b.remaining() / 4];
        b.asFloatBuffer().get(a);
        return new Predictions(task, rows, width, a);
    }
}
