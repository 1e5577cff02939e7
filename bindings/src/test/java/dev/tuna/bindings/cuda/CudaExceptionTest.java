package dev.tuna.bindings.cuda;

import dev.tuna.bindings.NativeLibraryException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaExceptionTest {
    @Test
    void tableAgreesWithTheHeader() {
        CudaHeader header = CudaDriverHeaderTest.header();
        assertTrue(header.errors.size() > 90, "parsed only " + header.errors.size() + " CUresult values");
        for (Map.Entry<String, Integer> e : header.errors.entrySet())
            assertEquals(e.getKey(), CudaException.NAMES.get(e.getValue()), "code " + e.getValue());
        for (Map.Entry<Integer, String> e : CudaException.NAMES.entrySet())
            assertEquals(e.getKey(), header.errors.get(e.getValue()), e.getValue() + " in cuda.h");
    }

    @Test
    void commonNames() {
        assertEquals("CUDA_SUCCESS", CudaException.nameOf(0));
        assertEquals("CUDA_ERROR_INVALID_VALUE", CudaException.nameOf(1));
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", CudaException.nameOf(2));
        assertEquals("CUDA_ERROR_NO_DEVICE", CudaException.nameOf(100));
        assertEquals("CUDA_ERROR_INVALID_IMAGE", CudaException.nameOf(200));
        assertEquals("CUDA_ERROR_INVALID_PTX", CudaException.nameOf(218));
        assertEquals("CUDA_ERROR_NOT_FOUND", CudaException.nameOf(500));
        assertEquals("CUDA_ERROR_LAUNCH_FAILED", CudaException.nameOf(719));
        assertEquals("CUDA_ERROR_UNKNOWN", CudaException.nameOf(999));
    }

    @Test
    void unknownCode() {
        assertEquals("CUDA_ERROR_UNKNOWN_CODE_12345", CudaException.nameOf(12345));
        assertEquals("cuInit(0) failed: CUDA_ERROR_UNKNOWN_CODE_-7 (-7)", CudaException.of("cuInit(0)", -7).getMessage());
    }

    @Test
    void messageFormat() {
        CudaException e = CudaException.of("cuMemAlloc_v2(1073741824)", 2);
        assertEquals("cuMemAlloc_v2(1073741824) failed: CUDA_ERROR_OUT_OF_MEMORY (2)", e.getMessage());
        assertEquals(2, e.code());
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", e.errorName());
        assertEquals("cuMemAlloc_v2(1073741824)", e.call());
        assertInstanceOf(NativeLibraryException.class, e);
        assertInstanceOf(RuntimeException.class, e);
    }

    @Test
    void errorBuiltFromABindingNamesTheSymbolAndArguments() {
        CudaException e = CudaDriver.error(2, CudaDriver.MEM_ALLOC, 1073741824L);
        assertEquals("cuMemAlloc_v2(1073741824) failed: CUDA_ERROR_OUT_OF_MEMORY (2)", e.getMessage());
        CudaException launch = CudaDriver.error(719, CudaDriver.MEMSET_D32, 4096L, 7, 16L);
        assertEquals("cuMemsetD32_v2(4096, 7, 16) failed: CUDA_ERROR_LAUNCH_FAILED (719)", launch.getMessage());
    }
}
