package dev.tuna.nn;

import dev.tuna.autograd.Var;
import dev.tuna.tensor.Tensor;

/** A trainable weight: f32 master copy living in its model's arena; its gradient lives in the step. */
public final class Parameter extends Var {
    public Parameter(String name, Tensor value) { super(value, true, name); }
}
