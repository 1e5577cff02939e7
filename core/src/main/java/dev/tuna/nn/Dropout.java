package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.errors.Range;
import dev.tuna.backend.cpu.CounterRng;
import dev.tuna.tensor.Shape;

/** Inverted dropout, active only in training; masks come from (seed, layer, step) so runs reproduce. */
public final class Dropout extends Layer {
    private final float rate;
    private int index;

    /** A rate of 1 would drop everything (and scale by 1 / 0). */
    public static final Range RATE = new Range(0, true, 1, false, "a dropout rate in [0, 1)");

    public Dropout(float rate) {
        this.rate = RATE.check("dropout rate", rate);
    }

    @Override
    public Shape build(Shape in, Builder b) {
        index = b.nextLayerIndex();
        return in;
    }

    @Override
    public Var forward(Var x, Context ctx) {
        if (!ctx.training() || rate == 0f) return x;
        long seed = CounterRng.mix(ctx.seed(), index);
        return F.dropout(x, rate, seed, ctx.counterBase(x.value().size(), x.value().dim(0)));
    }

    @Override
    public String baseName() { return "dropout"; }

    @Override
    public String describe() { return "Dropout(" + rate + ")"; }
}
