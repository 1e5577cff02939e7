package dev.tuna.nn;

import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A building block of a model. {@link #build} creates its weights once the input shape is known (Keras'
 * deferred build) and returns the output shape; shapes exclude the batch axis.
 */
public abstract class Layer {
    private String name;

    /** Creates parameters for the given per-example input shape; returns the per-example output shape. */
    public abstract Shape build(Shape inputShape, Builder builder);

    public abstract Var forward(Var x, Context ctx);

    /** Trainable weights, in a fixed order. */
    public List<Parameter> parameters() { return List.of(); }

    /** Non-trainable state that a checkpoint must keep (batch norm's running statistics), by name. */
    public void collectState(LinkedHashMap<String, Tensor> out) {}

    /** Replaces each state tensor (not parameters) by move(it): moving a model to a device and back. */
    public void moveState(java.util.function.UnaryOperator<Tensor> move) {}

    public String name() { return name; }

    void setName(String n) { name = n; }

    /** The Keras-style base of its default name ("dense", "conv2d"). */
    public abstract String baseName();

    /** A one-line description for model summaries. */
    public abstract String describe();
}
