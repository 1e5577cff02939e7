package dev.tuna.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
 * The embedding layer against a float64 lookup: its forward is the row with each index column replaced by its
 * table's row, and its tables' gradients match central differences of sum(reference(x) * w) in float64.
 */
class CategoryEmbeddingTest {
    // input row: [num, cat(4 levels), num, num, cat(3 levels)] -> [num, 2, num, num, 5] = 10 wide
    private static final List<CategoryEmbedding.Column> COLUMNS = List.of(
            new CategoryEmbedding.Column(4, 3, 5), new CategoryEmbedding.Column(1, 4, 2));
    private static final int IN = 5;

    @Test
    void forwardIsALookupAndTableGradientsMatchFloat64FiniteDifferences() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        String ctx = " (seed " + seed + ")";
        try (Model m = Model.build(List.of(new CategoryEmbedding(COLUMNS)), Shape.of(IN), seed)) {
            assertEquals(Shape.of(10), m.outputShape());
            int n = 9;
            float[] xs = new float[n * IN];
            for (int i = 0; i < n; i++) {
                xs[i * IN] = (float) rng.nextDouble(-2, 2);
                xs[i * IN + 1] = rng.nextInt(4);
                xs[i * IN + 2] = (float) rng.nextDouble(-2, 2);
                xs[i * IN + 3] = (float) rng.nextDouble(-2, 2);
                xs[i * IN + 4] = rng.nextInt(3);
            }
            List<Parameter> ps = m.parameters();
            assertEquals(List.of(Shape.of(4, 2), Shape.of(3, 5)), ps.stream().map(p -> p.value().shape()).toList(), "tables in column order");
            double[][] tables = {toDouble(ps.get(0).value().toFloatArray()), toDouble(ps.get(1).value().toFloatArray())};
            double[] expected = reference(xs, n, tables);
            float[] w = new float[n * 10];
            for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextDouble(-2, 2);
            float[] got;
            try (Tape tape = Tape.record()) {
                Var out = m.forward(Var.constant(Tensor.of(xs, n, IN)), Context.training(seed, 0));
                got = out.value().toFloatArray();
                tape.backward(out, Tensor.of(w, n, 10), Backends.cpu());
            }
            for (int j = 0; j < got.length; j++) assertEquals(expected[j], got[j], 1e-6 * (1 + Math.abs(expected[j])), "forward[" + j + "]" + ctx);
            for (int t = 0; t < 2; t++) {
                float[] analytic = ps.get(t).grad().toFloatArray();
                double h = 1e-6;
                for (int k = 0; k < analytic.length; k++) {
                    double keep = tables[t][k];
                    tables[t][k] = keep + h;
                    double up = dot(reference(xs, n, tables), w);
                    tables[t][k] = keep - h;
                    double down = dot(reference(xs, n, tables), w);
                    tables[t][k] = keep;
                    double numeric = (up - down) / (2 * h);
                    assertEquals(numeric, analytic[k], 1e-4 * (1 + Math.abs(numeric)), "d/d table" + t + "[" + k + "]" + ctx);
                }
            }
        }
    }

    /** The layer in float64: pass-through columns copied, index columns replaced by their table row. */
    private static double[] reference(float[] xs, int n, double[][] tables) {
        double[] out = new double[n * 10];
        for (int i = 0; i < n; i++) {
            int o = i * 10;
            out[o] = xs[i * IN];
            int a = (int) xs[i * IN + 1];
            out[o + 1] = tables[0][a * 2];
            out[o + 2] = tables[0][a * 2 + 1];
            out[o + 3] = xs[i * IN + 2];
            out[o + 4] = xs[i * IN + 3];
            int b = (int) xs[i * IN + 4];
            for (int c = 0; c < 5; c++) out[o + 5 + c] = tables[1][b * 5 + c];
        }
        return out;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    private static double dot(double[] a, float[] w) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * w[i];
        return s;
    }

    @Test
    void trainsInsideAModelAndRefusesToSitAfterAnotherLayer() {
        long seed = System.nanoTime();
        try (Model m = Model.build(List.of(new CategoryEmbedding(List.of(new CategoryEmbedding.Column(0, 3, 2))), new Dense(2, null)), Shape.of(2), seed)) {
            Tensor x = Tensor.of(new float[] {0, 0.5f, 2, -1, 1, 0.25f}, 3, 2);
            try (Tape tape = Tape.record()) {
                Var loss = F.softmaxCrossEntropy(m.forward(Var.constant(x), Context.training(seed, 0)), Tensor.ofInts(new int[] {0, 1, 1}, 3));
                tape.backward(loss, Backends.cpu());
            }
            float[] g = m.parameters().get(0).grad().toFloatArray();
            for (int level = 0; level < 3; level++) {
                assertTrue(g[level * 2] != 0 || g[level * 2 + 1] != 0, "level " + level + " is used by one row and gets a gradient (seed " + seed + ")");
            }
        }
        try (Model m = Model.build(List.of(new Dense(3, null), new CategoryEmbedding(List.of(new CategoryEmbedding.Column(0, 3, 2)))), Shape.of(2), seed)) {
            Tensor x = Tensor.of(new float[] {1, 2}, 1, 2);
            try (Tape tape = Tape.record()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.forward(Var.constant(x), Context.training(seed, 0)));
                assertTrue(e.getMessage().contains("must be the model's first layer"), e.getMessage());
            }
        }
    }

    @Test
    void anIndexOutsideTheLevelsGivesZerosAndBadColumnsAreRefused() {
        try (Model m = Model.build(List.of(new CategoryEmbedding(List.of(new CategoryEmbedding.Column(0, 2, 3)))), Shape.of(1), 1)) {
            float[] y = m.forward(Var.constant(Tensor.of(new float[] {2, -1}, 2, 1)), Context.INFERENCE).value().toFloatArray();
            for (float v : y) assertEquals(0f, v);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Model.build(List.of(new CategoryEmbedding(List.of(new CategoryEmbedding.Column(3, 2, 3)))), Shape.of(2), 1));
        assertTrue(e.getMessage().contains("embedding column 3 is outside the 2 input features"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CategoryEmbedding(List.of(new CategoryEmbedding.Column(0, 2, 3), new CategoryEmbedding.Column(0, 4, 1))));
        assertEquals(2, CategoryEmbedding.suggestedWidth(2));
        assertEquals(600, CategoryEmbedding.suggestedWidth(1_000_000));
    }
}
