package dev.tuna.backend.cuda;

import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.bindings.nvrtc.Nvrtc;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The same checks as {@link KernelHostTest}, on a GPU: the kernels compiled by NVRTC, loaded through the driver API
 * and launched with a real grid, so launch geometry and atomics are exercised too. Tagged gpu; skipped with the
 * reason printed where there is no GPU, driver or NVRTC.
 */
@Tag("gpu")
class KernelGpuTest extends KernelChecks {
    private static CudaKernels kernels;

    @BeforeAll
    static void open() {
        String reason = CudaRuntime.unusableReason(0);
        if (reason != null) System.out.println("SKIPPED KernelGpuTest: " + reason);
        Assumptions.assumeTrue(reason == null, reason);
        int[] v = Nvrtc.version();
        kernels = CudaKernels.open(0, new KernelCache(KernelCache.defaultDir(), CudaKernels.nvrtc(), "nvrtc " + v[0] + "." + v[1]));
        System.out.println("KernelGpuTest: kernels compiled for " + kernels.arch());
    }

    @AfterAll
    static void close() {
        if (kernels != null) kernels.close();
    }

    /** Host segments go to device buffers and come back after the kernel; everything else is passed as it is. */
    @Override
    void call(String name, Object... args) {
        Object[] dev = new Object[args.length];
        long[] ptrs = new long[args.length];
        try {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof MemorySegment s) {
                    ptrs[i] = CudaDriver.cuMemAlloc(Math.max(4, s.byteSize()));
                    CudaDriver.cuMemcpyHtoD(ptrs[i], s, s.byteSize());
                    dev[i] = ptrs[i];
                } else {
                    dev[i] = args[i];
                }
            }
            kernels.launch(name, dev);
            CudaDriver.cuCtxSynchronize();
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof MemorySegment s) CudaDriver.cuMemcpyDtoH(s, ptrs[i], s.byteSize());
            }
        } finally {
            for (long p : ptrs) if (p != 0) CudaDriver.cuMemFree(p);
        }
    }
}
