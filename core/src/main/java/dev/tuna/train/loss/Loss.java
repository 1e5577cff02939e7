package dev.tuna.train.loss;

import dev.tuna.autograd.Var;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;

/**
 * What training minimises: a scalar, the mean over a batch's rows, computed from the model's raw outputs (logits for
 * a classifier, values for a regressor; the output activation is fused into the loss) and the batch's labels (i32
 * class indices or f32 values, on the outputs' device). {@link Losses#parse} gives the built-in ones by their Keras
 * names; a Java researcher implements this for another.
 */
public interface Loss {
    /** The name in job files and logs, one that {@link Losses#parse} reads back to this loss (e.g. {@code huber:0.5}). */
    String name();

    /**
     * Whether the loss fits the outputs and labels of models of this task (binary cross-entropy needs one logit). The
     * built-ins say; a loss that does not is taken to fit every task.
     */
    default boolean appliesTo(Task task) { return true; }

    /** The batch's mean loss as a scalar f32 Var, differentiable in outputs. */
    Var compute(Var outputs, Tensor labels);
}
