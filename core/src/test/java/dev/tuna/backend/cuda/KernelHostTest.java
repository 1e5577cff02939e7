package dev.tuna.backend.cuda;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterAll;
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
        arena = Arena.ofShared();
        kernels = HostKernels.compileOrSkip("KernelHostTest", arena);
    }

    @AfterAll
    static void close() {
        if (arena != null) arena.close();
    }

    @Override
    void call(String name, Object... args) { kernels.call(name, args); }
}
