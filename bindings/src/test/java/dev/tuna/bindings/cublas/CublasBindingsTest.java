package dev.tuna.bindings.cublas;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.bindings.NativeLibraryException;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** cuBLAS's bindings against cublas_api.h's prototypes (where installed), and what a machine without cuBLAS is told. */
class CublasBindingsTest {
    private static final Pattern PROTOTYPE = Pattern.compile("cublasStatus_t\\s+CUBLASWINAPI\\s+(cublas\\w+)\\s*\\(([^)]*)\\)\\s*;");
    private static final Set<String> INTS = Set.of("int", "cublasOperation_t", "cudaDataType", "cudaDataType_t", "cublasComputeType_t",
            "cublasGemmAlgo_t", "cublasMath_t");

    static Map<String, FunctionDescriptor> prototypes(String header) {
        Map<String, FunctionDescriptor> out = new HashMap<>();
        Matcher m = PROTOTYPE.matcher(header.replaceAll("/\\*.*?\\*/", ""));
        while (m.find()) {
            List<MemoryLayout> args = new ArrayList<>();
            for (String p : m.group(2).replaceAll("\\s+", " ").trim().split(",")) {
                p = p.trim().replace("const ", "");
                if (p.contains("*") || p.startsWith("cublasHandle_t") || p.startsWith("cudaStream_t")) {
                    args.add(ADDRESS);
                    continue;
                }
                String type = p.substring(0, p.lastIndexOf(' ')).trim();
                if (INTS.contains(type)) args.add(JAVA_INT);
                else if (type.equals("long long int") || type.equals("long long") || type.equals("size_t") || type.equals("int64_t")) args.add(JAVA_LONG);
                else throw new IllegalArgumentException("unexpected parameter type '" + type + "' in " + m.group(1));
            }
            out.putIfAbsent(m.group(1), FunctionDescriptor.of(JAVA_INT, args.toArray(MemoryLayout[]::new)));
        }
        return out;
    }

    static Optional<Path> locate() { return dev.tuna.bindings.HeaderFiles.locate("cublas_api.h"); }

    @Test
    void everyBindingMatchesCublasApiH() throws IOException {
        Optional<Path> h = locate();
        String reason = "cublas_api.h not found ($CUDA_HOME/include, /usr/local/cuda*/include, /usr/include): skipping the check of Cublas's bindings against the header";
        if (h.isEmpty()) System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(h.isPresent(), reason);
        Map<String, FunctionDescriptor> proto = prototypes(Files.readString(h.get()));
        List<String> problems = new ArrayList<>();
        for (dev.tuna.bindings.Binding b : Cublas.bindings()) {
            FunctionDescriptor d = proto.get(b.symbol());
            if (d == null) problems.add(b.symbol() + ": not declared in " + h.get());
            else if (!d.equals(b.descriptor())) problems.add(b.symbol() + ": bound as " + b.descriptor() + ", the header says " + d);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void thePrototypeReaderAgreesOnTheGemmsAsTheHeaderWritesThem() {
        Map<String, FunctionDescriptor> p = prototypes("""
                CUBLASAPI cublasStatus_t CUBLASWINAPI cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                    int m, int n, int k, const float* alpha, /* host or device pointer */ const float* A, int lda,
                    const float* B, int ldb, const float* beta, float* C, int ldc);
                CUBLASAPI cublasStatus_t CUBLASWINAPI cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa,
                    cublasOperation_t transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda,
                    const void* B, cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc,
                    cublasComputeType_t computeType, cublasGemmAlgo_t algo);
                CUBLASAPI cublasStatus_t CUBLASWINAPI cublasSetWorkspace_v2(cublasHandle_t handle, void* workspace, size_t workspaceSizeInBytes);
                """);
        assertEquals(Cublas.SGEMM.descriptor(), p.get("cublasSgemm_v2"));
        assertEquals(Cublas.GEMM_EX.descriptor(), p.get("cublasGemmEx"));
        assertEquals(Cublas.SET_WORKSPACE.descriptor(), p.get("cublasSetWorkspace_v2"));
        assertEquals("CUBLAS_STATUS_ARCH_MISMATCH", Cublas.statusName(8));
    }

    @Test
    void withoutTheLibraryTheMessageSaysWhereItLookedAndWhatToDo() {
        Assumptions.assumeFalse(Cublas.isAvailable(), "cuBLAS is installed here; this checks the message on a machine without it");
        NativeLibraryException e = assertThrows(NativeLibraryException.class, Cublas::cublasCreate);
        assertTrue(e.getMessage().contains("libcublas.so") && e.getMessage().contains("tuna.cuda.libs"), e.getMessage());
    }
}
