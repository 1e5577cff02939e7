package dev.tuna.task;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The few figures tuna itself needs from predictions, each a plain float64 computation with no registry behind it:
 * the task's loss (what ensemble weights and tree early stopping minimise) and the summary an ensemble and
 * {@code tuna predict} print per task. Log-loss clips probabilities at {@link #EPS} as scikit-learn does, so one
 * confident mistake costs a finite 34.5 nats rather than infinity.
 */
public final class Scores {
    private Scores() {}

    public static final double EPS = 1e-15;

    public static double clip(double q) { return Math.min(1 - EPS, Math.max(EPS, q)); }

    /** The task's loss, lower is better: log-loss for classification and binary, mean squared error for regression. */
    public static double loss(Predictions p, Labels y) {
        return p.task().classifies() ? logLoss(p, classes(p, y)) : mse(p, values(p, y));
    }

    /** The name of {@link #loss} in output. */
    public static String lossName(Task task) { return task.classifies() ? "log-loss" : "MSE"; }

    /**
     * What is printed for a model of this task, in order, keyed as in a study's JSON: accuracy and log_loss for
     * classification; auc, log_loss and accuracy for binary; rmse, mae and r2 for regression.
     */
    public static Map<String, Double> summary(Predictions p, Labels y) {
        Map<String, Double> m = new LinkedHashMap<>();
        switch (p.task()) {
            case CLASSIFICATION -> {
                m.put("accuracy", accuracy(p, classes(p, y)));
                m.put("log_loss", logLoss(p, y.classes()));
            }
            case BINARY -> {
                m.put("auc", auc(p, classes(p, y)));
                m.put("log_loss", logLoss(p, y.classes()));
                m.put("accuracy", accuracy(p, y.classes()));
            }
            case REGRESSION -> {
                m.put("rmse", rmse(p, values(p, y)));
                m.put("mae", mae(p, y.values()));
                m.put("r2", r2(p, y.values()));
            }
        }
        return m;
    }

    /** How a {@link #summary} key reads in a table or a line. */
    public static String label(String key) {
        return switch (key) {
            case "log_loss" -> "log-loss";
            case "auc" -> "AUC";
            case "rmse" -> "RMSE";
            case "mae" -> "MAE";
            case "r2" -> "R2";
            default -> key;
        };
    }

    /** Whether a larger value of a {@link #summary} key is better. */
    public static boolean larger(String key) { return key.equals("accuracy") || key.equals("auc") || key.equals("r2"); }

    /** Mean negative log-likelihood of the labels, natural log, probabilities clipped to [EPS, 1 - EPS]. */
    public static double logLoss(Predictions p, int[] labels) {
        checkClasses(p, labels);
        double s = 0;
        for (int i = 0; i < labels.length; i++) s -= Math.log(clip(p.probability(i, labels[i])));
        return s / labels.length;
    }

    /** Fraction of rows whose predicted class is the label. */
    public static double accuracy(Predictions p, int[] labels) {
        checkClasses(p, labels);
        int correct = 0;
        for (int i = 0; i < labels.length; i++) if (p.predictedClass(i) == labels[i]) correct++;
        return (double) correct / labels.length;
    }

    /**
     * Area under the ROC curve of p(1): the chance that a random positive row scores above a random negative one,
     * ties counting a half (the Mann-Whitney statistic with mid-ranks). NaN when only one class is present.
     */
    public static double auc(Predictions p, int[] labels) {
        if (p.task() != Task.BINARY) throw new IllegalArgumentException("AUC is for binary predictions, not " + p.task().id());
        checkClasses(p, labels);
        int n = labels.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(p.p()[a], p.p()[b]));
        double positiveRanks = 0;
        long positives = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && p.p()[order[j + 1]] == p.p()[order[i]]) j++;
            double midRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (labels[order[k]] == 1) {
                    positiveRanks += midRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return Double.NaN;
        return (positiveRanks - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    public static double mse(Predictions p, float[] values) {
        check(p, values.length);
        double s = 0;
        for (int i = 0; i < values.length; i++) {
            double d = p.p()[i] - (double) values[i];
            s += d * d;
        }
        return s / values.length;
    }

    public static double rmse(Predictions p, float[] values) { return Math.sqrt(mse(p, values)); }

    public static double mae(Predictions p, float[] values) {
        check(p, values.length);
        double s = 0;
        for (int i = 0; i < values.length; i++) s += Math.abs(p.p()[i] - (double) values[i]);
        return s / values.length;
    }

    /** 1 - residual sum of squares / total sum of squares about the labels' mean; NaN when the labels are constant. */
    public static double r2(Predictions p, float[] values) {
        check(p, values.length);
        double mean = 0;
        for (float v : values) mean += v;
        mean /= values.length;
        double res = 0, tot = 0;
        for (int i = 0; i < values.length; i++) {
            double d = p.p()[i] - (double) values[i], e = values[i] - mean;
            res += d * d;
            tot += e * e;
        }
        return tot == 0 ? Double.NaN : 1 - res / tot;
    }

    /** The class labels, checked against the predictions' classes. */
    static int[] classes(Predictions p, Labels y) {
        if (!p.task().classifies() || !y.isClasses()) {
            throw new IllegalArgumentException(p.task().id() + " predictions scored against " + (y.isClasses() ? "class" : "value") + " labels");
        }
        return y.classes();
    }

    static float[] values(Predictions p, Labels y) {
        if (p.task() != Task.REGRESSION || y.isClasses()) {
            throw new IllegalArgumentException(p.task().id() + " predictions scored against " + (y.isClasses() ? "class" : "value") + " labels");
        }
        return y.values();
    }

    private static void checkClasses(Predictions p, int[] labels) {
        if (!p.task().classifies()) throw new IllegalArgumentException(p.task().id() + " predictions scored against class labels");
        check(p, labels.length);
        int classes = p.task() == Task.BINARY ? 2 : p.width();
        for (int c : labels) if (c < 0 || c >= classes) throw new IllegalArgumentException("label " + c + " outside [0, " + classes + ")");
    }

    private static void check(Predictions p, int labels) {
        if (labels != p.rows()) throw new IllegalArgumentException(labels + " labels for " + p.rows() + " rows of predictions");
        if (labels == 0) throw new IllegalArgumentException("no rows to score");
    }
}
