package dev.tuna.optim;

import dev.tuna.backend.Backend;
import dev.tuna.errors.Range;
import dev.tuna.nn.Parameter;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.SegmentAllocator;

/** RMSprop; Keras defaults: learning_rate 0.001, rho 0.9, momentum 0, epsilon 1e-7. */
public final class RmsProp extends Optimizer {
    private final float rho;
    private final float momentum;
    private final float eps;

    public RmsProp(float lr, float rho, float momentum, float eps, Clipping c, SegmentAllocator slots) {
        super(lr, c, slots);
        this.rho = Range.UNIT_HALF_OPEN.check("rho", rho);
        this.momentum = Range.UNIT_HALF_OPEN.check("momentum", momentum);
        this.eps = Range.POSITIVE.check("epsilon", eps);
    }

    @Override
    protected int slotCount() { return momentum > 0 ? 2 : 1; }

    @Override
    protected void update(Backend be, Parameter p, Tensor g, Tensor[] s, long step) {
        be.rmspropUpdate(p.value(), g, s[0], s.length > 1 ? s[1] : null, learningRate, rho, momentum, eps);
    }

    @Override
    public String name() { return "rmsprop"; }
}
