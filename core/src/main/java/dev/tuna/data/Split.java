package dev.tuna.data;

import dev.tuna.errors.BadInputException;

/** A training set and the validation rows held out of it; both are views of the same data set. */
public record Split(Dataset train, Dataset validation) {

    /** The last n rows become validation, as Keras' {@code x[:-n], x[-n:]}. n = 0 gives an empty validation set. */
    public static Split last(Dataset d, int n) {
        if (n < 0 || n >= d.size()) {
            throw new BadInputException("validation.last " + n + ": expected 0 <= n < " + d.size()
                    + " (the number of training examples), so that some rows are left for training");
        }
        int keep = d.size() - n;
        return new Split(d.split(0, keep), d.split(keep, n));
    }

    /** The last round(f * n) rows become validation; f in [0, 1), and f > 0 must give at least one row. */
    public static Split fraction(Dataset d, double f) {
        if (!(f >= 0 && f < 1)) {
            throw new BadInputException("validation.fraction " + f + ": expected a number in [0, 1)");
        }
        long n = Math.round(f * d.size());
        if (n == 0 && f > 0) {
            throw new BadInputException("validation.fraction " + f + " of " + d.size()
                    + " examples gives no validation rows: use a larger fraction or validation.last");
        }
        if (n >= d.size()) {
            throw new BadInputException("validation.fraction " + f + " of " + d.size()
                    + " examples leaves no rows for training");
        }
        return last(d, (int) n);
    }
}
