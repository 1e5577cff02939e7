package dev.tuna.metrics;

import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import java.util.SplittableRandom;

/** Random predictions and labels for the metric tests, with and without ties. */
final class RandomCases {
    /** Awkward row counts: one row, two, odd, and a few thousand. */
    static final int[] ROWS = {1, 2, 13, 207, 2049};

    private RandomCases() {}

    static long seed(String test) {
        long seed = System.nanoTime();
        System.out.println(test + " seed " + seed);
        return seed;
    }

    /**
     * Class probabilities, rows summing to 1; with ties, each row's weights are drawn from {1, 2, 3, 4}, so that
     * classes tie within a row and the same probability recurs across rows.
     */
    static Predictions classification(SplittableRandom r, int rows, int classes, boolean ties) {
        float[] p = new float[rows * classes];
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            double[] w = new double[classes];
            for (int c = 0; c < classes; c++) {
                w[c] = ties ? 1 + r.nextInt(4) : Math.exp(3 * r.nextDouble() - 1.5);
                sum += w[c];
            }
            for (int c = 0; c < classes; c++) p[i * classes + c] = (float) (w[c] / sum);
        }
        return new Predictions(Task.CLASSIFICATION, rows, classes, p);
    }

    /** p(1) per row; with ties, one of eleven values 0, 0.1, ..., 1 (0.5 among them, on the threshold). */
    static Predictions binary(SplittableRandom r, int rows, boolean ties) {
        float[] p = new float[rows];
        for (int i = 0; i < rows; i++) p[i] = ties ? r.nextInt(11) / 10f : (float) r.nextDouble();
        return new Predictions(Task.BINARY, rows, 1, p);
    }

    /** Labels in [0, classes), each class about equally likely. */
    static int[] classes(SplittableRandom r, int rows, int classes) {
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) y[i] = r.nextInt(classes);
        return y;
    }

    /** Labels that follow the predictions somewhat, so that the metrics are far from their chance values. */
    static int[] informedBinary(SplittableRandom r, Predictions p) {
        int[] y = new int[p.rows()];
        for (int i = 0; i < y.length; i++) y[i] = r.nextDouble() < 0.2 + 0.6 * p.p()[i] ? 1 : 0;
        return y;
    }
}
