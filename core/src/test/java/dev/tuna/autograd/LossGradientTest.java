package dev.tuna.autograd;

import static dev.tuna.autograd.GradCheck.shapes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.backend.MixedPrecisionBackend;
import dev.tuna.backend.Precision;
import dev.tuna.tensor.Tensor;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one-output losses (binary cross-entropy from logits, MSE, MAE, Huber): forward against float64 references,
 * gradients against float64 finite differences of those references, on fresh random inputs, on the CPU backend and
 * under both mixed-precision policies (whose loss is f32 and whose gradient is rounded to the compute format).
 */
class LossGradientTest {

    /** A check under a precision policy: the float32 one runs on the CPU backend itself. */
    private static void under(Precision p, Runnable check) {
        if (p == Precision.FLOAT32) {
            check.run();
            return;
        }
        try (Backends.Use u = Backends.use(new MixedPrecisionBackend(Backends.cpu(), p))) {
            check.run();
        }
    }

    /** The gradient check's tolerance for a policy: a bf16 gradient keeps 8 significant bits (relative 2^-8). */
    private static GradCheck gradCheck(Precision p) {
        GradCheck gc = new GradCheck();
        if (p == Precision.MIXED_BFLOAT16) gc.gradTol = 8e-3;
        return gc;
    }

