package dev.tuna.backend.cpu;

import dev.tuna.backend.Conv2dGeometry;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Unfolds channels-last images into GEMM rows (one per output pixel, kh*kw*c wide) and folds them back. */
final class Im2Col {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Im2Col() {}

    static Tensor im2col(Tensor x, int kh, int kw, Conv2dGeometry g, int oh, int ow) {
        int n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
        int k = kh * kw * c;
        Tensor cols = Tensor.empty(Shape.of(n * oh * ow, k), DType.F32);
        MemorySegment s = x.data(), d = cols.data();
        CpuParallel.forRange(n, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        long row = (((long) b * oh + i) * ow + j) * k;
                        int x0 = j * g.strideW() - g.padW();
                        // Kernel columns that fall inside the image: one contiguous run of (dj1-dj0)*c floats per kernel row.
                        int dj0 = Math.max(0, -x0), dj1 = Math.min(kw, w - x0);
                        for (int di = 0; di < kh; di++) {
                            int y = i * g.strideH() - g.padH() + di;
                            long dst = (row + (long) di * kw * c) * 4;
                            if (y < 0 || y >= h || dj1 <= dj0) {
                                d.asSlice(dst, (long) kw * c * 4).fill((byte) 0);
                                continue;
                            }
                            if (dj0 > 0) d.asSlice(dst, (long) dj0 * c * 4).fill((byte) 0);
                            copy(s, (((long) b * h + y) * w + x0 + dj0) * c, d, dst / 4 + (long) dj0 * c, (dj1 - dj0) * c);
                            if (dj1 < kw) d.asSlice(dst + (long) dj1 * c * 4, (long) (kw - dj1) * c * 4).fill((byte) 0);
                        }
                    }
                }
            }
        });
        return cols;
    }

    /** Copies count floats; short runs (a 3x3 kernel row over one channel is 3 floats) by hand, which beats a bulk copy call. */
    private static void copy(MemorySegment s, long from, MemorySegment d, long to, int count) {
        if (count < 16) {
            for (int i = 0; i < count; i++) d.setAtIndex(F, to + i, s.getAtIndex(F, from + i));
        } else {
            MemorySegment.copy(s, from * 4, d, to * 4, (long) count * 4);
        }
    }

    static Tensor col2im(Tensor cols, Shape xShape, int kh, int kw, Conv2dGeometry g, int oh, int ow) {
        int n = xShape.dim(0), h = xShape.dim(1), w = xShape.dim(2), c = xShape.dim(3);
        int k = kh * kw * c;
        Tensor dx = Tensor.zeros(xShape, DType.F32);
        MemorySegment s = cols.data(), d = dx.data();
        // Each image is folded by one thread, so sums are in a fixed order and runs are reproducible.
        CpuParallel.forRange(n, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        long row = (((long) b * oh + i) * ow + j) * k;
                        for (int di = 0; di < kh; di++) {
                            int y = i * g.strideH() - g.padH() + di;
                            if (y < 0 || y >= h) continue;
                            for (int dj = 0; dj < kw; dj++) {
                                int xx = j * g.strideW() - g.padW() + dj;
                                if (xx < 0 || xx >= w) continue;
                                long src = row + ((long) di * kw + dj) * c;
                                long dst = (((long) b * h + y) * w + xx) * c;
                                for (int ch = 0; ch < c; ch++) {
                                    d.setAtIndex(F, dst + ch, d.getAtIndex(F, dst + ch) + s.getAtIndex(F, src + ch));
                                }
                            }
                        }
                    }
                }
            }
        });
        return dx;
    }
}
