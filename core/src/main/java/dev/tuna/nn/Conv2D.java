package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.backend.Conv2dGeometry;
import dev.tuna.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/** A 2-d convolution over channels-last images [h, w, c] with a [kh, kw, c, filters] kernel. */
public final class Conv2D extends Layer {
    private final int filters;
    private final int kernelSize;
    private final int stride;
    private final String padding;
    private final String activation;
    private final boolean useBias;
    private final Initializer kernelInit;
    private Conv2dGeometry geom;
    private Parameter kernel;
    private Parameter bias;

    public Conv2D(int filters, int kernelSize, int stride, String padding, String activation, boolean useBias, Initializer init) {
        if (filters <= 0 || kernelSize <= 0 || stride <= 0) {
            throw new IllegalArgumentException("conv2d filters, kernel_size and strides must be positive, got "
                    + filters + ", " + kernelSize + ", " + stride);
        }
        this.filters = filters;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        F.checkActivation(activation);
        this.activation = activation;
        this.useBias = useBias;
        this.kernelInit = init;
        this.geom = Conv2dGeometry.of(stride, padding, kernelSize, kernelSize);
    }

    public Conv2D(int filters, int kernelSize, String activation) {
        this(filters, kernelSize, 1, "valid", activation, true, Initializer.GLOROT_UNIFORM);
    }

    @Override
    public Shape build(Shape in, Builder b) {
        if (in.rank() != 3) throw new IllegalArgumentException(name() + " expects images [h, w, c], got " + in);
        int oh = geom.outH(in.dim(0), kernelSize), ow = geom.outW(in.dim(1), kernelSize);
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException(name() + ": kernel " + kernelSize + " does not fit input " + in);
        kernel = b.parameter(name() + "/kernel", Shape.of(kernelSize, kernelSize, in.dim(2), filters), kernelInit);
        if (useBias) bias = b.parameter(name() + "/bias", Shape.of(filters), Initializer.ZEROS);
        return Shape.of(oh, ow, filters);
    }

    @Override
    public Var forward(Var x, Context ctx) {
        Var y = F.conv2d(x, kernel, geom);
        return useBias ? F.biasActivationInPlace(y, bias, activation) : F.activation(activation, y);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> p = new ArrayList<>();
        p.add(kernel);
        if (useBias) p.add(bias);
        return p;
    }

    @Override
    public String baseName() { return "conv2d"; }

    @Override
    public String describe() {
        return "Conv2D(" + filters + ", " + kernelSize + "x" + kernelSize + ", stride " + stride + ", " + padding
                + (activation == null ? "" : ", " + activation) + ")";
    }
}
