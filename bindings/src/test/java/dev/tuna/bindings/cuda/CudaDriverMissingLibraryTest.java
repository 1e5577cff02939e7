package dev.tuna.bindings.cuda;

import dev.tuna.bindings.NativeLibraryException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaDriverMissingLibraryTest {
    @Test
    void loadingTheClassNeedsNoLibrary() {
        assertFalse(CudaDriver.bindings().isEmpty());
    }

    @Test
    void aMissingLibrarySaysWhereItLookedAndHowToPointAtIt() {
        if (CudaDriver.isAvailable()) {
            String reason = "libcuda is present here (" + CudaDriver.libraryLocation().orElse("?")
                    + "): the missing-library message cannot be checked";
            System.out.println("SKIPPED: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> CudaDriver.cuInit(0));
        assertEquals(NativeLibraryException.class, e.getClass(), "not a CudaException: no call was made");
        String m = e.getMessage();
        assertTrue(m.contains("libcuda.so"), m);
        assertTrue(m.contains("TUNA_CUDA_LIBS"), m);
        assertTrue(m.contains("tuna.cuda.libs"), m);
        assertTrue(m.contains("/usr/local/cuda/lib64"), m);
        // Every call says the same, every time (the holder's failure is not a one-shot ExceptionInInitializerError).
        NativeLibraryException again = assertThrows(NativeLibraryException.class, () -> CudaDriver.cuMemAlloc(1024));
        assertEquals(m, again.getMessage());
    }
}
