package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.bindings.cublas.Cublas;
import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.tensor.HalfFloats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * cuBLAS through tuna's bindings on a GPU: row-major GEMMs (as C^T = B^T A^T in cuBLAS's column-major terms) in fp32 and
 * in f16/bf16 with f32 accumulation, against float64 on awkward sizes; then the GPU check's GEMM timing, 8192^3 in f16
 * and bf16 (median of 10 after 3 warm-ups, timed with events), printed as "tuna GEMM 8192^3 fp16: X TFLOP/s".
 */
@Tag("gpu")
class GemmGpuTest {
    private static MemorySegment handle;

    @BeforeAll
    static void open() {
        String reason = CudaRuntime.unusableReason(0);
        if (reason != null) System.out.println("SKIPPED GemmGpuTest: " + reason);
        Assumptions.assumeTrue(reason == null, reason);
        CudaDriver.cuCtxSetCurrent(CudaDriver.cuDevicePrimaryCtxRetain(CudaDriver.cuDeviceGet(0)));
        handle = Cublas.cublasCreate();
        System.out.println("GemmGpuTest: cuBLAS " + Cublas.cublasGetVersion(handle) + " from " + Cublas.libraryLocation().orElse("?"));
    }

    @AfterAll
    static void close() {
        if (handle != null) Cublas.cublasDestroy(handle);
    }

    private static long upload(Arena a, float[] v, int type) {
        MemorySegment host = type == Cublas.R_32F ? a.allocateFrom(ValueLayout.JAVA_FLOAT, v) : a.allocate(ValueLayout.JAVA_SHORT, v.length);
        if (type != Cublas.R_32F) {
            for (int i = 0; i < v.length; i++) host.setAtIndex(ValueLayout.JAVA_SHORT, i, type == Cublas.R_16F ? HalfFloats.toF16(v[i]) : HalfFloats.toBF16(v[i]));
        }
        long d = CudaDriver.cuMemAlloc(host.byteSize());
        CudaDriver.cuMemcpyHtoD(d, host, host.byteSize());
        return d;
    }

    private static float round(float f, int type) {
        return switch (type) {
            case Cublas.R_16F -> HalfFloats.fromF16(HalfFloats.toF16(f));
            case Cublas.R_16BF -> HalfFloats.fromBF16(HalfFloats.toBF16(f));
            default -> f;
        };
    }

    @Test
    void rowMajorGemmsMatchFloat64() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        for (int type : new int[] {Cublas.R_32F, Cublas.R_16F, Cublas.R_16BF}) {
            int m = 1 + rng.nextInt(130), k = 1 + rng.nextInt(130), n = 1 + rng.nextInt(130);
            float[] a = new float[m * k], b = new float[k * n];
            for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) rng.nextGaussian();
            try (Arena ar = Arena.ofConfined()) {
                long da = upload(ar, a, type), db = upload(ar, b, type), dc = CudaDriver.cuMemAlloc((long) m * n * 4);
                try {
                    // Row-major C[m, n] = A[m, k] B[k, n] is column-major C^T[n, m] = B^T[n, k] A^T[k, m].
                    if (type == Cublas.R_32F) {
                        Cublas.cublasSgemm(handle, Cublas.OP_N, Cublas.OP_N, n, m, k, 1f, db, n, da, k, 0f, dc, n);
                    } else {
                        Cublas.cublasGemmEx(handle, Cublas.OP_N, Cublas.OP_N, n, m, k, 1f, db, type, n, da, type, k, 0f, dc, Cublas.R_32F, n,
                                Cublas.COMPUTE_32F);
                    }
                    MemorySegment c = ar.allocate(ValueLayout.JAVA_FLOAT, (long) m * n);
                    CudaDriver.cuMemcpyDtoH(c, dc, c.byteSize());
                    double worst = 0;
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double ref = 0, mag = 0;
                            for (int q = 0; q < k; q++) {
                                double p = (double) round(a[i * k + q], type) * round(b[q * n + j], type);
                                ref += p;
                                mag += Math.abs(p);
                            }
                            worst = Math.max(worst, Math.abs(c.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j) - ref) / (mag + 1e-6));
                        }
                    }
                    assertTrue(worst < 1e-5, "type " + type + " " + m + "x" + k + "x" + n + ": worst relative error " + worst);
                } finally {
                    CudaDriver.cuMemFree(da);
                    CudaDriver.cuMemFree(db);
                    CudaDriver.cuMemFree(dc);
                }
            }
        }
    }

    @Test
    void gemm8192TimingsForTheGpuCheck() {
        int n = 8192;
        long bytes = (long) n * n * 2;
        for (int type : new int[] {Cublas.R_16F, Cublas.R_16BF}) {
            long a = CudaDriver.cuMemAlloc(bytes), b = CudaDriver.cuMemAlloc(bytes), c = CudaDriver.cuMemAlloc(bytes);
            MemorySegment start = CudaDriver.cuEventCreate(0), end = CudaDriver.cuEventCreate(0);
            try {
                CudaDriver.cuMemsetD32(a, 0x3c003c00, bytes / 4); // 1.0 in f16, 2^-7 in bf16: the values do not change the speed
                CudaDriver.cuMemsetD32(b, 0x3c003c00, bytes / 4);
                List<Float> ms = new ArrayList<>();
                for (int r = 0; r < 13; r++) {
                    CudaDriver.cuEventRecord(start, MemorySegment.NULL);
                    Cublas.cublasGemmEx(handle, Cublas.OP_N, Cublas.OP_N, n, n, n, 1f, b, type, n, a, type, n, 0f, c, type, n, Cublas.COMPUTE_32F);
                    CudaDriver.cuEventRecord(end, MemorySegment.NULL);
                    CudaDriver.cuEventSynchronize(end);
                    if (r >= 3) ms.add(CudaDriver.cuEventElapsedTime(start, end));
                }
                Collections.sort(ms);
                double median = (ms.get(4) + ms.get(5)) / 2.0;
                double tflops = 2.0 * n * n * (double) n / (median / 1000) / 1e12;
                System.out.printf("tuna GEMM 8192^3 %s: %.1f TFLOP/s%n", type == Cublas.R_16F ? "fp16" : "bf16", tflops);
                assertTrue(tflops > 1, "a GEMM this size runs at more than 1 TFLOP/s on any data-centre GPU: " + tflops);
            } finally {
                CudaDriver.cuEventDestroy(start);
                CudaDriver.cuEventDestroy(end);
                CudaDriver.cuMemFree(a);
                CudaDriver.cuMemFree(b);
                CudaDriver.cuMemFree(c);
            }
        }
    }
}
