package dev.tuna.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.cuda.CudaRuntime;
import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.bindings.nccl.Nccl;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.HalfFloats;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NCCL on the GPU (tag gpu): a one-rank group made through ncclCommInitRank (the multi-process path, with a one-rank
 * bootstrap) and one rank per visible GPU through ncclCommInitAll; SUM and MEAN in f32 and bf16 on fresh random inputs
 * of awkward sizes against a float64 reference; then the GPU check's line, the all-reduce bandwidth for 25 MiB.
 */
@Tag("gpu")
class NcclGpuTest {
    private static final int[] SIZES = {1, 13, 207, 4098, (1 << 20) + 3};
    private static int gpus;

    @BeforeAll
    static void needsGpuAndNccl() {
        String reason = CudaRuntime.unusableReason(0);
        if (reason == null && !Nccl.isAvailable()) reason = Nccl.unavailableReason().orElse("NCCL not found");
        if (reason != null) System.out.println("SKIPPED NcclGpuTest: " + reason);
        Assumptions.assumeTrue(reason == null, reason);
        gpus = CudaDriver.cuDeviceGetCount();
        System.out.println("NcclGpuTest: NCCL " + Nccl.versionString(Nccl.ncclGetVersion()) + " from " + Nccl.libraryLocation().orElse("?")
                + ", " + gpus + " GPU(s)");
    }

    /** Element i of rank r's input, rounded to the dtype as it is stored. */
    private static float[][] inputs(SplittableRandom rng, int ranks, int n, DType dtype) {
        float[][] x = new float[ranks][n];
        for (float[] row : x) for (int i = 0; i < n; i++) row[i] = round((float) rng.nextGaussian(), dtype);
        return x;
    }

    private static float round(float v, DType dtype) {
        return dtype == DType.BF16 ? HalfFloats.fromBF16(HalfFloats.toBF16(v)) : v;
    }

