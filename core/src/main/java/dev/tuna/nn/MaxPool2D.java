package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.backend.Pool2dGeometry;
import dev.tuna.tensor.Shape;

/** Max pooling over channels-last images; the stride defaults to the pool size, as in Keras. */
public final class MaxPool2D extends Layer {
    private final Pool2dGeometry geom;

    public MaxPool2D(int pool, int stride, String padding) {
        if (pool <= 0 || stride <= 0) throw new IllegalArgumentException("max_pool2d pool_size and strides must be positive");
        int pad = switch (padding) {
            case "valid" -> 0;
            case "same" -> (pool - 1) / 2;
            default -> throw new IllegalArgumentException("padding '" + padding + "': expected valid or same");
        };
        geom = new Pool2dGeometry(pool, pool, stride, stride, pad, pad);
    }

    public MaxPool2D(int pool) { this(pool, pool, "valid"); }

    @Override
    public Shape build(Shape in, Builder b) {
        if (in.rank() != 3) throw new IllegalArgumentException(name() + " expects images [h, w, c], got " + in);
        int oh = geom.outH(in.dim(0)), ow = geom.outW(in.dim(1));
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException(name() + ": pool " + geom.kh() + " does not fit input " + in);
        return Shape.of(oh, ow, in.dim(2));
    }

    @Override
    public Var forward(Var x, Context ctx) { return F.maxPool2d(x, geom); }

    @Override
    public String baseName() { return "max_pooling2d"; }

    @Override
    public String describe() { return "MaxPool2D(" + geom.kh() + ", stride " + geom.strideH() + ")"; }
}
