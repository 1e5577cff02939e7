package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A block with a skip connection: y = activation(block(x) + shortcut(x)). The shortcut is the identity when
 * shapes agree, else a learned linear projection (a bias-free dense layer, or a 1x1 convolution for images).
 */
public final class Residual extends Layer {
    private final Sequential block;
    private final String activation;
    private Layer projection;

    public Residual(List<Layer> block, String activation) {
        this.block = new Sequential(block);
        F.checkActivation(activation);
        this.activation = activation;
    }

    @Override
    public Shape build(Shape in, Builder b) {
        Shape out = b.buildChild(block, in);
        if (!out.equals(in)) {
            if (in.rank() == 1 && out.rank() == 1) {
                projection = new Dense(out.dim(0), null, false, Initializer.GLOROT_UNIFORM);
            } else if (in.rank() == 3 && out.rank() == 3 && in.dim(0) % out.dim(0) == 0 && in.dim(0) / out.dim(0) == in.dim(1) / out.dim(1)) {
                projection = new Conv2D(out.dim(2), 1, in.dim(0) / out.dim(0), "valid", null, false, Initializer.GLOROT_UNIFORM);
            } else {
                throw new IllegalArgumentException(name() + ": block maps " + in + " to " + out + ", which no shortcut can match");
            }
            Shape p = b.buildChild(projection, in);
            if (!p.equals(out)) throw new IllegalArgumentException(name() + ": shortcut gives " + p + " but the block gives " + out);
        }
        return out;
    }

    @Override
    public Var forward(Var x, Context ctx) {
        Var y = block.forward(x, ctx);
        Var skip = projection == null ? x : projection.forward(x, ctx);
        return F.activation(activation, F.add(y, skip));
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> p = new ArrayList<>(block.parameters());
        if (projection != null) p.addAll(projection.parameters());
        return p;
    }

    @Override
    public void moveState(java.util.function.UnaryOperator<Tensor> move) {
        block.moveState(move);
    }

    @Override
    public void collectState(LinkedHashMap<String, Tensor> out) {
        block.collectState(out);
    }

    @Override
    public String baseName() { return "residual"; }

    @Override
    public String describe() {
        StringBuilder s = new StringBuilder("Residual[");
        for (int i = 0; i < block.layers().size(); i++) s.append(i > 0 ? ", " : "").append(block.layers().get(i).describe());
        return s.append(projection == null ? "] + x" : "] + proj(x)").toString();
    }
}
