package dev.tuna.backend;

/** Strides and zero padding of a 2-d convolution; output size follows from the input and kernel. */
public record Conv2dGeometry(int strideH, int strideW, int padH, int padW) {
    public int outH(int h, int kh) { return (h + 2 * padH - kh) / strideH + 1; }

    public int outW(int w, int kw) { return (w + 2 * padW - kw) / strideW + 1; }

    /** Keras' padding names: "valid" adds none, "same" pads so that stride 1 keeps the size. */
    public static Conv2dGeometry of(int stride, String padding, int kh, int kw) {
        return switch (padding) {
            case "valid" -> new Conv2dGeometry(stride, stride, 0, 0);
            case "same" -> new Conv2dGeometry(stride, stride, (kh - 1) / 2, (kw - 1) / 2);
            default -> throw new IllegalArgumentException("padding '" + padding + "': expected valid or same");
        };
    }
}
