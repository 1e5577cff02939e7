package dev.tuna.optim;

import dev.tuna.backend.Backend;
import dev.tuna.nn.Parameter;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.SegmentAllocator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. Slot tensors (momenta) are created on the first step in the
 * allocator given at construction (the model's arena), so they live and die with the model.
 */
public abstract class Optimizer {
    protected float learningRate;
    private final Clipping clipping;
    private final SegmentAllocator slots;
    private final Map<Parameter, Tensor[]> state = new IdentityHashMap<>();
    private long iterations;

    protected Optimizer(float learningRate, Clipping clipping, SegmentAllocator slots) {
        if (!(learningRate > 0f) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning_rate " + learningRate + ": expected a positive number");
        }
        this.learningRate = learningRate;
        this.clipping = clipping == null ? Clipping.NONE : clipping;
        this.slots = slots;
    }

    /** How many slot tensors per parameter this optimizer keeps. */
    protected abstract int slotCount();

    /** Applies one update to p from its gradient g (already clipped). */
    protected abstract void update(Backend be, Parameter p, Tensor g, Tensor[] slots, long step);

    /** One step over all parameters that received a gradient. */
    public void step(Backend be, List<Parameter> params) {
        iterations++;
        double globalScale = clipping.globalScale(be, params);
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            g = clipping.clip(be, g, globalScale);
            Tensor[] s = state.computeIfAbsent(p, k -> newSlots(be, k));
            update(be, p, g, s, iterations);
        }
    }

    private Tensor[] newSlots(Backend be, Parameter p) {
        Tensor[] s = new Tensor[slotCount()];
        for (int i = 0; i < s.length; i++) {
            Tensor t = Tensor.empty(p.value().shape(), DType.F32, slots);
            t.fill(0f);
            s[i] = be.fromHost(t);
        }
        return s;
    }

    public long iterations() { return iterations; }

    public float learningRate() { return learningRate; }

    public void setLearningRate(float lr) { learningRate = lr; }

    public abstract String name();
}
