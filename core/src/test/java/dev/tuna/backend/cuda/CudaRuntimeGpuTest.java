package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import java.util.List;
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
        String reason = CudaRuntime.unusableReason(0);
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

    /** The GPU check's MLP epoch (784-64-10, Adam, batch 128, 50000 random rows) and device memory after 1 and 50 trainings. */
    @Test
    void mlpEpochAndMemoryAcrossTrainingsForTheGpuCheck() {
        dev.tuna.backend.cuda.DeviceBackend be = new dev.tuna.backend.cuda.DeviceBackend(runtime, dev.tuna.tensor.Device.cuda(0));
        SplittableRandom rng = new SplittableRandom(3);
        java.lang.foreign.Arena data = java.lang.foreign.Arena.ofShared();
        int n = 50000, d = 784;
        Tensor x = Tensor.empty(dev.tuna.tensor.Shape.of(n, d), dev.tuna.tensor.DType.F32, data), y = Tensor.empty(dev.tuna.tensor.Shape.of(n), dev.tuna.tensor.DType.I32, data);
        for (long i = 0; i < (long) n * d; i++) x.setFloat(i, (float) rng.nextDouble());
        for (int i = 0; i < n; i++) y.setInt(i, rng.nextInt(10));
        try (dev.tuna.data.Dataset train = new dev.tuna.data.Dataset(x, y, 10, null, data)) {
            List<Double> epochMs = new java.util.ArrayList<>();
            long afterFirst = -1;
            for (int trial = 0; trial < 50; trial++) {
                try (dev.tuna.nn.Model m = dev.tuna.nn.Model.build(List.of(new dev.tuna.nn.Dense(64, "relu"), new dev.tuna.nn.OutputHead(10)),
                        dev.tuna.tensor.Shape.of(d), trial);
                     dev.tuna.train.Trainer t = new dev.tuna.train.Trainer(m, dev.tuna.optim.Optimizers.create("adam", java.util.Map.of(), m.arena()), be, trial)) {
                    int epochs = trial == 0 ? 4 : 1;
                    dev.tuna.train.History h = t.fit(trial == 0 ? train : train.split(0, 1280), null, epochs, 128, List.of(), dev.tuna.train.ProgressListener.SILENT);
                    if (trial == 0) for (int e = 1; e < epochs; e++) epochMs.add(h.series("time")[e] * 1000);
                }
                if (trial == 0) afterFirst = be.allocator().reservedBytes();
            }
            java.util.Collections.sort(epochMs);
            System.out.printf("tuna MLP epoch 784-64-10 Adam b128: %.0f ms%n", epochMs.get(epochMs.size() / 2));
            System.out.printf("tuna device memory after 1 and 50 trainings: %d and %d bytes%n", afterFirst, be.allocator().reservedBytes());
            assertEquals(afterFirst, be.allocator().reservedBytes(), "device memory after 50 trainings equals that after 1");
        }
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
