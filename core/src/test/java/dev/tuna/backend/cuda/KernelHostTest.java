package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private static SymbolLookup kernels;
    private static final Linker LINKER = Linker.nativeLinker();

    @BeforeAll
    static void compile() throws Exception {
        String cxx = null;
        for (String c : List.of("g++", "c++", "clang++")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, c))) {
                    cxx = Path.of(dir, c).toString();
                    break;
                }
            }
            if (cxx != null) break;
        }
        if (cxx == null) System.out.println("KernelHostTest skipped: no C++ compiler (g++, c++ or clang++) on PATH to build the kernels for the host");
        Assumptions.assumeTrue(cxx != null, "no C++ compiler on PATH");
        Path src = Path.of("..", "native", "src", "main", "resources", "tuna", "kernels");
        List<String> cmd = new ArrayList<>(List.of(cxx, "-x", "c++", "-O1", "-ffp-contract=off", "-shared", "-fPIC",
                "-include", Path.of(KernelHostTest.class.getResource("/cuda/host_shim.h").toURI()).toString()));
        try (var files = Files.list(src)) {
            files.filter(f -> f.toString().endsWith(".cu")).sorted().forEach(f -> cmd.add(f.toString()));
        }
        Path lib = Files.createTempFile("tuna-kernels-host", ".so");
        cmd.addAll(List.of("-o", lib.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "compiling the kernels for the host failed:\n" + log);
        arena = Arena.ofShared();
        kernels = SymbolLookup.libraryLookup(lib, arena);
        lib.toFile().deleteOnExit();
    }

    @AfterAll
    static void close() {
        if (arena != null) arena.close();
    }

    /** Calls kernel name with arguments: MemorySegment, Long, Integer, Float. */
    @Override
    void call(String name, Object... args) {
        MemoryLayout[] layouts = new MemoryLayout[args.length];
        for (int i = 0; i < args.length; i++) {
            layouts[i] = switch (args[i]) {
                case MemorySegment m -> ValueLayout.ADDRESS;
                case Long l -> ValueLayout.JAVA_LONG;
                case Integer n -> ValueLayout.JAVA_INT;
                case Float f -> ValueLayout.JAVA_FLOAT;
                default -> throw new IllegalArgumentException(args[i].getClass().toString());
            };
        }
        MethodHandle h = LINKER.downcallHandle(kernels.find(name).orElseThrow(() -> new AssertionError("no kernel " + name)),
                FunctionDescriptor.ofVoid(layouts));
        try {
            h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new AssertionError(name + ": " + t, t);
        }
    }

}
