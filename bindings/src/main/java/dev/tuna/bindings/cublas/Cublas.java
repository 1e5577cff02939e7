package dev.tuna.bindings.cublas;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tuna.bindings.Binding;
import dev.tuna.bindings.BindingTable;
import dev.tuna.bindings.LibraryLocator;
import dev.tuna.bindings.LoadedLibrary;
import dev.tuna.bindings.NativeLibraryException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * Thin, checked FFM bindings to cuBLAS ({@code libcublas.so}) for GEMM: handles, streams, workspaces, math mode (TF32
 * only as an explicit opt-in), fp32 SGEMM, and GemmEx / strided-batched GemmEx for f16 and bf16 inputs with f32
 * accumulation. cuBLAS is column-major; callers pass row-major matrices by computing C^T = B^T A^T. C names kept,
 * symbols as cublas_api.h #defines them (the _v2 forms); every cublasStatus_t is checked.
 */
public final class Cublas {
    private Cublas() {}

    public static final int OP_N = 0, OP_T = 1;
    /** cudaDataType values. */
    public static final int R_32F = 0, R_16F = 2, R_16BF = 14;
    /** cublasComputeType_t values. */
    public static final int COMPUTE_32F = 68, COMPUTE_32F_FAST_TF32 = 77;
    /** cublasGemmAlgo_t: let cuBLAS choose. */
    public static final int GEMM_DEFAULT = -1;
    /** cublasMath_t values. */
    public static final int DEFAULT_MATH = 0, TF32_TENSOR_OP_MATH = 3;

    private static final BindingTable TABLE = new BindingTable();

    private static Binding bind(String name, String symbol, MemoryLayout... args) { return TABLE.add(name, symbol, args); }

    static final Binding CREATE = bind("cublasCreate", "cublasCreate_v2", ADDRESS);
    static final Binding DESTROY = bind("cublasDestroy", "cublasDestroy_v2", ADDRESS);
    static final Binding GET_VERSION = bind("cublasGetVersion", "cublasGetVersion_v2", ADDRESS, ADDRESS);
    static final Binding SET_STREAM = bind("cublasSetStream", "cublasSetStream_v2", ADDRESS, ADDRESS);
    static final Binding SET_WORKSPACE = bind("cublasSetWorkspace", "cublasSetWorkspace_v2", ADDRESS, ADDRESS, JAVA_LONG);
    static final Binding SET_MATH_MODE = bind("cublasSetMathMode", "cublasSetMathMode", ADDRESS, JAVA_INT);
    static final Binding SGEMM = bind("cublasSgemm", "cublasSgemm_v2", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    static final Binding GEMM_EX = bind("cublasGemmEx", "cublasGemmEx", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    static final Binding GEMM_STRIDED_BATCHED_EX = bind("cublasGemmStridedBatchedEx", "cublasGemmStridedBatchedEx", ADDRESS, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG,
            ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT);

    public static List<Binding> bindings() { return TABLE.all(); }

    private static final LoadedLibrary LIBRARY = new LoadedLibrary(LibraryLocator.Library.CUBLAS, "cuBLAS",
            "it comes with the CUDA toolkit or PyTorch's nvidia-cublas wheel", "cuBLAS 12 or newer is needed");

    public static boolean isAvailable() { return LIBRARY.isAvailable(); }

    public static Optional<String> libraryLocation() { return LIBRARY.location(); }

    /** cublasStatus_t names (cublas_api.h). */
    public static String statusName(int s) {
        return switch (s) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "CUBLAS_STATUS unknown (" + s + ")";
        };
    }

    private static void call(Binding b, Object... args) {
        int r = LIBRARY.call(b, args);
        if (r != 0) throw new NativeLibraryException(b.symbol() + " failed: " + statusName(r) + " (" + r + ")");
    }

    public static MemorySegment cublasCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            call(CREATE, out);
            return out.get(ADDRESS, 0);
        }
    }

    public static void cublasDestroy(MemorySegment handle) { call(DESTROY, handle); }

    public static int cublasGetVersion(MemorySegment handle) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            call(GET_VERSION, handle, out);
            return out.get(JAVA_INT, 0);
        }
    }

    public static void cublasSetStream(MemorySegment handle, MemorySegment stream) { call(SET_STREAM, handle, stream); }

    public static void cublasSetWorkspace(MemorySegment handle, long workspace, long bytes) {
        call(SET_WORKSPACE, handle, MemorySegment.ofAddress(workspace), bytes);
    }

    /** TF32 tensor-core math for fp32 GEMMs is an explicit opt-in: mode TF32_TENSOR_OP_MATH; DEFAULT_MATH is exact fp32. */
    public static void cublasSetMathMode(MemorySegment handle, int mode) { call(SET_MATH_MODE, handle, mode); }

    /** Column-major C = alpha op(A) op(B) + beta C in fp32; pointers are device addresses, alpha and beta host values. */
    public static void cublasSgemm(MemorySegment handle, int transa, int transb, int m, int n, int k, float alpha, long a, int lda,
                                   long b, int ldb, float beta, long c, int ldc) {
        try (Arena ar = Arena.ofConfined()) {
            call(SGEMM, handle, transa, transb, m, n, k, ar.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), lda,
                    MemorySegment.ofAddress(b), ldb, ar.allocateFrom(JAVA_FLOAT, beta), MemorySegment.ofAddress(c), ldc);
        }
    }

    /** GemmEx with f32 alpha/beta and compute type (COMPUTE_32F for f16/bf16 inputs accumulated in f32). */
    public static void cublasGemmEx(MemorySegment handle, int transa, int transb, int m, int n, int k, float alpha, long a, int atype,
                                    int lda, long b, int btype, int ldb, float beta, long c, int ctype, int ldc, int computeType) {
        try (Arena ar = Arena.ofConfined()) {
            call(GEMM_EX, handle, transa, transb, m, n, k, ar.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a), atype, lda,
                    MemorySegment.ofAddress(b), btype, ldb, ar.allocateFrom(JAVA_FLOAT, beta), MemorySegment.ofAddress(c), ctype, ldc,
                    computeType, GEMM_DEFAULT);
        }
    }

    public static void cublasGemmStridedBatchedEx(MemorySegment handle, int transa, int transb, int m, int n, int k, float alpha, long a,
                                                  int atype, int lda, long strideA, long b, int btype, int ldb, long strideB, float beta,
                                                  long c, int ctype, int ldc, long strideC, int batch, int computeType) {
        try (Arena ar = Arena.ofConfined()) {
            call(GEMM_STRIDED_BATCHED_EX, handle, transa, transb, m, n, k, ar.allocateFrom(JAVA_FLOAT, alpha), MemorySegment.ofAddress(a),
                    atype, lda, strideA, MemorySegment.ofAddress(b), btype, ldb, strideB, ar.allocateFrom(JAVA_FLOAT, beta),
                    MemorySegment.ofAddress(c), ctype, ldc, strideC, batch, computeType, GEMM_DEFAULT);
        }
    }
}
