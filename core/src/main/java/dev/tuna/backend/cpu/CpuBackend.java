package dev.tuna.backend.cpu;

import dev.tuna.backend.Backend;
import dev.tuna.backend.BinaryOp;
import dev.tuna.backend.Conv2dGeometry;
import dev.tuna.backend.LossInputs;
import dev.tuna.backend.Pool2dGeometry;
import dev.tuna.backend.RegressionLoss;
import dev.tuna.backend.UnaryOp;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** The reference backend: f32 compute on the host, GEMM on the Vector API, other ops as plain loops. */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

    /** Elements per parallel chunk of an elementwise update: below this, threads cost more than they save. */
    private static final long PAR_BLOCK = 16384;

    private CpuBackend() {}

    private interface Block { void run(long from, long len); }

    /** Runs an elementwise kernel over [0, n) in fixed blocks shared by the threads, or inline when small. */
    private static void parallelBlocks(long n, Block body) {
        if (n < PAR_BLOCK * 2) {
            body.run(0, n);
            return;
        }
        int blocks = (int) ((n + PAR_BLOCK - 1) / PAR_BLOCK);
        CpuParallel.forRange(blocks, (b0, b1) -> {
            long from = b0 * PAR_BLOCK;
            body.run(from, Math.min(n, b1 * PAR_BLOCK) - from);
        });
    }

    /**
     * Runs body over row ranges of a [rows, inner] float array, split over the threads when it is large
     * (activations of conv layers are megabytes and memory-bound), inline otherwise.
     */
    private static void parallelRows(int rows, int inner, CpuParallel.RangeBody body) {
        if ((long) rows * inner >= PAR_BLOCK * 2) CpuParallel.forRange(rows, body);
        else body.run(0, rows);
    }

    /** Rows [r0, r1) of a [rows, inner] float array. */
    private static MemorySegment rowRange(MemorySegment s, int r0, int r1, int inner) {
        return s.asSlice((long) r0 * inner * 4, (long) (r1 - r0) * inner * 4);
    }

    private static MemorySegment slice(Tensor t, long from, long len) { return t.data().asSlice(from * 4, len * 4); }

    @Override
    public Device device() { return Device.CPU; }

    @Override
    public Tensor empty(Shape shape, DType dtype) { return Tensor.empty(shape, dtype); }

    @Override
    public Tensor zeros(Shape shape, DType dtype) { return Tensor.zeros(shape, dtype); }

    @Override
    public Tensor fromHost(Tensor host) { return host; }

    @Override
    public Tensor toHost(Tensor t) { return t; }

    private static Tensor f32(Shape s) { return Tensor.empty(s, DType.F32); }

    private static void requireF32(Tensor t, String what) {
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(what + " must be f32, got " + t.dtype().id());
    }

    // ---- linear algebra ----

    @Override
    public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        int m = transA ? a.dim(1) : a.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        Tensor c = f32(Shape.of(m, n));
        matmulInto(a, transA, b, transB, c, 0f);
        return c;
    }

    @Override
    public void matmulInto(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float beta) {
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2) {
            throw new IllegalArgumentException("matmul needs 2-d tensors, got " + a.shape() + " and " + b.shape());
        }
        requireF32(a, "matmul input");
        requireF32(b, "matmul input");
        int m = transA ? a.dim(1) : a.dim(0);
        int k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (k != kb || c.dim(0) != m || c.dim(1) != n) {
            throw new IllegalArgumentException("matmul shapes do not agree: " + a.shape() + (transA ? "^T" : "")
                    + " @ " + b.shape() + (transB ? "^T" : "") + " -> " + c.shape());
        }
        Gemm.sgemm(transA, transB, m, n, k, 1f, a.data(), 0, a.dim(1), b.data(), 0, b.dim(1), beta, c.data(), 0, n);
    }

    // ---- elementwise ----

    /** Output shape of numpy broadcasting, or an error naming both shapes. */
    static Shape broadcastShape(Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] d = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dim(i - (r - a.rank()));
            int db = i < r - b.rank() ? 1 : b.dim(i - (r - b.rank()));
            if (da != db && da != 1 && db != 1) throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
            d[i] = da == 1 ? db : da;
        }
        return Shape.of(d);
    }

    /** Element strides of t when broadcast to out (0 along broadcast axes). */
    static long[] broadcastStrides(Shape t, Shape out) {
        int r = out.rank();
        long[] s = new long[r];
        long stride = 1;
        for (int i = r - 1; i >= 0; i--) {
            int ti = i - (r - t.rank());
            int d = ti < 0 ? 1 : t.dim(ti);
            s[i] = d == 1 ? 0 : stride;
            stride *= d;
        }
        return s;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        requireF32(a, op + " input");
        requireF32(b, op + " input");
        Shape outShape = a.shape().equals(b.shape()) ? a.shape() : broadcastShape(a.shape(), b.shape());
        Tensor out = f32(outShape);
        MemorySegment x = a.data(), y = b.data(), o = out.data();
        long n = outShape.size();
        if (a.shape().equals(b.shape())) {
            binaryLoop(op, x, 0, 1, y, 0, 1, o, 0, n);
            return out;
        }
        if (a.shape().equals(outShape) && isSuffix(b.shape(), outShape)) {
            // The bias case: b repeats along the leading axes.
            int inner = (int) b.size();
            parallelRows((int) (n / inner), inner, (r0, r1) ->
                    VectorOps.rowBroadcast(op.ordinal(), rowRange(x, r0, r1, inner), y, rowRange(o, r0, r1, inner), r1 - r0, inner));
            return out;
        }
        long[] sa = broadcastStrides(a.shape(), outShape), sb = broadcastStrides(b.shape(), outShape);
        int r = outShape.rank();
        int last = outShape.dim(r - 1);
        int[] idx = new int[r];
        for (long off = 0; off < n; off += last) {
            long ia = 0, ib = 0;
            for (int i = 0; i < r - 1; i++) {
                ia += idx[i] * sa[i];
                ib += idx[i] * sb[i];
            }
            binaryLoop(op, x, ia, sa[r - 1], y, ib, sb[r - 1], o, off, last);
            for (int i = r - 2; i >= 0; i--) {
                if (++idx[i] < outShape.dim(i)) break;
                idx[i] = 0;
            }
        }
        return out;
    }

    private static boolean isSuffix(Shape s, Shape out) {
        int off = out.rank() - s.rank();
        if (off < 0) return false;
        for (int i = 0; i < s.rank(); i++) if (s.dim(i) != out.dim(off + i)) return false;
        return true;
    }

    private static void binaryLoop(BinaryOp op, MemorySegment x, long xo, long xs, MemorySegment y, long yo, long ys,
                                   MemorySegment o, long oo, long n) {
        if (xs == 1 && ys == 1) {
            parallelBlocks(n, (from, len) -> VectorOps.binary(op.ordinal(), x, xo + from, y, yo + from, o, oo + from, len));
            return;
        }
        for (long i = 0; i < n; i++) {
            float p = x.getAtIndex(F, xo + i * xs), q = y.getAtIndex(F, yo + i * ys);
            o.setAtIndex(F, oo + i, switch (op) {
                case ADD -> p + q;
                case SUB -> p - q;
                case MUL -> p * q;
                case DIV -> p / q;
            });
        }
    }

    @Override
    public Tensor sumToShape(Tensor x, Shape target) {
        if (x.shape().equals(target)) return x;
        Tensor out = Tensor.zeros(target, DType.F32);
        MemorySegment src = x.data(), dst = out.data();
        long n = x.size();
        if (isSuffix(target, x.shape())) {
            // Bias gradients: column sums, accumulated row after row in a fixed order.
            int inner = (int) target.size();
            VectorOps.columnSums(src, n / inner, inner, dst);
            return out;
        }
        long[] st = broadcastStrides(target, x.shape());
        int r = x.rank();
        int[] idx = new int[r];
        for (long i = 0; i < n; i++) {
            long t = 0;
            for (int d = 0; d < r; d++) t += idx[d] * st[d];
            dst.setAtIndex(F, t, dst.getAtIndex(F, t) + src.getAtIndex(F, i));
            for (int d = r - 1; d >= 0; d--) {
                if (++idx[d] < x.shape().dim(d)) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        requireF32(x, op + " input");
        Tensor out = f32(x.shape());
        MemorySegment s = x.data(), d = out.data();
        long n = x.size();
        switch (op) {
            case RELU -> parallelBlocks(n, (from, len) -> VectorOps.relu(s.asSlice(from * 4, len * 4), d.asSlice(from * 4, len * 4), len));
            case NEG -> { for (long i = 0; i < n; i++) d.setAtIndex(F, i, -s.getAtIndex(F, i)); }
            case SQUARE -> { for (long i = 0; i < n; i++) { float v = s.getAtIndex(F, i); d.setAtIndex(F, i, v * v); } }
            default -> { for (long i = 0; i < n; i++) d.setAtIndex(F, i, (float) op.apply(s.getAtIndex(F, i))); }
        }
        return out;
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy) {
        Tensor out = f32(dy.shape());
        MemorySegment xs = x.data(), ys = y.data(), g = dy.data(), d = out.data();
        long n = dy.size();
        if (op == UnaryOp.RELU) {
            parallelBlocks(n, (from, len) -> VectorOps.reluBackward(xs.asSlice(from * 4, len * 4), g.asSlice(from * 4, len * 4),
                    d.asSlice(from * 4, len * 4), len));
            return out;
        }
        for (long i = 0; i < n; i++) {
            d.setAtIndex(F, i, (float) (g.getAtIndex(F, i) * op.derivative(xs.getAtIndex(F, i), ys.getAtIndex(F, i))));
        }
        return out;
    }

    @Override
    public void biasActivationInPlace(Tensor y, Tensor bias, UnaryOp act) {
        int inner = (int) bias.size();
        if (y.dim(-1) != inner) throw new IllegalArgumentException("bias " + bias.shape() + " does not match " + y.shape());
        MemorySegment d = y.data(), b = bias.data();
        parallelRows((int) (y.size() / inner), inner, (r0, r1) -> {
            MemorySegment part = rowRange(d, r0, r1, inner);
            VectorOps.rowBroadcast(BinaryOp.ADD.ordinal(), part, b, part, r1 - r0, inner);
            long n = (long) (r1 - r0) * inner;
            if (act == UnaryOp.RELU) {
                VectorOps.relu(part, part, n);
            } else if (act != null) {
                for (long i = 0; i < n; i++) part.setAtIndex(F, i, (float) act.apply(part.getAtIndex(F, i)));
            }
        });
    }

    @Override
    public Tensor scale(Tensor x, float s) {
        Tensor out = f32(x.shape());
        VectorOps.scale(x.data(), out.data(), x.size(), s);
        return out;
    }

    @Override
    public void scaleInPlace(Tensor x, float s) { VectorOps.scale(x.data(), x.data(), x.size(), s); }

    @Override
    public void scaleInto(Tensor src, float s, Tensor dst) {
        if (src.size() != dst.size()) throw new IllegalArgumentException("scaleInto: " + src + " into " + dst);
        VectorOps.scale(src.data(), dst.data(), src.size(), s);
    }

    @Override
    public void axpy(float a, Tensor x, Tensor y) {
        if (x.size() != y.size()) throw new IllegalArgumentException("axpy sizes differ: " + x.shape() + " and " + y.shape());
        VectorOps.axpy(a, x.data(), y.data(), x.size());
    }

    @Override
    public Tensor sum(Tensor x) {
        double acc = 0;
        MemorySegment s = x.data();
        for (long i = 0, n = x.size(); i < n; i++) acc += s.getAtIndex(F, i);
        Tensor out = f32(Shape.of());
        out.data().set(F, 0, (float) acc);
        return out;
    }

    @Override
    public Tensor broadcastScalar(Tensor s, float factor, Shape shape) {
        Tensor out = f32(shape);
        out.fill(s.data().get(F, 0) * factor);
        return out;
    }

    @Override
    public Tensor cast(Tensor x, DType dtype) { return x.to(dtype); }

    // ---- losses and metrics ----

    @Override
    public Tensor softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs) {
        int n = logits.dim(0), c = logits.dim(1);
        if (labels.size() != n) throw new IllegalArgumentException(labels.size() + " labels for " + n + " rows of logits");
        MemorySegment z = logits.data(), p = probs.data(), y = labels.data();
        double loss = 0;
        for (int r = 0; r < n; r++) {
            long base = (long) r * c;
            int label = y.getAtIndex(I, r);
            if (label < 0 || label >= c) throw new IllegalArgumentException("label " + label + " outside [0, " + c + ") in row " + r);
            loss += softmaxRow(z, p, base, c) - z.getAtIndex(F, base + label);
        }
        Tensor out = f32(Shape.of());
        out.data().set(F, 0, (float) (loss / n));
        return out;
    }

    /**
     * Writes softmax(z[base..base+c)) to p and returns log(sum(exp(z))), computed from the max-shifted logits
     * so that neither a huge logit overflows nor a tiny probability becomes log(0).
     */
    private static double softmaxRow(MemorySegment z, MemorySegment p, long base, int c) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) max = Math.max(max, z.getAtIndex(F, base + j));
        double sum = 0;
        for (int j = 0; j < c; j++) {
            float e = (float) Math.exp(z.getAtIndex(F, base + j) - max);
            p.setAtIndex(F, base + j, e);
            sum += e;
        }
        float inv = (float) (1 / sum);
        for (int j = 0; j < c; j++) {
            // Probabilities under 1e-30 become 0, so no subnormal reaches the gradient and the GEMMs after it
            // (each subnormal costs a ~100x slower microcode assist on x86; see VectorOps).
            float q = p.getAtIndex(F, base + j) * inv;
            p.setAtIndex(F, base + j, q < 1e-30f ? 0f : q);
        }
        return max + Math.log(sum);
    }

    @Override
    public Tensor softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss) {
        int n = probs.dim(0), c = probs.dim(1);
        float g = dLoss.data().get(F, 0) / n;
        Tensor out = f32(probs.shape());
        MemorySegment p = probs.data(), d = out.data(), y = labels.data();
        for (int r = 0; r < n; r++) {
            long base = (long) r * c;
            int label = y.getAtIndex(I, r);
            for (int j = 0; j < c; j++) d.setAtIndex(F, base + j, (p.getAtIndex(F, base + j) - (j == label ? 1f : 0f)) * g);
        }
        return out;
    }

    @Override
    public Tensor binaryCrossEntropy(Tensor logits, Tensor labels, Tensor probs) {
        int n = LossInputs.rows("binary cross-entropy", logits, labels, DType.I32);
        MemorySegment z = logits.data(), p = probs.data(), y = labels.data();
        double loss = 0;
        for (int r = 0; r < n; r++) {
            int label = y.getAtIndex(I, r);
            if (label != 0 && label != 1) throw new IllegalArgumentException("binary cross-entropy: label " + label + " in row " + r + ", expected 0 or 1");
            double zr = z.getAtIndex(F, r);
            // log(1 + exp(-|z|)) never overflows, and log1p keeps it exact where exp(-|z|) is far below 1.
            double e = Math.exp(-Math.abs(zr));
            loss += Math.max(zr, 0) - zr * label + Math.log1p(e);
            float q = (float) (zr >= 0 ? 1 / (1 + e) : e / (1 + e));
            // As in softmaxRow: no subnormal probability reaches the gradient.
            p.setAtIndex(F, r, q < 1e-30f ? 0f : q);
        }
        Tensor out = f32(Shape.of());
        out.data().set(F, 0, (float) (loss / n));
        return out;
    }

    @Override
    public Tensor binaryCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss) {
        int n = LossInputs.rows("binary cross-entropy", probs, labels, DType.I32);
        float g = dLoss.data().get(F, 0) / n;
        Tensor out = f32(probs.shape());
        MemorySegment p = probs.data(), d = out.data(), y = labels.data();
        for (int r = 0; r < n; r++) d.setAtIndex(F, r, (p.getAtIndex(F, r) - y.getAtIndex(I, r)) * g);
        return out;
    }

    @Override
    public Tensor regressionLoss(RegressionLoss loss, Tensor predictions, Tensor targets, float delta) {
        int n = LossInputs.rows(loss.label(), predictions, targets, DType.F32);
        MemorySegment x = predictions.data(), t = targets.data();
        double sum = 0;
        for (int r = 0; r < n; r++) {
            double res = (double) x.getAtIndex(F, r) - t.getAtIndex(F, r), a = Math.abs(res);
            sum += switch (loss) {
                case MSE -> res * res;
                case MAE -> a;
                case HUBER -> a <= delta ? 0.5 * res * res : delta * (a - 0.5 * delta);
            };
        }
        Tensor out = f32(Shape.of());
        out.data().set(F, 0, (float) (sum / n));
        return out;
    }

    @Override
    public Tensor regressionLossBackward(RegressionLoss loss, Tensor predictions, Tensor targets, Tensor dLoss, float delta) {
        int n = LossInputs.rows(loss.label(), predictions, targets, DType.F32);
        float g = dLoss.data().get(F, 0) / n;
        Tensor out = f32(predictions.shape());
        MemorySegment x = predictions.data(), t = targets.data(), d = out.data();
        for (int r = 0; r < n; r++) {
            float res = x.getAtIndex(F, r) - t.getAtIndex(F, r);
            float slope = switch (loss) {
                case MSE -> 2 * res;
                case MAE -> Math.signum(res);
                case HUBER -> Math.max(-delta, Math.min(delta, res));
            };
            d.setAtIndex(F, r, slope * g);
        }
        return out;
    }

    @Override
    public Tensor softmax(Tensor logits) {
        int c = logits.dim(-1);
        long n = logits.size() / c;
        Tensor out = f32(logits.shape());
        MemorySegment z = logits.data(), p = out.data();
        for (long r = 0; r < n; r++) softmaxRow(z, p, r * c, c);
        return out;
    }

    @Override
    public int countCorrect(Tensor logits, Tensor labels) {
        int n = logits.dim(0), c = logits.dim(1);
        MemorySegment z = logits.data(), y = labels.data();
        int correct = 0;
        for (int r = 0; r < n; r++) {
            long base = (long) r * c;
            int best = 0;
            float bv = z.getAtIndex(F, base);
            for (int j = 1; j < c; j++) {
                float v = z.getAtIndex(F, base + j);
                if (v > bv) {
                    bv = v;
                    best = j;
                }
            }
            if (best == y.getAtIndex(I, r)) correct++;
        }
        return correct;
    }

    // ---- regularisation ----

    @Override
    public Tensor dropoutMask(Shape shape, float rate, long seed, long counter) {
        Tensor out = f32(shape);
        MemorySegment d = out.data();
        float keep = 1f / (1f - rate);
        for (long i = 0, n = shape.size(); i < n; i++) {
            d.setAtIndex(F, i, CounterRng.uniform(seed, counter + i) >= rate ? keep : 0f);
        }
        return out;
    }

    // ---- convolution and pooling ----

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g) {
        int n = x.dim(0), kh = w.dim(0), kw = w.dim(1), f = w.dim(3);
        int oh = g.outH(x.dim(1), kh), ow = g.outW(x.dim(2), kw);
        checkConv(x, w, oh, ow);
        Tensor cols = Im2Col.im2col(x, kh, kw, g, oh, ow);
        Tensor out = f32(Shape.of(n, oh, ow, f));
        matmulInto(cols, false, w.reshape(-1, f), false, out.reshape(-1, f), 0f);
        return out;
    }

    private static void checkConv(Tensor x, Tensor w, int oh, int ow) {
        if (x.rank() != 4 || w.rank() != 4 || x.dim(3) != w.dim(2)) {
            throw new IllegalArgumentException("conv2d needs x [n,h,w,c] and kernel [kh,kw,c,f]; got " + x.shape() + " and " + w.shape());
        }
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException("conv2d kernel " + w.shape() + " is larger than input " + x.shape());
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor dy, Tensor w, Shape xShape, Conv2dGeometry g) {
        int f = w.dim(3);
        Tensor dcols = matmul(dy.reshape(-1, f), false, w.reshape(-1, f), true);
        return Im2Col.col2im(dcols, xShape, w.dim(0), w.dim(1), g, dy.dim(1), dy.dim(2));
    }

    @Override
    public Tensor conv2dBackwardFilter(Tensor x, Tensor dy, Shape wShape, Conv2dGeometry g) {
        int f = wShape.dim(3);
        Tensor cols = Im2Col.im2col(x, wShape.dim(0), wShape.dim(1), g, dy.dim(1), dy.dim(2));
        return matmul(cols, true, dy.reshape(-1, f), false).reshape(wShape);
    }

    @Override
    public Tensor maxPool2d(Tensor x, Pool2dGeometry g, Tensor argmax) {
        int n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
        int oh = g.outH(h), ow = g.outW(w);
        Tensor out = f32(Shape.of(n, oh, ow, c));
        MemorySegment s = x.data(), d = out.data(), a = argmax.data();
        long o = 0;
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    for (int ch = 0; ch < c; ch++, o++) {
                        float best = Float.NEGATIVE_INFINITY;
                        long bestIdx = -1;
                        for (int di = 0; di < g.kh(); di++) {
                            int y = i * g.strideH() - g.padH() + di;
                            if (y < 0 || y >= h) continue;
                            for (int dj = 0; dj < g.kw(); dj++) {
                                int xx = j * g.strideW() - g.padW() + dj;
                                if (xx < 0 || xx >= w) continue;
                                long idx = (((long) b * h + y) * w + xx) * c + ch;
                                float v = s.getAtIndex(F, idx);
                                if (bestIdx < 0 || v > best) {
                                    best = v;
                                    bestIdx = idx;
                                }
                            }
                        }
                        d.setAtIndex(F, o, best);
                        a.setAtIndex(I, o, (int) bestIdx);
                    }
                }
            }
        }
        return out;
    }

    @Override
    public Tensor maxPool2dBackward(Tensor dy, Tensor argmax, Shape xShape) {
        Tensor dx = Tensor.zeros(xShape, DType.F32);
        MemorySegment g = dy.data(), a = argmax.data(), d = dx.data();
        for (long o = 0, n = dy.size(); o < n; o++) {
            long idx = a.getAtIndex(I, o);
            d.setAtIndex(F, idx, d.getAtIndex(F, idx) + g.getAtIndex(F, o));
        }
        return dx;
    }

    // ---- batch normalisation ----

    @Override
    public Tensor batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor mean, Tensor invStd, Tensor variance) {
        int c = x.dim(-1);
        long rows = x.size() / c;
        MemorySegment s = x.data();
        double[] sum = new double[c];
        for (long r = 0; r < rows; r++) for (int j = 0; j < c; j++) sum[j] += s.getAtIndex(F, r * c + j);
        double[] mu = new double[c];
        for (int j = 0; j < c; j++) mu[j] = sum[j] / rows;
        double[] sq = new double[c];
        for (long r = 0; r < rows; r++) {
            for (int j = 0; j < c; j++) {
                double dv = s.getAtIndex(F, r * c + j) - mu[j];
                sq[j] += dv * dv;
            }
        }
        for (int j = 0; j < c; j++) {
            double var = sq[j] / rows;
            mean.data().setAtIndex(F, j, (float) mu[j]);
            variance.data().setAtIndex(F, j, (float) var);
            invStd.data().setAtIndex(F, j, (float) (1 / Math.sqrt(var + eps)));
        }
        return normalize(x, gamma, beta, mean, invStd);
    }

    private static Tensor normalize(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor invStd) {
        int c = x.dim(-1);
        long rows = x.size() / c;
        Tensor out = f32(x.shape());
        MemorySegment s = x.data(), d = out.data();
        float[] scale = new float[c], shift = new float[c];
        for (int j = 0; j < c; j++) {
            float is = invStd.data().getAtIndex(F, j);
            scale[j] = gamma.data().getAtIndex(F, j) * is;
            shift[j] = beta.data().getAtIndex(F, j) - mean.data().getAtIndex(F, j) * scale[j];
        }
        for (long r = 0; r < rows; r++) {
            for (int j = 0; j < c; j++) d.setAtIndex(F, r * c + j, s.getAtIndex(F, r * c + j) * scale[j] + shift[j]);
        }
        return out;
    }

    @Override
    public Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps) {
        int c = x.dim(-1);
        Tensor invStd = f32(Shape.of(c));
        for (int j = 0; j < c; j++) {
            invStd.data().setAtIndex(F, j, (float) (1 / Math.sqrt(runningVar.data().getAtIndex(F, j) + (double) eps)));
        }
        return normalize(x, gamma, beta, runningMean, invStd);
    }

    @Override
    public Tensor[] batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd) {
        int c = x.dim(-1);
        long rows = x.size() / c;
        MemorySegment g = dy.data(), s = x.data();
        double[] sumDy = new double[c], sumDyXhat = new double[c];
        float[] mu = new float[c], is = new float[c], ga = new float[c];
        for (int j = 0; j < c; j++) {
            mu[j] = mean.data().getAtIndex(F, j);
            is[j] = invStd.data().getAtIndex(F, j);
            ga[j] = gamma.data().getAtIndex(F, j);
        }
        for (long r = 0; r < rows; r++) {
            for (int j = 0; j < c; j++) {
                float gy = g.getAtIndex(F, r * c + j);
                sumDy[j] += gy;
                sumDyXhat[j] += gy * (s.getAtIndex(F, r * c + j) - mu[j]) * is[j];
            }
        }
        Tensor dx = f32(x.shape()), dgamma = f32(Shape.of(c)), dbeta = f32(Shape.of(c));
        MemorySegment d = dx.data();
        for (long r = 0; r < rows; r++) {
            for (int j = 0; j < c; j++) {
                float xhat = (s.getAtIndex(F, r * c + j) - mu[j]) * is[j];
                double v = ga[j] * is[j] / rows * (rows * g.getAtIndex(F, r * c + j) - sumDy[j] - xhat * sumDyXhat[j]);
                d.setAtIndex(F, r * c + j, (float) v);
            }
        }
        for (int j = 0; j < c; j++) {
            dgamma.data().setAtIndex(F, j, (float) sumDyXhat[j]);
            dbeta.data().setAtIndex(F, j, (float) sumDy[j]);
        }
        return new Tensor[] {dx, dgamma, dbeta};
    }

    @Override
    public void lerpInto(Tensor running, Tensor batch, float momentum) {
        MemorySegment r = running.data(), b = batch.data();
        for (long i = 0, n = running.size(); i < n; i++) {
            r.setAtIndex(F, i, momentum * r.getAtIndex(F, i) + (1 - momentum) * b.getAtIndex(F, i));
        }
    }

    // ---- shape ----

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        Tensor first = parts.get(0);
        int r = first.rank();
        int ax = axis < 0 ? axis + r : axis;
        int[] dims = first.shape().dims();
        int total = 0;
        for (Tensor t : parts) {
            for (int i = 0; i < r; i++) {
                if (i != ax && t.dim(i) != dims[i]) throw new IllegalArgumentException("concat: shapes " + first.shape() + " and " + t.shape() + " differ off axis " + ax);
            }
            total += t.dim(ax);
        }
        dims[ax] = total;
        Tensor out = Tensor.empty(Shape.of(dims), first.dtype());
        long outer = 1;
        for (int i = 0; i < ax; i++) outer *= dims[i];
        long innerUnit = first.dtype().byteSize();
        for (int i = ax + 1; i < r; i++) innerUnit *= dims[i];
        long outRow = total * innerUnit;
        long offset = 0;
        for (Tensor t : parts) {
            long chunk = t.dim(ax) * innerUnit;
            for (long o = 0; o < outer; o++) MemorySegment.copy(t.data(), o * chunk, out.data(), o * outRow + offset, chunk);
            offset += chunk;
        }
        return out;
    }

    @Override
    public Tensor slice(Tensor x, int axis, int start, int length) {
        int r = x.rank();
        int ax = axis < 0 ? axis + r : axis;
        int[] dims = x.shape().dims();
        long outer = 1;
        for (int i = 0; i < ax; i++) outer *= dims[i];
        long innerUnit = x.dtype().byteSize();
        for (int i = ax + 1; i < r; i++) innerUnit *= dims[i];
        long srcRow = dims[ax] * innerUnit, chunk = length * innerUnit;
        dims[ax] = length;
        Tensor out = Tensor.empty(Shape.of(dims), x.dtype());
        for (long o = 0; o < outer; o++) MemorySegment.copy(x.data(), o * srcRow + start * innerUnit, out.data(), o * chunk, chunk);
        return out;
    }

    @Override
    public Tensor gatherRows(Tensor src, int[] indices, int from, int count) {
        Tensor out = Tensor.empty(src.shape().withFirst(count), src.dtype());
        long row = src.shape().rowSize() * src.dtype().byteSize();
        MemorySegment s = src.data(), d = out.data();
        // Shuffled rows come from all over the data set (cache misses): two threads hide more of the latency.
        if (row * count >= (256 << 10)) {
            CpuParallel.forRange(count, (i0, i1) -> {
                for (int i = i0; i < i1; i++) MemorySegment.copy(s, indices[from + i] * row, d, i * row, row);
            });
        } else {
            for (int i = 0; i < count; i++) MemorySegment.copy(s, indices[from + i] * row, d, i * row, row);
        }
        return out;
    }

    // ---- optimizer updates ----

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov, float weightDecay) {
        VectorOps.sgd(param.data(), grad.data(), velocity == null ? null : velocity.data(), param.size(), lr, momentum, nesterov, weightDecay);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                           long step, float decoupledWeightDecay) {
        // Keras folds the bias corrections into the step size and adds eps to sqrt(v) uncorrected.
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        float alpha = (float) (lr * Math.sqrt(c2) / c1);
        float decay = lr * decoupledWeightDecay;
        long n = param.size();
        // Big tensors are split over the threads in fixed blocks; each element's update is independent.
        parallelBlocks(n, (from, len) -> {
            VectorOps.adam(slice(param, from, len), slice(grad, from, len), slice(m, from, len), slice(v, from, len), len,
                    beta1, beta2, eps, alpha, decay);
        });
    }

    @Override
    public void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuf, float lr, float rho,
                              float momentum, float eps) {
        // Keras puts epsilon inside the square root for RMSprop (unlike Adam).
        VectorOps.rmsprop(param.data(), grad.data(), meanSquare.data(), momentumBuf == null ? null : momentumBuf.data(),
                param.size(), lr, rho, momentum, eps);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        MemorySegment s = x.data();
        double acc = 0;
        for (long i = 0, n = x.size(); i < n; i++) {
            double v = s.getAtIndex(F, i);
            acc += v * v;
        }
        return acc;
    }

    @Override
    public boolean allFinite(Tensor x) {
        MemorySegment s = x.data();
        for (long i = 0, n = x.size(); i < n; i++) if (!Float.isFinite(s.getAtIndex(F, i))) return false;
        return true;
    }
}
