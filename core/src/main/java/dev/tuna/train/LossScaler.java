package dev.tuna.train;

/**
 * Dynamic loss scaling for float16 training, with Keras' (and PyTorch's GradScaler's) constants: the loss is
 * multiplied by the scale before the backward pass, so that small gradients survive f16 (whose smallest positive
 * value is 6e-8); the gradients are divided by it before the update. A step whose gradients overflowed to
 * infinity or NaN is skipped and the scale halved; after 2000 good steps in a row it doubles.
 */
public final class LossScaler {
    public static final float INITIAL_SCALE = 32768f;
    public static final int GROWTH_INTERVAL = 2000;

    private float scale;
    private int goodSteps;
    private long skipped;
    private final int growthInterval;

    public LossScaler() { this(INITIAL_SCALE, GROWTH_INTERVAL); }

    public LossScaler(float initialScale, int growthInterval) {
        if (!(initialScale >= 1) || !Float.isFinite(initialScale)) throw new IllegalArgumentException("initial loss scale " + initialScale + ": expected >= 1");
        if (growthInterval <= 0) throw new IllegalArgumentException("growth interval " + growthInterval + ": expected a positive integer");
        this.scale = initialScale;
        this.growthInterval = growthInterval;
    }

    public float scale() { return scale; }

    /** Steps skipped so far because their gradients were not finite. */
    public long skipped() { return skipped; }

    /**
     * Records the outcome of a step's backward pass and returns whether its update may be applied: true when every
     * gradient was finite. The scale never falls below 1.
     */
    public boolean update(boolean finite) {
        if (!finite) {
            scale = Math.max(1f, scale * 0.5f);
            goodSteps = 0;
            skipped++;
            return false;
        }
        if (++goodSteps >= growthInterval) {
            float grown = scale * 2f;
            if (Float.isFinite(grown)) scale = grown;
            goodSteps = 0;
        }
        return true;
    }
}
