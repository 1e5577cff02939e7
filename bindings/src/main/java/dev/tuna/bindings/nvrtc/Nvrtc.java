package dev.tuna.bindings.nvrtc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tuna.bindings.Binding;
import dev.tuna.bindings.BindingTable;
import dev.tuna.bindings.LibraryLocator;
import dev.tuna.bindings.LoadedLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * Thin, checked FFM bindings to NVRTC ({@code libnvrtc.so}), the runtime CUDA compiler that turns tuna's kernel sources
 * into a cubin for the GPU in hand. C names kept; every nvrtcResult checked; a failed compilation throws an
 * {@link NvrtcException} carrying the program log. The library is found (see {@link LibraryLocator}) and the handles are
 * built on first use, so loading this class needs no GPU. {@link #bindings()} lists the C signatures; a test checks them
 * against nvrtc.h where the toolkit's headers are installed.
 */
public final class Nvrtc {
    private Nvrtc() {}

    private static final BindingTable TABLE = new BindingTable();

    private static Binding bind(String name, MemoryLayout... args) { return TABLE.add(name, name, args); }

    static final Binding VERSION = bind("nvrtcVersion", ADDRESS, ADDRESS);
    static final Binding CREATE_PROGRAM = bind("nvrtcCreateProgram", ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    static final Binding DESTROY_PROGRAM = bind("nvrtcDestroyProgram", ADDRESS);
    static final Binding COMPILE_PROGRAM = bind("nvrtcCompileProgram", ADDRESS, JAVA_INT, ADDRESS);
    static final Binding GET_CUBIN_SIZE = bind("nvrtcGetCUBINSize", ADDRESS, ADDRESS);
    static final Binding GET_CUBIN = bind("nvrtcGetCUBIN", ADDRESS, ADDRESS);
    static final Binding GET_PTX_SIZE = bind("nvrtcGetPTXSize", ADDRESS, ADDRESS);
    static final Binding GET_PTX = bind("nvrtcGetPTX", ADDRESS, ADDRESS);
    static final Binding GET_PROGRAM_LOG_SIZE = bind("nvrtcGetProgramLogSize", ADDRESS, ADDRESS);
    static final Binding GET_PROGRAM_LOG = bind("nvrtcGetProgramLog", ADDRESS, ADDRESS);

    public static List<Binding> bindings() { return TABLE.all(); }

    private static final LoadedLibrary LIBRARY = new LoadedLibrary(LibraryLocator.Library.NVRTC, "NVRTC (the runtime CUDA compiler)",
            "it comes with the CUDA toolkit or PyTorch's nvidia-cuda-nvrtc wheel", "NVRTC is older than CUDA 11.1");

    public static boolean isAvailable() { return LIBRARY.isAvailable(); }

    public static Optional<String> libraryLocation() { return LIBRARY.location(); }

    private static int call(Binding b, Object... args) { return LIBRARY.call(b, args); }

    private static void check(int result, Binding b, String what, String log) {
        if (result != 0) throw new NvrtcException(b.name() + "(" + what + ")", result, log);
    }

    /** NVRTC's version as {major, minor}. */
    public static int[] version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT), minor = a.allocate(JAVA_INT);
            check(call(VERSION, major, minor), VERSION, "", null);
            return new int[] {major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0)};
        }
    }

    /**
     * Compiles one CUDA source to a cubin for a real architecture ({@code arch} like "sm_90"); options are extra NVRTC
     * flags. A compilation error throws {@link NvrtcException} with the program log.
     */
    public static byte[] compileToCubin(String source, String name, String arch, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progOut = a.allocate(ADDRESS);
            check(call(CREATE_PROGRAM, progOut, a.allocateFrom(source), a.allocateFrom(name), 0, MemorySegment.NULL, MemorySegment.NULL),
                    CREATE_PROGRAM, name, null);
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                List<String> all = new java.util.ArrayList<>(List.of("--gpu-architecture=" + arch, "-default-device"));
                all.addAll(options);
                MemorySegment opts = a.allocate(ADDRESS, all.size());
                for (int i = 0; i < all.size(); i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(all.get(i)));
                int r = call(COMPILE_PROGRAM, prog, all.size(), opts);
                if (r != 0) check(r, COMPILE_PROGRAM, name + ", " + all, log(a, prog));
                MemorySegment size = a.allocate(JAVA_LONG);
                check(call(GET_CUBIN_SIZE, prog, size), GET_CUBIN_SIZE, name, null);
                long n = size.get(JAVA_LONG, 0);
                if (n == 0) throw new NvrtcException("nvrtcGetCUBINSize(" + name + ")", 3, arch + " is a virtual architecture: no cubin");
                MemorySegment cubin = a.allocate(n);
                check(call(GET_CUBIN, prog, cubin), GET_CUBIN, name, null);
                return cubin.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            } finally {
                call(DESTROY_PROGRAM, progOut);
            }
        }
    }

    private static String log(Arena a, MemorySegment prog) {
        MemorySegment size = a.allocate(JAVA_LONG);
        if (call(GET_PROGRAM_LOG_SIZE, prog, size) != 0) return "";
        long n = size.get(JAVA_LONG, 0);
        if (n <= 1) return "";
        MemorySegment text = a.allocate(n);
        if (call(GET_PROGRAM_LOG, prog, text) != 0) return "";
        return text.getString(0);
    }
}
