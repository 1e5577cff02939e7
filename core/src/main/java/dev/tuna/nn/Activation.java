package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;

/** A standalone activation layer. */
public final class Activation extends Layer {
    private final String fn;

    public Activation(String fn) {
        F.checkActivation(fn);
        this.fn = fn;
    }

    @Override
    public Shape build(Shape in, Builder b) { return in; }

    @Override
    public Var forward(Var x, Context ctx) { return F.activation(fn, x); }

    @Override
    public String baseName() { return "activation"; }

    @Override
    public String describe() { return "Activation(" + fn + ")"; }
}
