package dev.tuna.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Tape;
import dev.tuna.autograd.Var;
import dev.tuna.backend.Backends;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The layers composed: every parameter's gradient through a small network (conv, batch norm, residual block
 * with a projection, dense) against central finite differences of the whole loss. Activations are smooth
 * (tanh) so that no kink sits between the two probes; the loss is evaluated in float32, so the tolerance
 * allows for its rounding (~1e-7 relative over a step of 1e-2).
 */
class ModelGradientTest {
    @Test
    void everyParameterGradientMatchesFiniteDifferences() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new Conv2D(3, 3, 1, "same", "tanh", true, Initializer.GLOROT_UNIFORM),
                new BatchNormalization(),
                new Flatten(),
                new Residual(List.of(new Dense(6, "tanh"), new Dense(5, null)), "tanh"),
                new Dense(4, null));
        try (Model m = Model.build(layers, Shape.of(4, 4, 2), seed)) {
            int n = 5;
            float[] xs = new float[n * 32];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) rng.nextDouble(-1, 1);
            int[] ys = new int[n];
            for (int i = 0; i < n; i++) ys[i] = rng.nextInt(4);
            Tensor x = Tensor.of(xs, n, 4, 4, 2), y = Tensor.ofInts(ys, n);
            try (Tape tape = Tape.record()) {
                Var loss = F.softmaxCrossEntropy(m.forward(Var.constant(x), Context.training(1, 0)), y);
                tape.backward(loss, Backends.cpu());
            }
            assertTrue(m.parameters().size() >= 10, "conv, bn, residual (2 dense + projection), head");
            int checked = 0;
            for (Parameter p : m.parameters()) {
                float[] g = p.grad().toFloatArray();
                Tensor w = p.value();
                for (int k = 0; k < Math.min(6, w.size()); k++) {
                    long i = rng.nextLong(w.size());
                    float keep = w.getFloat(i);
                    double h = 1e-2;
                    w.setFloat(i, (float) (keep + h));
                    double up = loss(m, x, y);
                    w.setFloat(i, (float) (keep - h));
                    double down = loss(m, x, y);
                    w.setFloat(i, keep);
                    double numeric = (up - down) / (2 * h);
                    assertEquals(numeric, g[(int) i], 2e-3 + 0.03 * Math.abs(numeric),
                            p.name() + "[" + i + "] (seed " + seed + ")");
                    checked++;
                }
                p.zeroGrad();
            }
            assertTrue(checked > 40);
        }
    }

    private static double loss(Model m, Tensor x, Tensor y) {
        return F.softmaxCrossEntropy(m.forward(Var.constant(x), Context.training(1, 0)), y).value().getFloat(0);
    }

    @Test
    void summaryListsLayersShapesAndParameterCounts() {
        try (Model m = Model.build(List.of(new Flatten(), new Dense(8, "relu"), new Dense(3, null)), Shape.of(2, 2), 1)) {
            String s = m.summary();
            assertTrue(s.contains("dense Dense(8, relu)") && s.contains("(None, 8)") && s.contains("40"), s);
            assertTrue(s.contains("dense_1 Dense(3)") && s.contains("27"), s);
            assertTrue(s.endsWith("Total params: 67"), s);
        }
    }

    @Test
    void residualWithoutShapeChangeAddsTheInput() {
        try (Model m = Model.build(List.of(new Residual(List.of(new Dense(3, null, false, Initializer.ZEROS)), null)), Shape.of(3), 1)) {
            Var out = m.forward(Var.constant(Tensor.of(new float[] {1, -2, 3}, 1, 3)), Context.INFERENCE);
            // The block is all zeros, so the output is exactly the skip connection.
            assertEquals(List.of(1f, -2f, 3f), List.of(out.value().getFloat(0), out.value().getFloat(1), out.value().getFloat(2)));
            assertEquals(3 * 3, m.parameterCount(), "identity shortcut has no parameters");
        }
    }
}
