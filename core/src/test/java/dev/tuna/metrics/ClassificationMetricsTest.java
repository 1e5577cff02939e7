package dev.tuna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * accuracy, top-k accuracy, precision, recall, F1 and log-loss against plain float64 references (a confusion
 * matrix, a sorted row, the log-likelihood written out) on fresh random inputs with and without ties, and their
 * degenerate cases.
 */
class ClassificationMetricsTest {
    private static final double TOL = 1e-12;

    // ---- references, written from the definitions and sharing nothing with the implementations ----

    private static int argmax(Predictions p, int i) {
        int best = 0;
        for (int c = 1; c < p.width(); c++) if (p.get(i, c) > p.get(i, best)) best = c;
        return best;
    }

    private static int predicted(Predictions p, int i) {
        return p.task() == Task.BINARY ? (p.get(i, 0) >= 0.5 ? 1 : 0) : argmax(p, i);
    }

    private static double refAccuracy(Predictions p, int[] y) {
        double hits = 0;
        for (int i = 0; i < y.length; i++) if (predicted(p, i) == y[i]) hits++;
        return hits / y.length;
    }

    /** Hit when the label's probability is at least the k-th largest of its row (ties at the boundary are in). */
    private static double refTopK(Predictions p, int[] y, int k) {
        double hits = 0;
        for (int i = 0; i < y.length; i++) {
            double[] row = new double[p.width()];
            for (int c = 0; c < row.length; c++) row[c] = p.get(i, c);
            Arrays.sort(row);
            double kth = row[Math.max(0, row.length - k)];
            if (p.get(i, y[i]) >= kth) hits++;
        }
        return hits / y.length;
    }

    /** m[true][predicted]. */
    private static long[][] confusion(Predictions p, int[] y, int classes) {
        long[][] m = new long[classes][classes];
        for (int i = 0; i < y.length; i++) m[y[i]][predicted(p, i)]++;
        return m;
    }

    /** {precision, recall, f1} from tp, fp, fn with zero_division = 0. */
    private static double[] prf(long tp, long fp, long fn) {
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        double f1 = 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        return new double[] {precision, recall, f1};
    }

    /** Binary: of class 1; classification: the mean over classes seen in labels or predictions. */
    private static double[] refPrf(Predictions p, int[] y) {
        int classes = p.task() == Task.BINARY ? 2 : p.width();
        long[][] m = confusion(p, y, classes);
        if (p.task() == Task.BINARY) return prf(m[1][1], m[0][1], m[1][0]);
        double[] sum = new double[3];
        int seen = 0;
        for (int c = 0; c < classes; c++) {
            long row = 0, col = 0;
            for (int d = 0; d < classes; d++) {
                row += m[c][d];
                col += m[d][c];
            }
            if (row == 0 && col == 0) continue;
            double[] f = prf(m[c][c], col - m[c][c], row - m[c][c]);
            for (int j = 0; j < 3; j++) sum[j] += f[j];
            seen++;
        }
        for (int j = 0; j < 3; j++) sum[j] /= seen;
        return sum;
    }

