package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.bindings.cublas.Cublas;
import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.bindings.nvrtc.Nvrtc;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real device runtime (tag gpu): row-major GEMM in all four transpose modes, and the caching allocator's flat memory. */
@Tag("gpu")
class CudaRuntimeGpuTest {
    private static CudaRuntime runtime;

    @BeforeAll
    static void open() {
        String reason = null;
        try {
            if (!CudaDriver.isAvailable()) reason = "no CUDA driver library";
            else if (!Cublas.isAvailable() || !Nvrtc.isAvailable()) reason = "no cuBLAS or NVRTC library";
            else {
                CudaDriver.cuInit(0);
                if (CudaDriver.cuDeviceGetCount() == 0) reason = "no GPU";
            }
        } catch (RuntimeException e) {
            reason = "the CUDA driver does not start: " + e.getMessage();
        }
        if (reason != null) System.out.println("SKIPPED CudaRuntimeGpuTest: " + reason);
        Assumptions.assumeTrue(reason == null, reason);
        runtime = CudaRuntime.open(0);
    }

    @AfterAll
    static void close() {
        if (runtime != null) runtime.close();
    }

    @Test
    void rowMajorGemmInEveryTransposeModeMatchesTheCpu() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        DeviceAllocator alloc = new DeviceAllocator(runtime);
        try (StepArena arena = new StepArena(1 << 22); MemoryScope s = MemoryScope.step(arena)) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    int m = 1 + rng.nextInt(90), n = 1 + rng.nextInt(90), k = 1 + rng.nextInt(90);
                    Tensor a = KernelChecks.random(rng, -1, 1, ta ? k : m, ta ? m : k), b = KernelChecks.random(rng, -1, 1, tb ? n : k, tb ? k : n);
                    Tensor ref = Backends.cpu().matmul(a, ta, b, tb), got = Tensor.empty(ref.shape(), ref.dtype());
                    long da = alloc.allocate(a.data().byteSize()), db = alloc.allocate(b.data().byteSize()), dc = alloc.allocate(ref.data().byteSize());
                    runtime.copyToDevice(a.data(), da, a.data().byteSize());
                    runtime.copyToDevice(b.data(), db, b.data().byteSize());
                    runtime.gemm(ta, tb, m, n, k, da, a.dim(1), db, b.dim(1), 0f, dc, n);
                    runtime.copyToHost(dc, got.data(), got.data().byteSize());
                    for (long i = 0; i < ref.size(); i++) {
                        assertEquals(ref.getFloat(i), got.getFloat(i), 1e-4, "transA " + ta + ", transB " + tb + ", element " + i);
                    }
                    alloc.release(da);
                    alloc.release(db);
                    alloc.release(dc);
                }
            }
        }
        alloc.closeAll();
    }

    @Test
    void deviceMemoryIsFlatAcrossFiftyTrials() {
        DeviceAllocator alloc = new DeviceAllocator(runtime);
        long afterFirst = -1;
        for (int trial = 0; trial < 50; trial++) {
            SplittableRandom rng = new SplittableRandom(1); // the same training each trial, as a study's trials of one model are
            for (int step = 0; step < 20; step++) {
                try (DeviceAllocator.Step s = alloc.step()) {
                    for (int t = 0; t < 10; t++) s.allocate(1 + rng.nextLong(16L << 20));
                }
            }
            if (trial == 0) afterFirst = alloc.reservedBytes();
            assertEquals(afterFirst, alloc.reservedBytes(), "trial " + (trial + 1));
        }
        System.out.printf("device memory held by the allocator after trial 1 and after trial 50: %d and %d bytes%n", afterFirst, alloc.reservedBytes());
        alloc.closeAll();
        assertTrue(alloc.reservedBytes() == 0);
    }
}
