package dev.tuna.train.loss;

import dev.tuna.autograd.Var;
import dev.tuna.tensor.Tensor;

/** A training loss: the mean over a batch of a per-row loss between a model's outputs and the labels. */
public interface Loss {
    String name();

    Var compute(Var outputs, Tensor labels);
}
