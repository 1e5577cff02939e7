package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import java.util.Arrays;

/**
 * {@code auc}: the area under the ROC curve. For binary, over p(1); for classification, the unweighted mean over
 * classes of each class's one-vs-rest AUC on its own probability column, as scikit-learn's
 * {@code roc_auc_score(multi_class='ovr', average='macro')}. Ties count one half, which is the Mann–Whitney
 * statistic with mid-ranks and the trapezoidal area sklearn computes. NaN where it is undefined: when a class (for
 * binary, either class) has no rows or all rows (sklearn refuses these), or when a prediction is NaN.
 *
 * <p>Each AUC is one primitive sort of the scores with the label packed into the low bits, then one pass over tie
 * groups: O(n log n), no boxing, and exact, since the counts are summed as integers and divided once.
 */
public final class RocAuc implements Metric {
    static final RocAuc INSTANCE = new RocAuc();

    private RocAuc() {}

    @Override public String name() { return "auc"; }

    @Override public boolean maximize() { return true; }

    @Override public boolean appliesTo(Task task) { return task.classifies(); }

    @Override
    public double compute(Predictions p, Labels labels) {
        int[] y = Inputs.classes(this, p, labels);
        float[] q = p.p();
        int n = y.length, w = p.width();
        long[] keys = new long[n];
        if (p.task() == Task.BINARY) {
            for (int i = 0; i < n; i++) keys[i] = key(q[i], y[i] == 1);
            return auc(keys);
        }
        double sum = 0;
        for (int c = 0; c < w; c++) {
            for (int i = 0; i < n; i++) keys[i] = key(q[i * w + c], y[i] == c);
            double a = auc(keys);
            if (Double.isNaN(a)) return Double.NaN;
            sum += a;
        }
        return sum / w;
    }

    /**
     * The score's bits made to order as signed integers do (negative floats have their magnitude bits flipped) in
     * the high half, the label in the low bit; NaN scores become {@link Long#MIN_VALUE}, which no finite score maps
     * to, so that {@link #auc} can tell them.
     */
    private static long key(float score, boolean positive) {
        if (Float.isNaN(score)) return Long.MIN_VALUE;
        int bits = Float.floatToIntBits(score + 0.0f); // + 0.0f makes -0.0 equal 0.0, so that they tie
        bits ^= (bits >> 31) & 0x7fffffff;
        return ((long) bits << 32) | (positive ? 1 : 0);
    }

    /** The AUC of keys made by {@link #key}; the array is sorted in place. */
    private static double auc(long[] keys) {
        Arrays.sort(keys);
        int n = keys.length;
        if (n > 0 && keys[0] == Long.MIN_VALUE) return Double.NaN;
        // Twice the number of (positive, negative) pairs ordered correctly plus once the tied pairs: integer, exact.
        long twiceWins = 0, negativesBelow = 0, positives = 0;
        for (int i = 0; i < n; ) {
            long score = keys[i] >>> 32;
            long pos = 0, neg = 0;
            int j = i;
            for (; j < n && keys[j] >>> 32 == score; j++) {
                if ((keys[j] & 1) != 0) pos++; else neg++;
            }
            twiceWins += pos * (2 * negativesBelow + neg);
            negativesBelow += neg;
            positives += pos;
            i = j;
        }
        long negatives = negativesBelow;
        if (positives == 0 || negatives == 0) return Double.NaN;
        return twiceWins / (2.0 * positives * negatives);
    }

    @Override public String toString() { return name(); }
}
