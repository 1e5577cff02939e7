package dev.tuna.backend.cuda;

import java.lang.foreign.MemorySegment;

/**
 * What the GPU backend needs from a device: raw memory, copies, kernel launches by name and GEMM. {@link CudaRuntime}
 * is the real one (driver API, NVRTC-compiled kernels, cuBLAS); tests supply others (a counting fake, or the kernels
 * compiled for the host), so that everything above this line is tested without a GPU.
 */
public interface DeviceRuntime extends AutoCloseable {
    /** Device memory of at least {@code bytes}; its address. */
    long malloc(long bytes);

    void free(long address);

    void copyToDevice(MemorySegment host, long device, long bytes);

    void copyToHost(long device, MemorySegment host, long bytes);

    /** Launches a kernel of {@link KernelCache#FILES} by name: arguments are longs (also device pointers), ints and floats. */
    void launch(String kernel, Object... args);

    /** Row-major f32 C[m, n] = op(A) op(B) + beta C, with leading dimensions in elements. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, long a, int lda, long b, int ldb, float beta, long c, int ldc);

    /** Waits for everything launched so far. */
    void synchronize();

    @Override
    void close();
}
