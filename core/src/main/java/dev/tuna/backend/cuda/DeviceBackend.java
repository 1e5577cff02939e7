package dev.tuna.backend.cuda;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.BinaryOp;
import dev.tuna.backend.Conv2dGeometry;
import dev.tuna.backend.LossInputs;
import dev.tuna.backend.Pool2dGeometry;
import dev.tuna.backend.RegressionLoss;
import dev.tuna.backend.UnaryOp;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The {@link Backend} on a device, over a {@link DeviceRuntime}: tensors live in device memory from a
 * {@link DeviceAllocator}, ops run as tuna's kernels and GEMM. A tensor created inside a step scope
 * ({@link MemoryScope#step}) returns to the allocator's cache when that scope closes, exactly as the step's host tensors
 * are freed; outside a step (parameters, optimizer slots) it is held until {@link #release}. Convolution, pooling,
 * batch norm, concatenation, slicing and casts run on the host for now (copied there and back: correct, not fast) until
 * cuDNN and their kernels replace them; everything an MLP trains with runs on the device.
 */
public final class DeviceBackend implements Backend {
    private static final Backend HOST = Backends.cpu();

    private final DeviceRuntime runtime;
    private final DeviceAllocator allocator;
    private final Device device;
    private final Map<MemoryScope, DeviceAllocator.Step> steps = new WeakHashMap<>();

    public DeviceBackend(DeviceRuntime runtime, Device device) {
        this.runtime = runtime;
        this.allocator = new DeviceAllocator(runtime);
        this.device = device;
    }

    public DeviceAllocator allocator() { return allocator; }

    @Override public Device device() { return device; }

    // ---- memory ----

    private long allocate(long bytes) {
        MemoryScope scope = MemoryScope.top();
        if (scope == null || !scope.isStep()) return allocator.allocate(bytes);
        DeviceAllocator.Step step;
        synchronized (steps) {
            step = steps.get(scope);
            if (step == null) {
                DeviceAllocator.Step s = allocator.step();
                steps.put(scope, s);
                scope.onClose(() -> {
                    s.close();
                    synchronized (steps) {
                        steps.remove(scope);
                    }
                });
                step = s;
            }
        }
        return step.allocate(bytes);
    }

    private Tensor dev(Shape shape, DType dtype) {
        long bytes = Math.max(4, shape.size() * dtype.byteSize());
        long a = allocate(bytes);
        return new Tensor(shape, dtype, device, MemorySegment.ofAddress(a).reinterpret(bytes));
    }

    /** Returns a tensor made outside any step (a parameter, an optimizer slot) to the cache. */
    @Override
    public void release(Tensor t) {
        if (t.device().equals(device)) allocator.release(addr(t, "release"));
    }

    /** Host to device, device to host, or device to device (staged through the host: rare, for weight snapshots). */
    @Override
    public void copyInto(Tensor src, Tensor dst) {
        if (src.size() != dst.size() || src.dtype() != dst.dtype()) throw new IllegalArgumentException("cannot copy " + src + " into " + dst);
        long bytes = src.size() * src.dtype().byteSize();
        boolean fromHost = src.device().kind() == Device.Kind.CPU, toHost = dst.device().kind() == Device.Kind.CPU;
        if (fromHost && toHost) dst.copyFrom(src);
        else if (fromHost) runtime.copyToDevice(src.data(), addr(dst, "copyInto"), bytes);
        else if (toHost) runtime.copyToHost(addr(src, "copyInto"), dst.data(), bytes);
        else {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment stage = a.allocate(bytes, 64);
                runtime.copyToHost(addr(src, "copyInto"), stage, bytes);
                runtime.copyToDevice(stage, addr(dst, "copyInto"), bytes);
            }
        }
    }

    private long addr(Tensor t, String op) {
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException(op + ": a tensor on " + t.device() + " given to a " + device + " op (move it with fromHost)");
        }
        return t.data().address();
    }

    @Override public Tensor empty(Shape shape, DType dtype) { return dev(shape, dtype); }

    @Override
    public Tensor zeros(Shape shape, DType dtype) {
        Tensor t = dev(shape, dtype);
        fill(t, 0);
        return t;
    }

    private void fill(Tensor t, int bits) {
        if (t.dtype().byteSize() != 4) throw new IllegalArgumentException("fill needs 4-byte elements, not " + t.dtype().id());
        runtime.launch("fill_b32", addr(t, "fill"), t.size(), bits);
    }

    @Override
    public Tensor fromHost(Tensor host) {
        if (host.device().equals(device)) return host;
        if (host.device().kind() != Device.Kind.CPU) throw new IllegalArgumentException("cannot copy from " + host.device() + " to " + device);
        Tensor t = dev(host.shape(), host.dtype());
        runtime.copyToDevice(host.data(), addr(t, "fromHost"), host.data().byteSize());
        return t;
    }

    @Override
    public Tensor toHost(Tensor t) {
        if (t.device().kind() == Device.Kind.CPU) return t;
        Tensor h = Tensor.empty(t.shape(), t.dtype());
        runtime.copyToHost(addr(t, "toHost"), h.data(), h.data().byteSize());
        return h;
    }

    /** Copies a host result into an existing device tensor (outputs of host-run ops that write into their arguments). */
    private void writeBack(Tensor deviceTensor, Tensor host) {
        runtime.copyToDevice(host.data(), addr(deviceTensor, "writeBack"), host.data().byteSize());
    }

    private float scalar(Tensor t) { return toHost(t).getFloat(0); }

    private Tensor scalarTensor(float v) {
        Tensor h = Tensor.empty(Shape.of(), DType.F32);
        h.setFloat(0, v);
        return fromHost(h);
    }

    // ---- linear algebra ----

    @Override
    public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) throw new IllegalArgumentException("matmul of " + a.shape() + (transA ? "^T" : "") + " and " + b.shape() + (transB ? "^T" : ""));
        Tensor c = dev(Shape.of(m, n), DType.F32);
        runtime.gemm(transA, transB, m, n, k, addr(a, "matmul"), a.dim(1), addr(b, "matmul"), b.dim(1), 0f, addr(c, "matmul"), n);
        return c;
    }

    @Override
    public void matmulInto(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float beta) {
        int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1), n = transB ? b.dim(0) : b.dim(1);
        runtime.gemm(transA, transB, m, n, k, addr(a, "matmulInto"), a.dim(1), addr(b, "matmulInto"), b.dim(1), beta, addr(c, "matmulInto"), n);
    }

    // ---- elementwise ----

    static Shape broadcastShape(Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] d = new int[r];
        for (int i = 0; i < r; i++) {
            int x = i - (r - a.rank()) >= 0 ? a.dim(i - (r - a.rank())) : 1, y = i - (r - b.rank()) >= 0 ? b.dim(i - (r - b.rank())) : 1;
            if (x != y && x != 1 && y != 1) throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
            d[i] = Math.max(x, y);
        }
        return Shape.of(d);
    }

    /** Strides of s read as out (rank 4, padded with leading 1s): 0 along broadcast axes. */
    static long[] strides4(Shape s, Shape out) {
        long[] st = new long[4];
        long acc = 1;
        for (int i = 3; i >= 0; i--) {
            int oi = i - (4 - out.rank()), si = i - (4 - s.rank());
            int od = oi >= 0 ? out.dim(oi) : 1, sd = si >= 0 ? s.dim(si) : 1;
            st[i] = sd == 1 && od != 1 ? 0 : acc;
            acc *= sd;
        }
        return st;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        Shape out = a.shape().equals(b.shape()) ? a.shape() : broadcastShape(a.shape(), b.shape());
        if (out.rank() > 4) return fromHost(HOST.binary(op, toHost(a), toHost(b)));
        Tensor c = dev(out, DType.F32);
        long[] d = new long[4];
        for (int i = 0; i < 4; i++) {
            int oi = i - (4 - out.rank());
            d[i] = oi >= 0 ? out.dim(oi) : 1;
        }
        long[] as = strides4(a.shape(), out), bs = strides4(b.shape(), out);
        runtime.launch("binary_f32", addr(a, "binary"), addr(b, "binary"), addr(c, "binary"), op.ordinal(), d[0], d[1], d[2], d[3],
                as[0], as[1], as[2], as[3], bs[0], bs[1], bs[2], bs[3]);
        return c;
    }

    @Override
    public Tensor sumToShape(Tensor x, Shape target) {
        if (x.shape().equals(target)) return x;
        int cols = x.shape().dim(x.rank() - 1);
        boolean rowVector = target.size() == cols && target.dim(target.rank() - 1) == cols;
        if (!rowVector) return fromHost(HOST.sumToShape(toHost(x), target));
        Tensor out = dev(target, DType.F32);
        runtime.launch("sum_rows_f32", addr(x, "sumToShape"), addr(out, "sumToShape"), x.size() / cols, cols);
        return out;
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        Tensor y = dev(x.shape(), DType.F32);
        runtime.launch("unary_forward_f32", addr(x, "unary"), addr(y, "unary"), x.size(), op.ordinal());
        return y;
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy) {
        Tensor dx = dev(x.shape(), DType.F32);
        runtime.launch("unary_backward_f32", addr(x, "unaryBackward"), addr(y, "unaryBackward"), addr(dy, "unaryBackward"), addr(dx, "unaryBackward"),
                x.size(), op.ordinal());
        return dx;
    }

    @Override
    public Tensor scale(Tensor x, float s) {
        Tensor y = dev(x.shape(), DType.F32);
        runtime.launch("scale_f32", addr(x, "scale"), addr(y, "scale"), x.size(), s);
        return y;
    }

    @Override
    public void scaleInPlace(Tensor x, float s) { runtime.launch("scale_f32", addr(x, "scaleInPlace"), addr(x, "scaleInPlace"), x.size(), s); }

    @Override
    public void scaleInto(Tensor src, float s, Tensor dst) {
        if (src.size() != dst.size() || src.dtype() != DType.F32 || dst.dtype() != DType.F32) throw new IllegalArgumentException("scaleInto: " + src + " into " + dst);
        runtime.launch("scale_f32", addr(src, "scaleInto"), addr(dst, "scaleInto"), src.size(), s);
    }

    @Override
    public void zeroInPlace(Tensor t) { fill(t, 0); }

    @Override
    public void biasActivationInPlace(Tensor y, Tensor bias, UnaryOp act) {
        int cols = (int) bias.size();
        runtime.launch("bias_activation_f32", addr(y, "biasActivation"), addr(bias, "biasActivation"), y.size() / cols, cols, act == null ? -1 : act.ordinal());
    }

    @Override
    public void axpy(float a, Tensor x, Tensor y) {
        if (x.size() != y.size()) throw new IllegalArgumentException("axpy sizes differ: " + x.shape() + " and " + y.shape());
        runtime.launch("axpy_f32", a, addr(x, "axpy"), addr(y, "axpy"), x.size());
    }

    /**
     * One value computed on the device and read back: an 8-byte scratch block starts as {@code init}, the launch
     * writes into it (an accumulator, a counter, a flag), and it comes back to the host.
     */
    private MemorySegment readBack(Arena a, long init, java.util.function.LongConsumer launch) {
        MemorySegment host = a.allocate(ValueLayout.JAVA_LONG);
        host.set(ValueLayout.JAVA_LONG, 0, init);
        long scratch = allocator.allocate(8);
        try {
            runtime.copyToDevice(host, scratch, 8);
            launch.accept(scratch);
            runtime.copyToHost(scratch, host, 8);
            return host;
        } finally {
            allocator.release(scratch);
        }
    }

    /** A sum-like reduction kernel into a double accumulator starting at 0. */
    private double reduce(String kernel, Tensor x) {
        try (Arena a = Arena.ofConfined()) {
            return readBack(a, 0L, acc -> runtime.launch(kernel, addr(x, kernel), x.size(), acc)).get(ValueLayout.JAVA_DOUBLE, 0);
        }
    }

    @Override public Tensor sum(Tensor x) { return scalarTensor((float) reduce("sum_f32", x)); }

    @Override
    public Tensor broadcastScalar(Tensor s, float factor, Shape shape) {
        Tensor t = dev(shape, DType.F32);
        fill(t, Float.floatToRawIntBits(scalar(s) * factor));
        return t;
    }

    @Override public Tensor cast(Tensor x, DType dtype) { return fromHost(HOST.cast(toHost(x), dtype)); }

    // ---- losses and metrics ----

    @Override
    public Tensor softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs) {
        int n = logits.dim(0), c = logits.dim(1);
        try (Arena a = Arena.ofConfined()) {
            double total = readBack(a, 0L, acc -> runtime.launch("softmax_xent_f32", addr(logits, "softmaxCrossEntropy"),
                    addr(labels, "softmaxCrossEntropy"), addr(probs, "softmaxCrossEntropy"), acc, (long) n, c)).get(ValueLayout.JAVA_DOUBLE, 0);
            return scalarTensor((float) (total / n));
        }
    }

    @Override
    public Tensor softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss) {
        Tensor dz = dev(probs.shape(), DType.F32);
        runtime.launch("softmax_xent_backward_f32", addr(probs, "xentBackward"), addr(labels, "xentBackward"), addr(dLoss, "xentBackward"),
                addr(dz, "xentBackward"), (long) probs.dim(0), probs.dim(1));
        return dz;
    }

    @Override
    public Tensor binaryCrossEntropy(Tensor logits, Tensor labels, Tensor probs) {
        int n = LossInputs.rows("binary cross-entropy", logits, labels, DType.I32);
        try (Arena a = Arena.ofConfined()) {
            double total = readBack(a, 0L, acc -> runtime.launch("binary_xent_f32", addr(logits, "binaryCrossEntropy"),
                    addr(labels, "binaryCrossEntropy"), addr(probs, "binaryCrossEntropy"), acc, (long) n)).get(ValueLayout.JAVA_DOUBLE, 0);
            return scalarTensor((float) (total / n));
        }
    }

    @Override
    public Tensor binaryCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss) {
        int n = LossInputs.rows("binary cross-entropy", probs, labels, DType.I32);
        Tensor dz = dev(probs.shape(), DType.F32);
        runtime.launch("binary_xent_backward_f32", addr(probs, "binaryXentBackward"), addr(labels, "binaryXentBackward"),
                addr(dLoss, "binaryXentBackward"), addr(dz, "binaryXentBackward"), (long) n);
        return dz;
    }

    @Override
    public Tensor regressionLoss(RegressionLoss loss, Tensor predictions, Tensor targets, float delta) {
        int n = LossInputs.rows(loss.label(), predictions, targets, DType.F32);
        try (Arena a = Arena.ofConfined()) {
            double total = readBack(a, 0L, acc -> runtime.launch("regression_loss_f32", addr(predictions, "regressionLoss"),
                    addr(targets, "regressionLoss"), acc, (long) n, loss.ordinal(), delta)).get(ValueLayout.JAVA_DOUBLE, 0);
            return scalarTensor((float) (total / n));
        }
    }

    @Override
    public Tensor regressionLossBackward(RegressionLoss loss, Tensor predictions, Tensor targets, Tensor dLoss, float delta) {
        int n = LossInputs.rows(loss.label(), predictions, targets, DType.F32);
        Tensor dx = dev(predictions.shape(), DType.F32);
        runtime.launch("regression_loss_backward_f32", addr(predictions, "regressionLossBackward"), addr(targets, "regressionLossBackward"),
                addr(dLoss, "regressionLossBackward"), addr(dx, "regressionLossBackward"), (long) n, loss.ordinal(), delta);
        return dx;
    }

    @Override
    public Tensor softmax(Tensor logits) {
        Tensor p = dev(logits.shape(), DType.F32);
        runtime.launch("softmax_f32", addr(logits, "softmax"), addr(p, "softmax"), (long) logits.dim(0), logits.dim(1));
        return p;
    }

    @Override
    public int countCorrect(Tensor logits, Tensor labels) {
        try (Arena a = Arena.ofConfined()) {
            return readBack(a, 0L, acc -> runtime.launch("count_correct_f32", addr(logits, "countCorrect"), addr(labels, "countCorrect"), acc,
                    (long) logits.dim(0), logits.dim(1))).get(ValueLayout.JAVA_INT, 0);
        }
    }

    @Override
    public Tensor dropoutMask(Shape shape, float rate, long seed, long counter) {
        Tensor m = dev(shape, DType.F32);
        runtime.launch("dropout_mask_f32", addr(m, "dropoutMask"), shape.size(), rate, seed, counter);
        return m;
    }

    // ---- on the host until cuDNN and their kernels come: correct, with a copy each way ----

    @Override public Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g) { return fromHost(HOST.conv2d(toHost(x), toHost(w), g)); }

    @Override
    public Tensor conv2dBackwardInput(Tensor dy, Tensor w, Shape xShape, Conv2dGeometry g) {
        return fromHost(HOST.conv2dBackwardInput(toHost(dy), toHost(w), xShape, g));
    }

    @Override
    public Tensor conv2dBackwardFilter(Tensor x, Tensor dy, Shape wShape, Conv2dGeometry g) {
        return fromHost(HOST.conv2dBackwardFilter(toHost(x), toHost(dy), wShape, g));
    }

    @Override
    public Tensor maxPool2d(Tensor x, Pool2dGeometry g, Tensor argmax) {
        Tensor hostArgmax = toHost(argmax);
        Tensor y = HOST.maxPool2d(toHost(x), g, hostArgmax);
        writeBack(argmax, hostArgmax);
        return fromHost(y);
    }

    @Override
    public Tensor maxPool2dBackward(Tensor dy, Tensor argmax, Shape xShape) { return fromHost(HOST.maxPool2dBackward(toHost(dy), toHost(argmax), xShape)); }

    @Override
    public Tensor batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor mean, Tensor invStd, Tensor variance) {
        Tensor hm = toHost(mean), hi = toHost(invStd), hv = toHost(variance);
        Tensor y = HOST.batchNormTrain(toHost(x), toHost(gamma), toHost(beta), eps, hm, hi, hv);
        writeBack(mean, hm);
        writeBack(invStd, hi);
        writeBack(variance, hv);
        return fromHost(y);
    }

    @Override
    public Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps) {
        return fromHost(HOST.batchNormInference(toHost(x), toHost(gamma), toHost(beta), toHost(runningMean), toHost(runningVar), eps));
    }

    @Override
    public Tensor[] batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd) {
        Tensor[] g = HOST.batchNormBackward(toHost(dy), toHost(x), toHost(gamma), toHost(mean), toHost(invStd));
        return new Tensor[] {fromHost(g[0]), fromHost(g[1]), fromHost(g[2])};
    }

    @Override
    public void lerpInto(Tensor running, Tensor batch, float momentum) {
        runtime.launch("lerp_f32", addr(running, "lerpInto"), addr(batch, "lerpInto"), running.size(), momentum);
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        List<Tensor> host = new ArrayList<>();
        for (Tensor p : parts) host.add(toHost(p));
        return fromHost(HOST.concat(host, axis));
    }

    @Override public Tensor slice(Tensor x, int axis, int start, int length) { return fromHost(HOST.slice(toHost(x), axis, start, length)); }

    /** From a host data set: gathered on the host and copied over (on-device data sets gather with gather_rows_b32). */
    @Override
    public Tensor gatherRows(Tensor src, int[] indices, int from, int count) {
        if (src.device().kind() == Device.Kind.CPU) return fromHost(HOST.gatherRows(src, indices, from, count));
        if (src.dtype().byteSize() != 4) throw new IllegalArgumentException("gatherRows on the device needs 4-byte elements");
        // Only this batch's indices cross the bus (count ints), not the whole permutation.
        Tensor idx = fromHost(Tensor.ofInts(java.util.Arrays.copyOfRange(indices, from, from + count), count));
        Tensor out = dev(src.shape().withFirst(count), src.dtype());
        runtime.launch("gather_rows_b32", addr(src, "gatherRows"), addr(idx, "gatherRows"), addr(out, "gatherRows"), 0L, (long) count,
                src.shape().rowSize());
        return out;
    }

    // ---- optimizer updates ----

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov, float weightDecay) {
        runtime.launch("sgd_update_f32", addr(param, "sgd"), addr(grad, "sgd"), velocity == null ? 0L : addr(velocity, "sgd"), param.size(), lr,
                momentum, nesterov ? 1 : 0, weightDecay);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, long step,
                           float decoupledWeightDecay) {
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        runtime.launch("adam_update_f32", addr(param, "adam"), addr(grad, "adam"), addr(m, "adam"), addr(v, "adam"), param.size(), beta1, beta2, eps,
                (float) (lr * Math.sqrt(c2) / c1), lr * decoupledWeightDecay);
    }

    @Override
    public void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuf, float lr, float rho, float momentum, float eps) {
        runtime.launch("rmsprop_update_f32", addr(param, "rmsprop"), addr(grad, "rmsprop"), addr(meanSquare, "rmsprop"),
                momentumBuf == null ? 0L : addr(momentumBuf, "rmsprop"), param.size(), lr, rho, momentum, eps);
    }

    @Override public double sumOfSquares(Tensor x) { return reduce("sum_squares_f32", x); }

    @Override
    public boolean allFinite(Tensor x) {
        try (Arena a = Arena.ofConfined()) {
            // The flag starts at 1 (its low 4 bytes on a little-endian host) and the kernel clears it.
            return readBack(a, 1L, flag -> runtime.launch("all_finite_f32", addr(x, "allFinite"), x.size(), flag)).get(ValueLayout.JAVA_INT, 0) == 1;
        }
    }
}
