package dev.tuna.autograd;

import dev.tuna.tensor.Tensor;

/**
 * A tensor in the autograd graph: its value and, after {@link Tape#backward}, its gradient. Parameters are
 * Vars whose value outlives the step; everything else is created by ops inside a step.
 */
public class Var {
    private Tensor value;
    private Tensor grad;
    private final boolean requiresGrad;
    private final String name;

    public Var(Tensor value, boolean requiresGrad, String name) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.name = name;
    }

    /** A constant (input data, labels): no gradient flows into it. */
    public static Var constant(Tensor value) { return new Var(value, false, null); }

    public Tensor value() { return value; }

    /** Replaces the value (restoring weights, loading checkpoints); the shape must not change. */
    public void setValue(Tensor v) {
        if (!v.shape().equals(value.shape())) throw new IllegalArgumentException("cannot set " + v.shape() + " into " + name + value.shape());
        value = v;
    }

    public Tensor grad() { return grad; }

    /** Sets the gradient: backward accumulates into it; mirrored training replaces it by the replicas' merged one. */
    public void setGrad(Tensor g) { grad = g; }

    public void zeroGrad() { grad = null; }

    public boolean requiresGrad() { return requiresGrad; }

    public String name() { return name; }

    @Override
    public String toString() { return (name == null ? "Var" : name) + value.shape(); }
}
