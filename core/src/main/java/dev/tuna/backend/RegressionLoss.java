package dev.tuna.backend;

/**
 * The pointwise losses of a regressor, each a function of the residual r = prediction - target, averaged over rows;
 * the kernels take the ordinal as their code (MSE 0, MAE 1, HUBER 2), as {@link UnaryOp}'s do.
 */
public enum RegressionLoss {
    /** r^2. */
    MSE,
    /** |r|, whose derivative is taken as 0 at r = 0 (Keras' sign). */
    MAE,
    /** 0.5 r^2 where |r| <= delta, else delta (|r| - 0.5 delta): quadratic near 0, linear (robust to outliers) beyond. */
    HUBER;

    /** The loss as errors name it ("huber loss"). */
    public String label() { return name().toLowerCase(java.util.Locale.ROOT) + " loss"; }
}
