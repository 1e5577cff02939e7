package dev.tuna.optim;

import dev.tuna.backend.Backend;
import dev.tuna.errors.Range;
import dev.tuna.nn.Parameter;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.SegmentAllocator;

/** SGD with optional (Nesterov) momentum; Keras defaults: learning_rate 0.01, momentum 0. */
public final class Sgd extends Optimizer {
    private final float momentum;
    private final boolean nesterov;
    private final float weightDecay;

    public Sgd(float lr, float momentum, boolean nesterov, float weightDecay, Clipping c, SegmentAllocator slots) {
        super(lr, c, slots);
        this.momentum = Range.UNIT_HALF_OPEN.check("momentum", momentum);
        this.nesterov = nesterov;
        this.weightDecay = Range.NON_NEGATIVE.check("weight_decay", weightDecay);
    }

    @Override
    protected int slotCount() { return momentum > 0 ? 1 : 0; }

    @Override
    protected void update(Backend be, Parameter p, Tensor g, Tensor[] s, long step) {
        be.sgdUpdate(p.value(), g, s.length > 0 ? s[0] : null, learningRate, momentum, nesterov, weightDecay);
    }

    @Override
    public String name() { return "sgd"; }
}
