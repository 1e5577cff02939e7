package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/** A fully connected layer: activation(x @ kernel + bias), over the last axis. */
public final class Dense extends Layer {
    private final int units;
    private final String activation;
    private final boolean useBias;
    private final Initializer kernelInit;
    private Parameter kernel;
    private Parameter bias;

    public Dense(int units, String activation, boolean useBias, Initializer kernelInit) {
        if (units <= 0) throw new IllegalArgumentException("dense units " + units + ": expected a positive integer");
        this.units = units;
        F.checkActivation(activation);
        this.activation = activation;
        this.useBias = useBias;
        this.kernelInit = kernelInit;
    }

    public Dense(int units, String activation) { this(units, activation, true, Initializer.GLOROT_UNIFORM); }

    @Override
    public Shape build(Shape in, Builder b) {
        if (in.rank() != 1) throw new IllegalArgumentException(name() + " expects flat inputs, got " + in + ": add a flatten layer first");
        kernel = b.parameter(name() + "/kernel", Shape.of(in.dim(0), units), kernelInit);
        if (useBias) bias = b.parameter(name() + "/bias", Shape.of(units), Initializer.ZEROS);
        return Shape.of(units);
    }

    @Override
    public Var forward(Var x, Context ctx) {
        Var y = F.matmul(x, kernel);
        return useBias ? F.biasActivationInPlace(y, bias, activation) : F.activation(activation, y);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> p = new ArrayList<>();
        p.add(kernel);
        if (useBias) p.add(bias);
        return p;
    }

    public int units() { return units; }

    @Override
    public String baseName() { return "dense"; }

    @Override
    public String describe() { return "Dense(" + units + (activation == null ? "" : ", " + activation) + ")"; }
}
