package dev.tuna.backend.cuda;

import dev.tuna.bindings.cublas.Cublas;
import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.bindings.nvrtc.Nvrtc;
import java.lang.foreign.MemorySegment;

/**
 * The real device: memory and copies through the driver API, tuna's kernels through {@link CudaKernels} (NVRTC and the
 * kernel cache), GEMM through cuBLAS in exact fp32 (TF32 stays an explicit opt-in). Everything runs on the default
 * stream of the device's primary context, in order.
 */
public final class CudaRuntime implements DeviceRuntime {
    private final CudaKernels kernels;
    private final MemorySegment blas;

    private CudaRuntime(CudaKernels kernels, MemorySegment blas) {
        this.kernels = kernels;
        this.blas = blas;
    }

    /** Why device {@code ordinal} cannot be opened, or null when its driver, NVRTC, cuBLAS and the device are all there. */
    public static String unusableReason(int ordinal) {
        if (!CudaDriver.isAvailable()) return "no CUDA driver (libcuda.so.1)";
        if (!Nvrtc.isAvailable()) return "NVRTC (libnvrtc.so) not found; tuna devices says where it looked";
        if (!Cublas.isAvailable()) return "cuBLAS (libcublas.so) not found; tuna devices says where it looked";
        try {
            CudaDriver.cuInit(0);
            int count = CudaDriver.cuDeviceGetCount();
            if (count == 0) return "the CUDA driver sees no GPU";
            if (ordinal >= count) return "there are " + count + " GPUs (cuda:0 to cuda:" + (count - 1) + ")";
        } catch (RuntimeException e) {
            return "the CUDA driver does not start: " + e.getMessage();
        }
        return null;
    }

    /** Opens device {@code ordinal}: compiles or loads the kernels, creates a cuBLAS handle. */
    public static CudaRuntime open(int ordinal) {
        int[] v = Nvrtc.version();
        CudaKernels k = CudaKernels.open(ordinal, new KernelCache(KernelCache.defaultDir(), CudaKernels.nvrtc(), "nvrtc " + v[0] + "." + v[1]));
        try {
            MemorySegment h = Cublas.cublasCreate();
            Cublas.cublasSetMathMode(h, Cublas.DEFAULT_MATH);
            return new CudaRuntime(k, h);
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
    }

    public String arch() { return kernels.arch(); }

    /**
     * The context this thread last made current, whichever runtime did: the driver's current context is per thread,
     * and a thread may drive several GPUs (the opening thread, a tuner worker), so a runtime checks that the context
     * current is its own rather than whether it ever set it. Code that pushes another context pops it again.
     */
    private static final ThreadLocal<MemorySegment> CURRENT = new ThreadLocal<>();

    private void ctx() {
        MemorySegment mine = kernels.context();
        MemorySegment now = CURRENT.get();
        if (now == null || now.address() != mine.address()) {
            CudaDriver.cuCtxSetCurrent(mine);
            CURRENT.set(mine);
        }
    }

    @Override public long malloc(long bytes) { ctx(); return CudaDriver.cuMemAlloc(bytes); }
    @Override public void free(long address) { ctx(); CudaDriver.cuMemFree(address); }
    @Override public void copyToDevice(MemorySegment host, long device, long bytes) { ctx(); CudaDriver.cuMemcpyHtoD(device, host, bytes); }
    @Override public void copyToHost(long device, MemorySegment host, long bytes) { ctx(); CudaDriver.cuMemcpyDtoH(host, device, bytes); }
    @Override public void launch(String kernel, Object... args) { ctx(); kernels.launch(kernel, args); }

    /** Row-major C = op(A) op(B) + beta C is column-major C^T = op(B)^T op(A)^T: the operands swap, the flags stay. */
    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        ctx();
        Cublas.cublasSgemm(blas, transB ? Cublas.OP_T : Cublas.OP_N, transA ? Cublas.OP_T : Cublas.OP_N, n, m, k, 1f, b, ldb, a, lda, beta, c, ldc);
    }

    @Override public void synchronize() { ctx(); CudaDriver.cuCtxSynchronize(); }

    @Override
    public void close() {
        Cublas.cublasDestroy(blas);
        kernels.close();
    }
}
