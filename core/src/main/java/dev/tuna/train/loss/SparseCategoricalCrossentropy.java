package dev.tuna.train.loss;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;

/** Cross-entropy of class-index labels against the softmax of one logit per class, the softmax fused in. */
public record SparseCategoricalCrossentropy() implements Loss {
    @Override public String name() { return "sparse_categorical_crossentropy"; }

    @Override public boolean appliesTo(Task task) { return task == Task.CLASSIFICATION; }

    @Override public Var compute(Var outputs, Tensor labels) { return F.softmaxCrossEntropy(outputs, labels); }
}
