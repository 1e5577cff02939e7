package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;
import java.util.List;

/**
 * The output layer every built-in model ends with: one linear output per unit, after flattening when the layers
 * before it still yield images. A classifier has one logit per class (the softmax is fused into the loss), a binary
 * model one logit (the sigmoid is fused into binary cross-entropy), a regressor one value. Whether to flatten is
 * decided when the input shape is known, at build time, so no trial build is needed to find out.
 */
public final class OutputHead extends Layer {
    private final Dense dense;
    private boolean flatten;

    public OutputHead(int outputs) { dense = new Dense(outputs, null); }

    @Override
    public Shape build(Shape in, Builder b) {
        flatten = in.rank() > 1;
        dense.setName(name());
        return dense.build(flatten ? Shape.of((int) in.size()) : in, b);
    }

    @Override
    public Var forward(Var x, Context ctx) { return dense.forward(flatten ? F.flatten(x) : x, ctx); }

    @Override
    public List<Parameter> parameters() { return dense.parameters(); }

    @Override
    public String baseName() { return dense.baseName(); }

    @Override
    public String describe() { return (flatten ? "Flatten + " : "") + dense.describe(); }
}
