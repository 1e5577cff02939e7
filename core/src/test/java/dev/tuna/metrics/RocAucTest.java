package dev.tuna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * auc against the O(n^2) pairwise definition (the share of (positive, negative) pairs the scores order correctly,
 * ties counting one half) on fresh random inputs with and without ties, binary and one-vs-rest macro, and the
 * cases where it is undefined.
 */
class RocAucTest {
    private static final Metric AUC = Metrics.named("auc");

    /** Scores of column c (binary: p(1)), positives those rows whose label is c. */
    private static double pairwise(Predictions p, int[] y, int c) {
        int col = p.task() == Task.BINARY ? 0 : c;
        double wins = 0, pairs = 0;
        for (int i = 0; i < y.length; i++) {
            if (y[i] != c) continue;
            for (int j = 0; j < y.length; j++) {
                if (y[j] == c) continue;
                double si = p.get(i, col), sj = p.get(j, col);
                wins += si > sj ? 1 : si == sj ? 0.5 : 0;
                pairs++;
            }
        }
        return pairs == 0 ? Double.NaN : wins / pairs;
    }

    private static double reference(Predictions p, int[] y) {
        if (p.task() == Task.BINARY) return pairwise(p, y, 1);
        double sum = 0;
        for (int c = 0; c < p.width(); c++) sum += pairwise(p, y, c);
        return sum / p.width();
    }

    @Test
    void binaryMatchesPairwiseCount() {
        SplittableRandom r = new SplittableRandom(RandomCases.seed("binaryMatchesPairwiseCount"));
        for (int rows : RandomCases.ROWS) {
            for (boolean ties : new boolean[] {false, true}) {
                Predictions p = RandomCases.binary(r, rows, ties);
                int[] y = RandomCases.informedBinary(r, p);
                double expected = reference(p, y), actual = AUC.compute(p, Labels.classes(y));
                if (Double.isNaN(expected)) assertTrue(Double.isNaN(actual), rows + " rows: one class, expected NaN, got " + actual);
                else assertEquals(expected, actual, 1e-12, rows + (ties ? " rows with ties" : " rows"));
            }
        }
    }

    @Test
    void oneVsRestMacroMatchesPairwiseCount() {
        SplittableRandom r = new SplittableRandom(RandomCases.seed("oneVsRestMacroMatchesPairwiseCount"));
        for (int rows : new int[] {13, 207, 2049}) {
            for (int classes : new int[] {2, 3, 10}) {
                for (boolean ties : new boolean[] {false, true}) {
                    Predictions p = RandomCases.classification(r, rows, classes, ties);
                    int[] y = RandomCases.classes(r, rows, classes);
                    for (int c = 0; c < classes; c++) y[c] = c; // every class present, so that the AUC is defined
                    assertEquals(reference(p, y), AUC.compute(p, Labels.classes(y)), 1e-12, rows + "x" + classes + (ties ? " ties" : ""));
                }
            }
        }
    }

    @Test
    void extremeAndSignedScoresOrderAsNumbers() {
        // Negative scores, infinities, -0.0 tied with 0.0, subnormals: the packed sort key must order them as the
        // floats themselves. Positives at -0.0 (tie with a negative at 0.0), 1e-45 and +inf; negatives at -inf, -3,
        // 0.0 and 2: of 12 pairs, 9 won and one tied.
        float[] s = {-0.0f, Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -3f, 0.0f, 2f};
        int[] y = {1, 1, 1, 0, 0, 0, 0};
        Predictions p = new Predictions(Task.BINARY, s.length, 1, s);
        double expected = pairwise(p, y, 1);
        assertEquals(9.5 / 12, expected, 1e-15); // the reference itself, by hand
        assertEquals(expected, AUC.compute(p, Labels.classes(y)), 1e-15);
    }

    @Test
    void allTiedIsOneHalf() {
        Predictions p = new Predictions(Task.BINARY, 4, 1, new float[] {0.3f, 0.3f, 0.3f, 0.3f});
        assertEquals(0.5, AUC.compute(p, Labels.classes(new int[] {0, 1, 1, 0})), 0);
    }

    @Test
    void undefinedIsNaN() {
        Predictions b = new Predictions(Task.BINARY, 3, 1, new float[] {0.1f, 0.7f, 0.4f});
        assertTrue(Double.isNaN(AUC.compute(b, Labels.classes(new int[] {1, 1, 1}))), "only positives");
        assertTrue(Double.isNaN(AUC.compute(b, Labels.classes(new int[] {0, 0, 0}))), "only negatives");
        Predictions nan = new Predictions(Task.BINARY, 3, 1, new float[] {0.1f, Float.NaN, 0.4f});
        assertTrue(Double.isNaN(AUC.compute(nan, Labels.classes(new int[] {0, 1, 1}))), "a NaN score");
        // Three classes, class 2 absent from the labels: its one-vs-rest AUC is undefined, so the macro mean is.
        Predictions c = new Predictions(Task.CLASSIFICATION, 2, 3, new float[] {0.5f, 0.3f, 0.2f, 0.2f, 0.5f, 0.3f});
        assertTrue(Double.isNaN(AUC.compute(c, Labels.classes(new int[] {0, 1}))), "a class absent");
        assertTrue(Double.isNaN(AUC.compute(new Predictions(Task.BINARY, 0, 1, new float[0]), Labels.classes(new int[0]))), "no rows");
    }
}
