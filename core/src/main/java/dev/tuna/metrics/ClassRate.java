package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;

/**
 * {@code precision}, {@code recall} and {@code f1}, one name per figure whose meaning follows the task, as
 * scikit-learn's defaults do: for binary, of the positive class 1 ({@code average='binary'}); for classification,
 * the unweighted mean over classes ({@code average='macro'}) of the per-class figure, F1 being the mean of the
 * per-class F1s, not the F1 of the mean precision and recall. The classes averaged over are those that occur in the
 * labels or the predictions, as sklearn's default {@code labels}. A ratio whose denominator is zero (no predicted
 * positives for precision, no actual positives for recall, neither for F1) counts 0, sklearn's
 * {@code zero_division=0}. Predicted classes are those of {@link Predictions#predictedClass}. NaN over no rows.
 */
public final class ClassRate implements Metric {
    static final ClassRate PRECISION = new ClassRate("precision", Kind.PRECISION);
    static final ClassRate RECALL = new ClassRate("recall", Kind.RECALL);
    static final ClassRate F1 = new ClassRate("f1", Kind.F1);

    private enum Kind { PRECISION, RECALL, F1 }

    private final String name;
    private final Kind kind;

    private ClassRate(String name, Kind kind) {
        this.name = name;
        this.kind = kind;
    }

    @Override public String name() { return name; }

    @Override public boolean maximize() { return true; }

    @Override public boolean appliesTo(Task task) { return task.classifies(); }

    @Override
    public double compute(Predictions p, Labels labels) {
        int[] y = Inputs.classes(this, p, labels);
        if (y.length == 0) return Double.NaN;
        int classes = p.task() == Task.BINARY ? 2 : p.width();
        // Per class: true positives, predicted (tp + fp) and actual (tp + fn) counts.
        long[] tp = new long[classes], predicted = new long[classes], actual = new long[classes];
        for (int i = 0; i < y.length; i++) {
            int c = p.predictedClass(i);
            predicted[c]++;
            actual[y[i]]++;
            if (c == y[i]) tp[c]++;
        }
        if (p.task() == Task.BINARY) return rate(tp[1], predicted[1], actual[1]);
        double sum = 0;
        int present = 0;
        for (int c = 0; c < classes; c++) {
            if (predicted[c] == 0 && actual[c] == 0) continue;
            sum += rate(tp[c], predicted[c], actual[c]);
            present++;
        }
        return sum / present;
    }

    private double rate(long tp, long predicted, long actual) {
        long denominator = switch (kind) {
            case PRECISION -> predicted;
            case RECALL -> actual;
            case F1 -> predicted + actual; // F1 = 2 tp / (2 tp + fp + fn) = 2 tp / (predicted + actual)
        };
        if (denominator == 0) return 0;
        return (kind == Kind.F1 ? 2.0 * tp : tp) / (double) denominator;
    }

    @Override public String toString() { return name; }
}
