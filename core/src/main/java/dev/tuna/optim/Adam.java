package dev.tuna.optim;

import dev.tuna.backend.Backend;
import dev.tuna.errors.Range;
import dev.tuna.nn.Parameter;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.SegmentAllocator;

/**
 * Adam, and AdamW when weightDecay > 0 (decoupled: p -= lr * wd * p). Keras defaults: learning_rate 0.001,
 * beta_1 0.9, beta_2 0.999, epsilon 1e-7; AdamW's weight_decay 0.004.
 */
public final class Adam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;

    public Adam(float lr, float beta1, float beta2, float eps, float weightDecay, Clipping c, SegmentAllocator slots) {
        super(lr, c, slots);
        this.beta1 = Range.UNIT_HALF_OPEN.check("beta_1", beta1);
        this.beta2 = Range.UNIT_HALF_OPEN.check("beta_2", beta2);
        this.eps = Range.POSITIVE.check("epsilon", eps);
        this.weightDecay = Range.NON_NEGATIVE.check("weight_decay", weightDecay);
    }

    @Override
    protected int slotCount() { return 2; }

    @Override
    protected void update(Backend be, Parameter p, Tensor g, Tensor[] s, long step) {
        be.adamUpdate(p.value(), g, s[0], s[1], learningRate, beta1, beta2, eps, step, weightDecay);
    }

    @Override
    public String name() { return weightDecay > 0 ? "adamw" : "adam"; }
}
