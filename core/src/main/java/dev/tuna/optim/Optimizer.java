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
        // Slots live as long as the model, not the step that first needs them: a device backend allocates in the
        // enclosing scope, so they are made in an owned scope even when the first update runs inside a step.
        try (dev.tuna.tensor.MemoryScope scope = dev.tuna.tensor.MemoryScope.owned(slots)) {
            for (int i = 0; i < s.length; i++) {
                Tensor t = Tensor.empty(p.value().shape(), DType.F32, slots);
                t.fill(0f);
                s[i] = be.fromHost(t);
            }
        }
        return s;
    }

    public long iterations() { return iterations; }

    /** Replaces every slot tensor by move(it): with the model, to a device and back. */
    public void moveSlots(java.util.function.UnaryOperator<Tensor> move) {
        for (Tensor[] s : state.values()) for (int i = 0; i < s.length; i++) s[i] = move.apply(s[i]);
    }

    /**
     * The slot tensors by name, "optimizer/PARAM/i" for slot i of the parameter named PARAM: with the model's
     * weights and {@link #iterations()} this is everything needed to resume training exactly (Adam's moments
     * and its bias correction included), which is what a Hyperband promotion does.
     */
    public java.util.LinkedHashMap<String, Tensor> stateDict(List<Parameter> params) {
        java.util.LinkedHashMap<String, Tensor> m = new java.util.LinkedHashMap<>();
        for (Parameter p : params) {
            Tensor[] s = state.get(p);
            if (s == null) continue;
            for (int i = 0; i < s.length; i++) m.put("optimizer/" + p.name() + "/" + i, s[i]);
        }
        return m;
    }

    /** Restores slots saved by {@link #stateDict} (parameters without saved slots start fresh) and the step count. */
    public void loadStateDict(Backend be, List<Parameter> params, Map<String, Tensor> values, long iterations) {
        if (iterations < 0) throw new IllegalArgumentException("optimizer iterations " + iterations + ": expected 0 or more");
        for (Parameter p : params) {
            if (!values.containsKey("optimizer/" + p.name() + "/0")) continue;
            Tensor[] s = state.computeIfAbsent(p, k -> newSlots(be, k));
            for (int i = 0; i < s.length; i++) {
                Tensor src = values.get("optimizer/" + p.name() + "/" + i);
                if (src == null || !src.shape().equals(s[i].shape())) {
                    throw new IllegalArgumentException("checkpoint has no optimizer slot " + i + " of shape " + s[i].shape() + " for '" + p.name() + "'");
                }
                be.copyInto(src, s[i]);
            }
        }
        this.iterations = iterations;
    }

    public float learningRate() { return learningRate; }

    public void setLearningRate(float lr) { learningRate = lr; }

    public abstract String name();
}
