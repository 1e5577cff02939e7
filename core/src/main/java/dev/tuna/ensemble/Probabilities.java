package dev.tuna.ensemble;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * Class probabilities of one model for a set of rows, row-major [rows, classes], on the Java heap: what an
 * ensemble member contributes, and what is stored in the study so that weights can be refit without retraining.
 * Log-loss clips probabilities at {@link #EPS} as scikit-learn does, so one confident mistake costs a finite 34.5
 * nats rather than infinity.
 */
public record Probabilities(int rows, int classes, float[] p) {
    public static final double EPS = 1e-15;

    public Probabilities {
        if (rows < 0 || classes <= 0 || p.length != (long) rows * classes) {
            throw new IllegalArgumentException(p.length + " probabilities for " + rows + " rows of " + classes + " classes");
        }
    }

    /** Copies a host tensor of shape [rows, classes]. */
    public static Probabilities of(Tensor t) {
        if (t.rank() != 2 || t.dtype() != DType.F32) throw new IllegalArgumentException("expected f32 [rows, classes], got " + t.dtype().id() + " " + t.shape());
        return new Probabilities(t.dim(0), t.dim(1), t.toFloatArray());
    }

    /** Rows as XGBoost returns them (one float[] of classes per row). */
    public static Probabilities of(float[][] rows) {
        int c = rows.length == 0 ? 1 : rows[0].length;
        float[] a = new float[rows.length * c];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, a, i * c, c);
        return new Probabilities(rows.length, c, a);
    }

    public double get(int row, int cls) { return p[row * classes + cls]; }

    public int argmax(int row) {
        int best = 0;
        for (int c = 1; c < classes; c++) if (p[row * classes + c] > p[row * classes + best]) best = c;
        return best;
    }

    /** Mean negative log-likelihood of the labels, natural log, probabilities clipped to [EPS, 1 - EPS]. */
    public double logLoss(int[] labels) {
        checkLabels(labels);
        double s = 0;
        for (int i = 0; i < rows; i++) s -= Math.log(clip(p[i * classes + labels[i]]));
        return s / rows;
    }

    /** Fraction of rows whose most probable class is the label (ties go to the lower class index). */
    public double accuracy(int[] labels) {
        checkLabels(labels);
        int correct = 0;
        for (int i = 0; i < rows; i++) if (argmax(i) == labels[i]) correct++;
        return (double) correct / rows;
    }

    static double clip(double q) { return Math.min(1 - EPS, Math.max(EPS, q)); }

    private void checkLabels(int[] labels) {
        if (labels.length != rows) throw new IllegalArgumentException(labels.length + " labels for " + rows + " rows of predictions");
        if (rows == 0) throw new IllegalArgumentException("no rows to score");
    }

    /** The weighted mean of members' probabilities; weights must be non-negative with a positive sum. */
    public static Probabilities blend(List<Probabilities> members, double[] weights) {
        if (members.isEmpty() || members.size() != weights.length) {
            throw new IllegalArgumentException(weights.length + " weights for " + members.size() + " members");
        }
        Probabilities first = members.getFirst();
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0) || !Double.isFinite(w)) throw new IllegalArgumentException("weight " + w + ": expected a finite number >= 0");
            total += w;
        }
        if (!(total > 0)) throw new IllegalArgumentException("the weights sum to 0");
        double[] acc = new double[first.p.length];
        for (int m = 0; m < members.size(); m++) {
            Probabilities q = members.get(m);
            if (q.rows != first.rows || q.classes != first.classes) {
                throw new IllegalArgumentException("member " + m + " predicts [" + q.rows + ", " + q.classes + "], member 0 [" + first.rows + ", " + first.classes + "]");
            }
            if (weights[m] == 0) continue;
            double w = weights[m] / total;
            for (int i = 0; i < acc.length; i++) acc[i] += w * q.p[i];
        }
        float[] out = new float[acc.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) acc[i];
        return new Probabilities(first.rows, first.classes, out);
    }

    /** Little-endian float32 values as base64 (the study stores them in JSON). */
    public String encode() {
        ByteBuffer b = ByteBuffer.allocate(p.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(p);
        return Base64.getEncoder().encodeToString(b.array());
    }

    public static Probabilities decode(int rows, int classes, String base64) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(base64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] a = new float[b.remaining() / 4];
        b.asFloatBuffer().get(a);
        return new Probabilities(rows, classes, a);
    }
}
