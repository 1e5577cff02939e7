package dev.tuna.bindings.nvrtc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tuna.bindings.LibraryLocator;
import dev.tuna.bindings.NativeLibraryException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** One bound function: its nvrtc.h name (also its symbol) and C signature (nvrtcResult is an int). */
    public record Binding(String name, FunctionDescriptor descriptor) {}

    private static final Map<String, Binding> BINDINGS = new LinkedHashMap<>();

    private static Binding bind(String name, MemoryLayout... args) {
        Binding b = new Binding(name, FunctionDescriptor.of(JAVA_INT, args));
        BINDINGS.put(name, b);
        return b;
    }

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

    public static List<Binding> bindings() { return List.copyOf(BINDINGS.values()); }

    public static boolean isAvailable() { return Holder.FAILURE == null; }

    public static Optional<String> libraryLocation() { return Optional.ofNullable(Holder.LOCATION); }

    private static final class Holder {
        static final String LOCATION;
        static final NativeLibraryException FAILURE;
        static final SymbolLookup LOOKUP;

        static {
            LibraryLocator.Result found = LibraryLocator.fromEnvironment().find(LibraryLocator.Library.NVRTC);
            SymbolLookup lookup = null;
            NativeLibraryException failure = null;
            if (found.found()) {
                try {
                    lookup = SymbolLookup.libraryLookup(found.path().get(), Arena.global());
                } catch (IllegalArgumentException e) {
                    failure = new NativeLibraryException("NVRTC found at " + found.path().get() + " but not loadable: " + e.getMessage(), e);
                }
            } else {
                failure = new NativeLibraryException("NVRTC (the runtime CUDA compiler) not found: " + found.explain()
                        + " (or pass -Dtuna.cuda.libs=FOLDER); it comes with the CUDA toolkit or PyTorch's nvidia-cuda-nvrtc wheel");
            }
            LOOKUP = lookup;
            FAILURE = failure;
            LOCATION = failure == null ? found.path().map(Path::toString).orElse(null) : null;
        }

        static final Map<String, MethodHandle> HANDLES = new LinkedHashMap<>();

        static MethodHandle need(Binding b) {
            if (FAILURE != null) throw new NativeLibraryException(FAILURE.getMessage(), FAILURE.getCause());
            synchronized (HANDLES) {
                return HANDLES.computeIfAbsent(b.name(), n -> Linker.nativeLinker().downcallHandle(LOOKUP.find(n).orElseThrow(
                        () -> new NativeLibraryException("symbol " + n + " not found in " + LOCATION + "; NVRTC is older than CUDA 11.1")), b.descriptor()));
            }
        }
    }

    private static int call(Binding b, Object... args) {
        try {
            return (int) Holder.need(b).invokeWithArguments(args);
        } catch (NativeLibraryException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeLibraryException(b.name() + ": " + t, t);
        }
    }

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
