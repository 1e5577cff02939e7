package dev.tuna.backend;

/** Window, stride and padding of a 2-d pooling; padded positions never win the max. */
public record Pool2dGeometry(int kh, int kw, int strideH, int strideW, int padH, int padW) {
    public int outH(int h) { return (h + 2 * padH - kh) / strideH + 1; }

    public int outW(int w) { return (w + 2 * padW - kw) / strideW + 1; }
}
