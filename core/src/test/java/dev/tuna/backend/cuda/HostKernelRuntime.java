package dev.tuna.backend.cuda;

import dev.tuna.backend.Backends;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

/**
 * A "device" in host memory whose kernels are tuna's .cu files compiled for the host, and whose GEMM is the CPU
 * backend's: the {@link DeviceBackend} runs on it exactly as it would on a GPU (every argument marshalled, every copy
 * made), so its logic is tested without one. It counts what it holds so tests can check for leaks.
 */
final class HostKernelRuntime implements DeviceRuntime {
    private final HostKernels kernels;
    private final Arena arena = Arena.ofShared();
    private final Map<Long, Long> blocks = new HashMap<>();
    long held, mallocs, launches, bytesIn;

    HostKernelRuntime(HostKernels kernels) { this.kernels = kernels; }

    @Override
    public synchronized long malloc(long bytes) {
        long a = arena.allocate(bytes, 256).address();
        blocks.put(a, bytes);
        held += bytes;
        mallocs++;
        return a;
    }

    @Override
    public synchronized void free(long address) {
        Long b = blocks.remove(address);
        if (b == null) throw new AssertionError("free of 0x" + Long.toHexString(address) + ", which is not a live block");
        held -= b;
    }

    private static MemorySegment at(long address, long bytes) { return MemorySegment.ofAddress(address).reinterpret(bytes); }

    @Override
    public synchronized void copyToDevice(MemorySegment host, long device, long bytes) {
        bytesIn += bytes;
        MemorySegment.copy(host, 0, at(device, bytes), 0, bytes);
    }
    @Override public void copyToHost(long device, MemorySegment host, long bytes) { MemorySegment.copy(at(device, bytes), 0, host, 0, bytes); }

    @Override
    public void launch(String kernel, Object... args) {
        launches++;
        kernels.call(kernel, args);
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        Shape as = transA ? Shape.of(k, m) : Shape.of(m, k), bs = transB ? Shape.of(n, k) : Shape.of(k, n);
        if (lda != as.dim(1) || ldb != bs.dim(1) || ldc != n) throw new AssertionError("the host runtime takes contiguous matrices only");
        Tensor ta = new Tensor(as, DType.F32, Device.CPU, at(a, as.size() * 4L)), tb = new Tensor(bs, DType.F32, Device.CPU, at(b, bs.size() * 4L));
        Tensor tc = new Tensor(Shape.of(m, n), DType.F32, Device.CPU, at(c, (long) m * n * 4));
        Backends.cpu().matmulInto(ta, transA, tb, transB, tc, beta);
    }

    @Override public void synchronize() {}

    @Override public void close() { arena.close(); }
}