    /** softplus(x) = log(1 + e^x) in float64, written the other way round from the op's max(z, 0) form. */
    private static double softplus(double x) { return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)); }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void binaryCrossEntropyWithLogits(Precision p) {
        for (int[] shape : new int[][] {{9, 1}, {9}}) {
            int n = shape[0];
            GradCheck gc = gradCheck(p);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = gc.rng.nextInt(2);
            Tensor y = Tensor.ofInts(labels, n);
            float[] z = gc.randomAwayFromZero(n);
            for (int i = 0; i < 3; i++) z[i] *= 10; // logits up to 20 in size: the stable form must not need small ones
            under(p, () -> gc.check("binary cross-entropy " + java.util.Arrays.toString(shape) + " " + p.id(), shapes(shape), new float[][] {z},
                    in -> F.binaryCrossEntropyWithLogits(in[0], y), x -> {
                        // -log(sigmoid(z)) = softplus(-z) for y = 1, -log(1 - sigmoid(z)) = softplus(z) for y = 0.
                        double loss = 0;
                        for (int r = 0; r < n; r++) loss += softplus(labels[r] == 1 ? -x[0][r] : x[0][r]);
                        return new double[] {loss / n};
                    }));
        }
    }

    @Test
    void binaryCrossEntropyIsFiniteAndExactForExtremeLogits() {
        float[] z = {100f, -100f, 100f, -100f, 88f, -88f, 0f, 1e-8f};
        int[] y = {0, 1, 1, 0, 1, 1, 0, 1};
        int n = z.length;
        Var logits = new Var(Tensor.of(z, n, 1), true, "z");
        double expected = 0;
        for (int r = 0; r < n; r++) expected += softplus(y[r] == 1 ? -z[r] : z[r]);
        expected /= n;
        try (Tape tape = Tape.record()) {
            Var loss = F.binaryCrossEntropyWithLogits(logits, Tensor.ofInts(y, n));
            float l = loss.value().getFloat(0);
            assertTrue(Float.isFinite(l), "loss " + l);
            assertEquals(expected, l, Math.ulp((float) expected), "the float64 mean of the rows' softplus terms, to the last f32 bit");
            tape.backward(loss, Backends.cpu());
        }
        float[] g = logits.grad().toFloatArray();
        for (int r = 0; r < n; r++) {
            double sig = 1 / (1 + Math.exp(-(double) z[r]));
            double ref = (sig - y[r]) / n;
            assertTrue(Float.isFinite(g[r]), "gradient " + r + " is " + g[r]);
            assertEquals(ref, g[r], 1e-7 * Math.max(1, Math.abs(ref)) + 1e-12, "d/dz[" + r + "] = (sigmoid(z) - y) / n at z = " + z[r]);
        }
        // Every row confidently right: the loss is about 2e-18, which log(1 + exp(-|z|)) would round to 0 (1 + 4e-18 is 1).
        float[] sure = {40f, -40f, 60f, -100f};
        double tiny = (softplus(-40) + softplus(-40) + softplus(-60) + softplus(-100)) / 4;
        float got = F.binaryCrossEntropyWithLogits(Var.constant(Tensor.of(sure, 4)), Tensor.ofInts(new int[] {1, 0, 1, 0}, 4)).value().getFloat(0);
        assertEquals(tiny, got, tiny * 1e-6, "a loss of " + tiny + " is kept, not rounded to 0");
    }

    @Test
    void binaryCrossEntropyRefusesLabelsOtherThanZeroAndOneAndShapesThatDoNotFit() {
        Var z = Var.constant(Tensor.of(new float[] {0.5f, -1f, 2f}, 3, 1));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> F.binaryCrossEntropyWithLogits(z, Tensor.ofInts(new int[] {0, 2, 1}, 3)));
        assertTrue(bad.getMessage().contains("label 2 in row 1, expected 0 or 1"), bad.getMessage());
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> F.binaryCrossEntropyWithLogits(z, Tensor.ofInts(new int[] {0, 1}, 2)));
        assertTrue(rows.getMessage().contains("expected 3 i32 labels"), rows.getMessage());
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> F.binaryCrossEntropyWithLogits(Var.constant(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2)), Tensor.ofInts(new int[] {0, 1, 0}, 3)));
        assertTrue(wide.getMessage().contains("shape [n] or [n, 1]"), wide.getMessage());
        IllegalArgumentException floats = assertThrows(IllegalArgumentException.class,
                () -> F.meanSquaredError(z, Tensor.ofInts(new int[] {0, 1, 0}, 3)));
        assertTrue(floats.getMessage().contains("expected 3 f32 labels"), floats.getMessage());
        assertThrows(IllegalArgumentException.class, () -> F.huber(z, Tensor.of(new float[] {1, 2, 3}, 3), 0f));
        assertThrows(IllegalArgumentException.class, () -> F.huber(z, Tensor.of(new float[] {1, 2, 3}, 3), Float.NaN));
    }

    private interface RowLoss { double of(double residual); }

    /**
     * A regression loss checked on [n, 1] and [n] predictions whose residuals are kept 0.05 or more away from 0 (MAE's
     * kink); Huber's switch at |r| = delta has a continuous first derivative, so finite differences see no kink there.
     */
    private static void regressionCase(Precision p, String what, RowLoss ref, java.util.function.BiFunction<Var, Tensor, Var> op) {
        for (int[] shape : new int[][] {{11, 1}, {11}}) {
            int n = shape[0];
            GradCheck gc = gradCheck(p);
            float[] x = gc.randomAwayFromZero(n), off = gc.randomAwayFromZero(n), t = new float[n];
            for (int i = 0; i < n; i++) t[i] = x[i] - off[i];
            Tensor targets = Tensor.of(t, n);
            under(p, () -> gc.check(what + " " + java.util.Arrays.toString(shape) + " " + p.id(), shapes(shape), new float[][] {x},
                    in -> op.apply(in[0], targets), v -> {
                        double s = 0;
                        for (int r = 0; r < n; r++) s += ref.of(v[0][r] - t[r]);
                        return new double[] {s / n};
                    }));
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void meanSquaredError(Precision p) { regressionCase(p, "mse", r -> r * r, F::meanSquaredError); }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void meanAbsoluteError(Precision p) { regressionCase(p, "mae", Math::abs, F::meanAbsoluteError); }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void huber(Precision p) {
        // Residuals lie in about [-4, 4]: a delta in [0.3, 1.5] puts rows on both sides of it.
        float delta = (float) new java.util.SplittableRandom(System.nanoTime()).nextDouble(0.3, 1.5);
        regressionCase(p, "huber delta " + delta, r -> Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta),
                (x, t) -> F.huber(x, t, delta));
    }

    @Test
    void theAbsoluteErrorsGradientIsZeroWhereAPredictionIsExact() {
        Var x = new Var(Tensor.of(new float[] {1.5f, -2f, 0.25f, 3f}, 4, 1), true, "x");
        Tensor t = Tensor.of(new float[] {1.5f, 0f, 0.25f, 4f}, 4);
        try (Tape tape = Tape.record()) {
            Var loss = F.meanAbsoluteError(x, t);
            assertEquals((2 + 1) / 4.0, loss.value().getFloat(0), 1e-7);
            tape.backward(loss, Backends.cpu());
        }
        float[] g = x.grad().toFloatArray();
        assertEquals(0f, g[0], 0f, "exact prediction");
        assertEquals(-0.25f, g[1], 0f);
        assertEquals(0f, g[2], 0f, "exact prediction");
        assertEquals(-0.25f, g[3], 0f);
    }

    @Test
    void regressionLossesMatchFloat64OnABigBatchOfLargeResiduals() {
        GradCheck gc = new GradCheck();
        int n = 5000;
        float[] x = new float[n], t = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (gc.rng.nextGaussian() * 1000);
            t[i] = (float) (gc.rng.nextGaussian() * 1000);
        }
        Supplier<Var> pred = () -> Var.constant(Tensor.of(x, n, 1));
        Tensor targets = Tensor.of(t, n);
        double mse = 0, mae = 0, hub = 0;
        for (int i = 0; i < n; i++) {
            double r = (double) x[i] - t[i];
            mse += r * r;
            mae += Math.abs(r);
            hub += Math.abs(r) <= 2.5 ? 0.5 * r * r : 2.5 * (Math.abs(r) - 1.25);
        }
        String seed = " (seed " + gc.seed + ")";
        // Rows are summed in float64 and the mean rounded once to f32: half an ulp of the result.
        assertEquals(mse / n, F.meanSquaredError(pred.get(), targets).value().getFloat(0), Math.ulp((float) (mse / n)), "mse" + seed);
        assertEquals(mae / n, F.meanAbsoluteError(pred.get(), targets).value().getFloat(0), Math.ulp((float) (mae / n)), "mae" + seed);
        assertEquals(hub / n, F.huber(pred.get(), targets, 2.5f).value().getFloat(0), Math.ulp((float) (hub / n)), "huber" + seed);
    }
}
