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
import java.util.concurrent.ConcurrentHashMap;

/**
 * tuna's kernels compiled for the host (with the one-thread shim, test resource cuda/host_shim.h) and called through
 * FFM. Pointers may be given as segments or as longs: on x86-64 and aarch64 both travel in the same registers.
 */
final class HostKernels {
    private final SymbolLookup lookup;
    private final ConcurrentHashMap<String, MethodHandle> handles = new ConcurrentHashMap<>();

    private HostKernels(SymbolLookup lookup) { this.lookup = lookup; }

    /** A C++ compiler on PATH, or null (the caller skips, saying why). */
    static String compiler() {
        for (String c : List.of("g++", "c++", "clang++")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, c))) return Path.of(dir, c).toString();
            }
        }
        return null;
    }

    /**
     * The kernels compiled for a test class's @BeforeAll, or the class skipped with the reason printed when there is no
     * C++ compiler on PATH.
     */
    static HostKernels compileOrSkip(String test, Arena arena) throws Exception {
        String cxx = compiler();
        if (cxx == null) System.out.println(test + " skipped: no C++ compiler (g++, c++ or clang++) on PATH to build the kernels for the host");
        org.junit.jupiter.api.Assumptions.assumeTrue(cxx != null, "no C++ compiler on PATH");
        return compile(cxx, arena);
    }

    /** Compiles every .cu file of the native module into one shared library living as long as the arena. */
    static HostKernels compile(String cxx, Arena arena) throws Exception {
        Path src = Path.of("..", "native", "src", "main", "resources", "tuna", "kernels");
        List<String> cmd = new ArrayList<>(List.of(cxx, "-x", "c++", "-O1", "-ffp-contract=off", "-shared", "-fPIC",
                "-include", Path.of(HostKernels.class.getResource("/cuda/host_shim.h").toURI()).toString()));
        try (var files = Files.list(src)) {
            files.filter(f -> f.toString().endsWith(".cu")).sorted().forEach(f -> cmd.add(f.toString()));
        }
        Path lib = Files.createTempFile("tuna-kernels-host", ".so");
        lib.toFile().deleteOnExit();
        cmd.addAll(List.of("-o", lib.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "compiling the kernels for the host failed:\n" + log);
        return new HostKernels(SymbolLookup.libraryLookup(lib, arena));
    }

    void call(String name, Object... args) {
        MemoryLayout[] layouts = new MemoryLayout[args.length];
        StringBuilder key = new StringBuilder(name);
        for (int i = 0; i < args.length; i++) {
            layouts[i] = switch (args[i]) {
                case MemorySegment m -> ValueLayout.ADDRESS;
                case Long l -> ValueLayout.JAVA_LONG;
                case Integer n -> ValueLayout.JAVA_INT;
                case Float f -> ValueLayout.JAVA_FLOAT;
                default -> throw new IllegalArgumentException(args[i].getClass().toString());
            };
            key.append(',').append(layouts[i]);
        }
        MethodHandle h = handles.computeIfAbsent(key.toString(), k -> Linker.nativeLinker().downcallHandle(
                lookup.find(name).orElseThrow(() -> new AssertionError("no kernel " + name)), FunctionDescriptor.ofVoid(layouts)));
        try {
            h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new AssertionError(name + ": " + t, t);
        }
    }
}
