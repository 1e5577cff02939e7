package dev.tuna.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tuna.backend.Backends;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Checks an op against an independent float64 reference: the forward against the reference's values, and
 * autograd's gradients against central finite differences of the reference (in float64, where they are
 * accurate). Inputs and the output weighting are fresh random values on every run; the seed is printed on
 * failure so a run can be replayed.
 */
final class GradCheck {
    interface Op { Var apply(Var[] in); }

    interface Ref { double[] apply(double[][] in); }

    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);
    double fwdTol = 1e-4;
    double gradTol = 2e-3;

    /** Random values in [-2, 2] kept away from 0 by at least 0.05, so kinks (relu, max) are not straddled. */
    float[] randomAwayFromZero(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double x;
            do {
                x = rng.nextDouble(-2, 2);
            } while (Math.abs(x) < 0.05);
            v[i] = (float) x;
        }
        return v;
    }

    float[] positive(int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextDouble(lo, hi);
        return v;
    }

    void check(String what, Shape[] shapes, Op op, Ref ref) {
        float[][] values = new float[shapes.length][];
        for (int i = 0; i < shapes.length; i++) values[i] = randomAwayFromZero((int) shapes[i].size());
        check(what, shapes, values, op, ref);
    }

    void check(String what, Shape[] shapes, float[][] values, Op op, Ref ref) {
        String ctx = what + " (seed " + seed + ")";
        Var[] in = new Var[shapes.length];
        double[][] din = new double[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            in[i] = new Var(Tensor.of(values[i], shapes[i].dims()), true, "in" + i);
            din[i] = new double[values[i].length];
            for (int j = 0; j < din[i].length; j++) din[i][j] = values[i][j];
        }
        double[] expected = ref.apply(din);
        Var out;
        float[] weights;
        try (Tape tape = Tape.record()) {
            out = op.apply(in);
            float[] got = out.value().toFloatArray();
            assertEquals(expected.length, got.length, ctx + ": output size");
            for (int j = 0; j < got.length; j++) {
                double tol = fwdTol * (1 + Math.abs(expected[j]));
                if (!(Math.abs(got[j] - expected[j]) <= tol)) {
                    fail(ctx + ": forward[" + j + "] = " + got[j] + ", float64 reference " + expected[j]);
                }
            }
            weights = randomAwayFromZero(got.length);
            tape.backward(out, Tensor.of(weights, out.value().shape().dims()), Backends.cpu());
        }
        for (int i = 0; i < shapes.length; i++) {
            assertNotNull(in[i].grad(), ctx + ": no gradient for input " + i);
            float[] analytic = in[i].grad().toFloatArray();
            double[] numeric = numericGrad(ref, din, i, weights);
            double scale = 0;
            for (double v : numeric) scale = Math.max(scale, Math.abs(v));
            for (int j = 0; j < numeric.length; j++) {
                double tol = gradTol * (1 + Math.max(Math.abs(numeric[j]), scale * 0.1));
                if (!(Math.abs(analytic[j] - numeric[j]) <= tol)) {
                    fail(ctx + ": d/d input" + i + "[" + j + "] autograd " + analytic[j] + ", finite difference " + numeric[j]
                            + "\n  autograd " + Arrays.toString(Arrays.copyOf(analytic, Math.min(8, analytic.length)))
                            + "\n  numeric  " + Arrays.toString(Arrays.copyOf(numeric, Math.min(8, numeric.length))));
                }
            }
        }
    }

    /** d(sum(ref(x) * w))/dx_i by central differences in float64. */
    private static double[] numericGrad(Ref ref, double[][] x, int which, float[] w) {
        double[] g = new double[x[which].length];
        double h = 1e-6;
        for (int j = 0; j < g.length; j++) {
            double keep = x[which][j];
            x[which][j] = keep + h;
            double up = dot(ref.apply(x), w);
            x[which][j] = keep - h;
            double down = dot(ref.apply(x), w);
            x[which][j] = keep;
            g[j] = (up - down) / (2 * h);
        }
        return g;
    }

    private static double dot(double[] a, float[] w) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * w[i];
        return s;
    }

    static Shape[] shapes(int[]... dims) {
        Shape[] s = new Shape[dims.length];
        for (int i = 0; i < dims.length; i++) s[i] = Shape.of(dims[i]);
        return s;
    }
}