    /** A device tensor on cuda:device holding v in dtype (the caller has that device's context current). */
    private static Tensor upload(float[] v, DType dtype, int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate((long) v.length * dtype.byteSize());
            for (int i = 0; i < v.length; i++) {
                if (dtype == DType.BF16) host.setAtIndex(ValueLayout.JAVA_SHORT, i, HalfFloats.toBF16(v[i]));
                else host.setAtIndex(ValueLayout.JAVA_FLOAT, i, v[i]);
            }
            long d = CudaDriver.cuMemAlloc(host.byteSize());
            CudaDriver.cuMemcpyHtoD(d, host, host.byteSize());
            return new Tensor(Shape.of(v.length), dtype, Device.cuda(device), MemorySegment.ofAddress(d).reinterpret(host.byteSize()));
        }
    }

    private static float[] download(Tensor t) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(t.size() * t.dtype().byteSize());
            CudaDriver.cuMemcpyDtoH(host, t.data().address(), host.byteSize());
            float[] out = new float[(int) t.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.dtype() == DType.BF16 ? HalfFloats.fromBF16(host.getAtIndex(ValueLayout.JAVA_SHORT, i)) : host.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            }
            return out;
        }
    }

    private static void withDevice(int device, Runnable r) {
        CudaDriver.cuCtxPushCurrent(CudaDriver.cuDevicePrimaryCtxRetain(CudaDriver.cuDeviceGet(device)));
        try {
            r.run();
        } finally {
            CudaDriver.cuCtxPopCurrent();
            CudaDriver.cuDevicePrimaryCtxRelease(CudaDriver.cuDeviceGet(device));
        }
    }

    /**
     * Every rank's result against the float64 sum (or mean) of the stored inputs. NCCL may add in any order and, in
     * bf16, round after each of the n - 1 additions: a tolerance of n roundings of the dtype, relative to the sum of
     * magnitudes, plus a small absolute floor for sums that cancel.
     */
    private static void check(float[][] in, List<float[]> out, Communicator.Op op, DType dtype, String what) {
        int ranks = in.length;
        double eps = dtype == DType.BF16 ? 0x1p-8 : 0x1p-24;
        for (int r = 0; r < ranks; r++) {
            float[] got = out.get(r);
            for (int i = 0; i < got.length; i++) {
                double ref = 0, mag = 0;
                for (float[] row : in) {
                    ref += row[i];
                    mag += Math.abs(row[i]);
                }
                if (op == Communicator.Op.MEAN) {
                    ref /= ranks;
                    mag /= ranks;
                }
                double tol = 1e-6 + 2 * ranks * eps * mag;
                if (Math.abs(got[i] - ref) > tol) {
                    throw new AssertionError(what + ": rank " + r + " element " + i + " is " + got[i] + ", float64 says " + ref + " (tolerance " + tol + ")");
                }
            }
            // The contract: identical bit for bit on every rank.
            for (int i = 0; i < got.length; i++) {
                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(out.getFirst()[i])) {
                    throw new AssertionError(what + ": rank " + r + " element " + i + " differs from rank 0's");
                }
            }
        }
    }

    @Test
    void oneRankThroughCommInitRankSumsAndAveragesLikeFloat64() {
        long seed = System.nanoTime();
        System.out.println("NcclGpuTest one rank seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        try (NcclCommunicator c = NcclCommunicator.overProcesses(HostGroup.of(1).getFirst(), 0)) {
            assertEquals(0, c.rank());
            assertEquals(1, c.size());
            assertTrue(c.describe().matches("NCCL \\d+\\.\\d+\\.\\d+, rank 0 of 1 on cuda:0"), c.describe());
            withDevice(0, () -> {
                for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                    for (Communicator.Op op : Communicator.Op.values()) {
                        for (int n : SIZES) {
                            float[][] in = inputs(rng, 1, n, dtype);
                            Tensor t = upload(in[0], dtype, 0);
                            try {
                                c.allReduce(t, op);
                                check(in, List.of(download(t)), op, dtype, dtype.id() + " " + op + " of " + n + " (seed " + seed + ")");
                            } finally {
                                CudaDriver.cuMemFree(t.data().address());
                            }
                        }
                    }
                }
                c.barrier();
            });
        }
    }

    @Test
    void commInitAllOverEveryVisibleGpu() {
        long seed = System.nanoTime();
        System.out.println("NcclGpuTest " + gpus + " ranks seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        List<NcclCommunicator> comms = NcclCommunicator.forDevices(gpus);
        try {
            for (int r = 0; r < gpus; r++) {
                assertEquals(r, comms.get(r).rank());
                assertEquals(Device.cuda(r), comms.get(r).device());
            }
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                for (Communicator.Op op : Communicator.Op.values()) {
                    for (int n : SIZES) {
                        float[][] in = inputs(rng, gpus, n, dtype);
                        List<Tensor> ts = new ArrayList<>();
                        for (int r = 0; r < gpus; r++) {
                            int rr = r;
                            withDevice(r, () -> ts.add(upload(in[rr], dtype, rr)));
                        }
                        try {
                            NcclCommunicator.allReduce(comms, ts, op);
                            List<float[]> out = new ArrayList<>();
                            for (int r = 0; r < gpus; r++) {
                                int rr = r;
                                withDevice(r, () -> out.add(download(ts.get(rr))));
                            }
                            check(in, out, op, dtype, gpus + " ranks, " + dtype.id() + " " + op + " of " + n + " (seed " + seed + ")");
                        } finally {
                            for (int r = 0; r < gpus; r++) {
                                int rr = r;
                                withDevice(r, () -> CudaDriver.cuMemFree(ts.get(rr).data().address()));
                            }
                        }
                    }
                }
            }
        } finally {
            for (NcclCommunicator c : comms) c.close();
        }
    }

    @Test
    void allReduceBandwidthForTheGpuCheck() {
        bandwidth(1);
        if (gpus > 1) bandwidth(gpus);
    }

    /**
     * 25 MiB of f32 all-reduced in place, median of 20 after 5 warm-ups, timed by events on cuda:0's compute stream
     * around the whole collective. As nccl-tests define them: algbw = bytes / time; busbw = algbw * 2(n-1)/n, the
     * bandwidth each link would need for a ring, which is 0 for one rank (nothing crosses a link).
     */
    private static void bandwidth(int ranks) {
        long bytes = 25L << 20;
        int n = (int) (bytes / 4);
        List<NcclCommunicator> comms = NcclCommunicator.forDevices(ranks);
        List<Tensor> ts = new ArrayList<>();
        try {
            for (int r = 0; r < ranks; r++) {
                int rr = r;
                withDevice(r, () -> {
                    long d = CudaDriver.cuMemAlloc(bytes);
                    CudaDriver.cuMemsetD32(d, Float.floatToRawIntBits(1f), n);
                    ts.add(new Tensor(Shape.of(n), DType.F32, Device.cuda(rr), MemorySegment.ofAddress(d).reinterpret(bytes)));
                });
            }
            List<Float> ms = new ArrayList<>();
            withDevice(0, () -> {
                MemorySegment start = CudaDriver.cuEventCreate(0), end = CudaDriver.cuEventCreate(0);
                try {
                    for (int i = 0; i < 25; i++) {
                        CudaDriver.cuEventRecord(start, MemorySegment.NULL);
                        NcclCommunicator.allReduce(comms, ts, Communicator.Op.SUM);
                        CudaDriver.cuEventRecord(end, MemorySegment.NULL);
                        CudaDriver.cuEventSynchronize(end);
                        if (i >= 5) ms.add(CudaDriver.cuEventElapsedTime(start, end));
                    }
                } finally {
                    CudaDriver.cuEventDestroy(start);
                    CudaDriver.cuEventDestroy(end);
                }
            });
            Collections.sort(ms);
            double seconds = ms.get(ms.size() / 2) / 1e3;
            double algbw = bytes / seconds / 1e9, busbw = algbw * 2 * (ranks - 1) / ranks;
            String version = Nccl.versionString(Nccl.ncclGetVersion());
            if (ranks == 1) {
                System.out.printf("tuna NCCL all-reduce 25 MiB f32, 1 rank: algbw %.1f GB/s, busbw 0 (2(n-1)/n is 0 for n=1; NCCL %s, median of 20)%n",
                        algbw, version);
            } else {
                System.out.printf("tuna NCCL all-reduce 25 MiB f32, %d ranks: algbw %.1f GB/s, busbw %.1f GB/s (NCCL %s, median of 20)%n",
                        ranks, algbw, busbw, version);
            }
        } finally {
            for (int r = 0; r < ts.size(); r++) {
                int rr = r;
                withDevice(r, () -> CudaDriver.cuMemFree(ts.get(rr).data().address()));
            }
            for (NcclCommunicator c : comms) c.close();
        }
    }
}
