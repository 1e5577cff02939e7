package dev.tuna.data;

import java.util.ArrayList;
import java.util.List;

/**
 * K-fold cross-validation splits of a training set, in row order as scikit-learn's KFold without shuffling: fold k
 * holds out rows [k n / K, (k + 1) n / K) and trains on the others. The last fold's split is the job's ordinary
 * validation split (the last rows held out), so retrain and ensemble, which score one split, see one of the folds.
 * A fold whose training rows are not contiguous owns a copy of them: close every split's training set when done
 * (closing a view does nothing).
 */
public final class Folds {
    public static final int MIN = 2, MAX = 20;

    private Folds() {}

    /** The first row of fold k's validation rows (k = folds gives n). */
    public static int start(int n, int folds, int k) { return (int) ((long) n * k / folds); }

    /** The K splits of d; d must have at least K rows. */
    public static List<Split> of(Dataset d, int folds) {
        int n = d.size();
        if (folds < MIN || folds > MAX) throw new IllegalArgumentException("validation.folds " + folds + ": expected " + MIN + " to " + MAX);
        if (n < folds) throw new IllegalArgumentException("validation.folds " + folds + ": more folds than the " + n + " training examples");
        List<Split> out = new ArrayList<>();
        try {
            for (int k = 0; k < folds; k++) {
                int lo = start(n, folds, k), hi = start(n, folds, k + 1);
                Dataset val = d.split(lo, hi - lo);
                Dataset train;
                if (lo == 0) train = d.split(hi, n - hi);
                else if (hi == n) train = d.split(0, lo);
                else train = Dataset.concat(d.split(0, lo), d.split(hi, n - hi));
                out.add(new Split(train, val));
            }
            return out;
        } catch (RuntimeException | Error e) {
            for (Split s : out) s.train().close();
            throw e;
        }
    }
}