    private static double refLogLoss(Predictions p, int[] y) {
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            if (p.task() == Task.BINARY) {
                // As sklearn: the two columns 1 - p and p, each clipped.
                double p1 = p.get(i, 0);
                sum -= y[i] * Math.log(Math.min(Math.max(p1, 1e-15), 1 - 1e-15)) + (1 - y[i]) * Math.log(Math.min(Math.max(1 - p1, 1e-15), 1 - 1e-15));
            } else {
                sum -= Math.log(Math.min(Math.max(p.get(i, y[i]), 1e-15), 1 - 1e-15));
            }
        }
        return sum / y.length;
    }

    private static void check(String what, double expected, double actual) {
        assertEquals(expected, actual, TOL * Math.max(1, Math.abs(expected)), what);
    }

    private static void checkAll(String what, Predictions p, int[] y) {
        Labels labels = Labels.classes(y);
        check(what + " accuracy", refAccuracy(p, y), Metrics.named("accuracy").compute(p, labels));
        double[] prf = refPrf(p, y);
        check(what + " precision", prf[0], Metrics.named("precision").compute(p, labels));
        check(what + " recall", prf[1], Metrics.named("recall").compute(p, labels));
        check(what + " f1", prf[2], Metrics.named("f1").compute(p, labels));
        check(what + " log_loss", refLogLoss(p, y), Metrics.named("log_loss").compute(p, labels));
        if (p.task() == Task.CLASSIFICATION) {
            for (int k : new int[] {1, 2, 3, 5, p.width(), p.width() + 1}) {
                check(what + " top" + k, refTopK(p, y, k), new TopKAccuracy(k).compute(p, labels));
            }
            check(what + " top_k_accuracy", refTopK(p, y, 5), Metrics.named("top_k_accuracy").compute(p, labels));
        }
    }

    @Test
    void classificationMatchesReferences() {
        SplittableRandom r = new SplittableRandom(RandomCases.seed("classificationMatchesReferences"));
        for (int rows : RandomCases.ROWS) {
            for (int classes : new int[] {2, 3, 10}) {
                for (boolean ties : new boolean[] {false, true}) {
                    Predictions p = RandomCases.classification(r, rows, classes, ties);
                    // Labels half the time the predicted class, so that figures are far from chance.
                    int[] y = RandomCases.classes(r, rows, classes);
                    for (int i = 0; i < rows; i++) if (r.nextBoolean()) y[i] = argmax(p, i);
                    checkAll(rows + "x" + classes + (ties ? " ties" : ""), p, y);
                }
            }
        }
    }

    @Test
    void binaryMatchesReferences() {
        SplittableRandom r = new SplittableRandom(RandomCases.seed("binaryMatchesReferences"));
        for (int rows : RandomCases.ROWS) {
            for (boolean ties : new boolean[] {false, true}) {
                Predictions p = RandomCases.binary(r, rows, ties);
                checkAll(rows + (ties ? " ties" : ""), p, RandomCases.informedBinary(r, p));
            }
        }
    }

    @Test
    void binaryThresholdIsInclusiveAtOneHalf() {
        Predictions p = new Predictions(Task.BINARY, 3, 1, new float[] {0.5f, 0.49999997f, 0.9f});
        Labels y = Labels.classes(new int[] {1, 0, 0});
        assertEquals(2.0 / 3, Metrics.named("accuracy").compute(p, y), TOL);
        assertEquals(0.5, Metrics.named("precision").compute(p, y), TOL); // predicted 1, 0, 1: one of two right
    }

    @Test
    void topKCountsTiesAtTheBoundaryAsIn() {
        // Row 0: label 2 ties with class 1 for the top place; top-1 counts it, while accuracy (argmax to the lower
        // index) does not. Row 1: label 0 is the least likely of four, in only for k = 4.
        float[] q = {0.2f, 0.4f, 0.4f, 0.0f, 0.1f, 0.2f, 0.3f, 0.4f};
        Predictions p = new Predictions(Task.CLASSIFICATION, 2, 4, q);
        Labels y = Labels.classes(new int[] {2, 0});
        assertEquals(0.5, new TopKAccuracy(1).compute(p, y), TOL);
        assertEquals(0.0, Metrics.named("accuracy").compute(p, y), TOL);
        assertEquals(0.5, new TopKAccuracy(3).compute(p, y), TOL);
        assertEquals(1.0, new TopKAccuracy(4).compute(p, y), TOL);
        assertEquals(1.0, Metrics.named("top_k_accuracy").compute(p, y), TOL);
    }

    @Test
    void zeroDivisionCountsZero() {
        // Binary, every row predicted 0: no predicted positives, so precision and F1 are 0; recall 0 of 2.
        Predictions none = new Predictions(Task.BINARY, 4, 1, new float[] {0.1f, 0.2f, 0.3f, 0.4f});
        Labels y = Labels.classes(new int[] {1, 0, 1, 0});
        for (String m : new String[] {"precision", "recall", "f1"}) assertEquals(0.0, Metrics.named(m).compute(none, y), 0, m);
        // No actual positives: recall 0 by zero_division, precision 0 (both predicted positives wrong).
        Predictions some = new Predictions(Task.BINARY, 3, 1, new float[] {0.9f, 0.8f, 0.1f});
        Labels negatives = Labels.classes(new int[] {0, 0, 0});
        assertEquals(0.0, Metrics.named("recall").compute(some, negatives), 0);
        assertEquals(0.0, Metrics.named("precision").compute(some, negatives), 0);
        // Neither predicted nor actual positives: F1 is 0, not NaN.
        assertEquals(0.0, Metrics.named("f1").compute(none, Labels.classes(new int[] {0, 0, 0, 0})), 0);
    }

    @Test
    void macroAveragesOverClassesSeenInLabelsOrPredictions() {
        // Four classes; every row predicted 0 (argmax ties to the lower index), labels 0 and 1 only. Classes 2 and 3
        // appear nowhere, so the means are over classes 0 and 1: precision (1/2 + 0) / 2, recall (1 + 0) / 2,
        // F1 (2/3 + 0) / 2.
        float[] q = new float[4 * 4];
        Arrays.fill(q, 0.25f);
        Predictions p = new Predictions(Task.CLASSIFICATION, 4, 4, q);
        Labels y = Labels.classes(new int[] {0, 1, 0, 1});
        assertEquals(0.25, Metrics.named("precision").compute(p, y), TOL);
        assertEquals(0.5, Metrics.named("recall").compute(p, y), TOL);
        assertEquals(1.0 / 3, Metrics.named("f1").compute(p, y), TOL);
    }

    @Test
    void logLossClipsCertainMistakes() {
        Predictions p = new Predictions(Task.CLASSIFICATION, 2, 2, new float[] {0f, 1f, 1f, 0f});
        Labels y = Labels.classes(new int[] {0, 0});
        assertEquals(-Math.log(1e-15) / 2, Metrics.named("log_loss").compute(p, y), 1e-12);
        Predictions b = new Predictions(Task.BINARY, 2, 1, new float[] {1f, 0f});
        assertEquals(-Math.log(1e-15), Metrics.named("log_loss").compute(b, Labels.classes(new int[] {0, 1})), 1e-12);
        assertTrue(Metrics.named("log_loss").compute(b, Labels.classes(new int[] {1, 0})) < 1e-14);
    }

    @Test
    void noRowsIsNaN() {
        Predictions p = new Predictions(Task.CLASSIFICATION, 0, 3, new float[0]);
        Labels y = Labels.classes(new int[0]);
        for (String m : new String[] {"accuracy", "top_k_accuracy", "precision", "recall", "f1", "log_loss", "auc"}) {
            assertTrue(Double.isNaN(Metrics.named(m).compute(p, y)), m);
        }
    }

    @Test
    void mismatchedInputsAreRefusedNamingTheMetric() {
        Predictions p = new Predictions(Task.CLASSIFICATION, 2, 3, new float[] {0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f});
        Metric f1 = Metrics.named("f1");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> f1.compute(p, Labels.classes(new int[] {1})))
                .getMessage().contains("'f1': 2 predictions for 1 labels"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> f1.compute(p, Labels.classes(new int[] {1, 3})))
                .getMessage().contains("label 3 of row 1 is not a class in [0, 3)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> f1.compute(p, Labels.values(new float[] {1, 2})))
                .getMessage().contains("needs class labels"));
        Predictions b = new Predictions(Task.BINARY, 1, 1, new float[] {0.7f});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new TopKAccuracy(2).compute(b, Labels.classes(new int[] {1})))
                .getMessage().contains("'top2_accuracy' does not apply to binary"));
        assertThrows(IllegalArgumentException.class, () -> Metrics.named("accuracy").compute(b, Labels.classes(new int[] {2})));
    }
}
