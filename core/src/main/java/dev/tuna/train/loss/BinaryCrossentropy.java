package dev.tuna.train.loss;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;

/** Cross-entropy of 0/1 labels against the sigmoid of one logit per row (Keras' {@code from_logits=True}), fused and stable. */
public record BinaryCrossentropy() implements Loss {
    @Override public String name() { return "binary_crossentropy"; }

    @Override public boolean appliesTo(Task task) { return task == Task.BINARY; }

    @Override public Var compute(Var outputs, Tensor labels) { return F.binaryCrossEntropyWithLogits(outputs, labels); }
}
