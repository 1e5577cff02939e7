package dev.tuna.bindings.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every CudaDriver binding's symbol and descriptor agree with cuda.h. */
class CudaDriverHeaderTest {
    static CudaHeader header() {
        Optional<Path> h = CudaHeader.locate();
        String reason = "cuda.h not found ($CUDA_HOME/include, /usr/local/cuda-13.0/include, /usr/local/cuda*/include): "
                + "skipping the check of CudaDriver's bindings against the header";
        if (h.isEmpty()) System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(h.isPresent(), reason);
        String text = CudaHeader.readOrNull(h.get());
        if (text == null) System.out.println("SKIPPED: cannot read " + h.get());
        Assumptions.assumeTrue(text != null, "cannot read " + h.get());
        return new CudaHeader(text);
    }

    @Test
    void everyBindingMatchesItsPrototype() {
        CudaHeader header = header();
        List<String> problems = new ArrayList<>();
        for (dev.tuna.bindings.Binding b : CudaDriver.bindings()) header.mismatch(b).ifPresent(problems::add);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void everySymbolIsDeclaredThroughTheDefineMapping() {
        CudaHeader header = header();
        for (dev.tuna.bindings.Binding b : CudaDriver.bindings()) {
            boolean declared = header.prototypes.keySet().stream().anyMatch(n -> header.resolve(n).equals(b.symbol()));
            assertTrue(declared, b.symbol() + " is not what any prototype in cuda.h resolves to");
        }
    }

    @Test
    void bindingsAreUniqueAndCoverTheBrief() {
        List<dev.tuna.bindings.Binding> all = CudaDriver.bindings();
        Set<String> symbols = new HashSet<>();
        for (dev.tuna.bindings.Binding b : all) assertTrue(symbols.add(b.symbol()), "bound twice: " + b.symbol());
        assertEquals(44, all.size());
        for (String s : List.of("cuMemAlloc_v2", "cuCtxSynchronize", "cuStreamBeginCapture_v2", "cuGraphInstantiateWithFlags",
                "cuEventElapsedTime_v2", "cuMemsetD32_v2", "cuGetErrorName", "cuLaunchKernel"))
            assertTrue(symbols.contains(s), s);
    }

    @Test
    void checkerCatchesAWrongDescriptor() {
        CudaHeader h = new CudaHeader("""
                typedef enum CUstreamCaptureMode_enum {
                    CU_STREAM_CAPTURE_MODE_GLOBAL = 0
                } CUstreamCaptureMode;
                #define cuMemAlloc                          cuMemAlloc_v2
                #define cuStreamBeginCapture                __CUDA_API_PTSZ(cuStreamBeginCapture_v2)
                CUresult CUDAAPI cuMemAlloc(CUdeviceptr *dptr, size_t bytesize);
                CUresult CUDAAPI cuStreamBeginCapture(CUstream hStream, CUstreamCaptureMode mode);
                CUresult CUDAAPI cuEventElapsedTime(float *pMilliseconds, CUevent hStart, CUevent hEnd);
                CUresult CUDAAPI cuCtxSynchronize(void);
                CUresult CUDAAPI cuLaunchKernel(CUfunction f,
                                                unsigned int gridDimX,
                                                void **extra);
                """);
        assertEquals("cuMemAlloc_v2", h.resolve("cuMemAlloc"));
        assertEquals("cuStreamBeginCapture_v2", h.resolve("cuStreamBeginCapture"));
        assertEquals(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG), h.descriptorOf(h.prototypes.get("cuMemAlloc")));
        assertEquals(FunctionDescriptor.of(JAVA_INT), h.descriptorOf(h.prototypes.get("cuCtxSynchronize")));
        assertEquals(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), h.descriptorOf(h.prototypes.get("cuLaunchKernel")));
        assertEquals(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), h.descriptorOf(h.prototypes.get("cuEventElapsedTime")));
        assertEquals(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), h.descriptorOf(h.prototypes.get("cuStreamBeginCapture")));

        var good = new dev.tuna.bindings.Binding("cuMemAlloc", "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        assertTrue(h.mismatch(good).isEmpty());
        var sizeAsInt = new dev.tuna.bindings.Binding("cuMemAlloc", "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        assertTrue(h.mismatch(sizeAsInt).orElseThrow().contains("needs"));
        var unsuffixed = new dev.tuna.bindings.Binding("cuMemAlloc", "cuMemAlloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        assertTrue(h.mismatch(unsuffixed).orElseThrow().contains("maps it to cuMemAlloc_v2"));
        var floatForPointer = new dev.tuna.bindings.Binding("cuEventElapsedTime", "cuEventElapsedTime",
                FunctionDescriptor.of(JAVA_INT, JAVA_FLOAT, ADDRESS, ADDRESS));
        assertFalse(h.mismatch(floatForPointer).isEmpty());
        var missing = new dev.tuna.bindings.Binding("cuNoSuchThing", "cuNoSuchThing", FunctionDescriptor.of(JAVA_INT));
        assertTrue(h.mismatch(missing).orElseThrow().contains("no prototype"));
    }
}
