package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;

/** Flattens each example to one axis (a view, no copy). */
public final class Flatten extends Layer {
    @Override
    public Shape build(Shape in, Builder b) { return Shape.of((int) in.size()); }

    @Override
    public Var forward(Var x, Context ctx) { return F.flatten(x); }

    @Override
    public String baseName() { return "flatten"; }

    @Override
    public String describe() { return "Flatten()"; }
}
