package dev.tuna.backend.cuda;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kernels' arithmetic without a GPU: every .cu file of the native module is compiled as host C++ with a one-thread
 * shim (test resource cuda/host_shim.h) and each kernel is called through the FFM API. Every kernel is a grid-stride
 * loop, so one thread covers all elements and atomics become plain updates; launch geometry, real atomics and speed are
 * left to {@link KernelGpuTest}.
 */
class KernelHostTest extends KernelChecks {
    private static Arena arena;
    private static HostKernels kernels;

    @BeforeAll
    static void compile() throws Exception {
        String cxx = HostKernels.compiler();
        if (cxx == null) System.out.println("KernelHostTest skipped: no C++ compiler (g++, c++ or clang++) on PATH to build the kernels for the host");
        Assumptions.assumeTrue(cxx != null, "no C++ compiler on PATH");
        arena = Arena.ofShared();
        kernels = HostKernels.compile(cxx, arena);
    }

    @AfterAll
    static void close() {
        if (arena != null) arena.close();
    }

    @Override
    void call(String name, Object... args) { kernels.call(name, args); }
}
