package dev.tuna.bindings.mpi;

import dev.tuna.bindings.Binding;
import dev.tuna.bindings.BindingTable;
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
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Thin, checked Foreign Function and Memory bindings to MPI ({@code libmpi.so.40}, Open MPI 3 to 5).
 *
 * <p>Java methods keep mpi.h's C names. Every status is checked: anything but MPI_SUCCESS throws an {@link MpiException}
 * carrying the call, MPI's error-class name and the library's own {@code MPI_Error_string}. Errors only come back as
 * statuses once {@link #MPI_Comm_set_errhandler} has installed MPI_ERRORS_RETURN; until then MPI's default,
 * MPI_ERRORS_ARE_FATAL, ends the whole job with the library's message.
 *
 * <p>The library is found (see {@link LibraryLocator#mpiFromEnvironment()}) and the handles are built once, the first
 * time a function is called (a holder class), so loading this class needs no MPI. It is opened with RTLD_GLOBAL before
 * it is looked up, as mpi4py does: Open MPI dlopens its components (mca_*.so) during MPI_Init, and builds whose
 * components are not linked against libmpi resolve its symbols through the global namespace. Open MPI leaves the JVM's
 * own SIGSEGV/SIGBUS handlers alone (opal_signal replaces only handlers that are still the default).
 *
 * <p>Types: int is {@code JAVA_INT}; pointers and Open MPI's handles (MPI_Comm, MPI_Datatype, MPI_Op, MPI_Errhandler,
 * pointers to structs) are {@code ADDRESS}. The predefined handles and constants that differ between implementations
 * sit in a {@link Flavor}; {@link #bindings()} lists every binding and a test checks each against mpi.h.
 */
public final class Mpi {
    private Mpi() {}

    /**
     * What the ABI of one MPI implementation names or numbers differently: the symbols of its predefined handles (in
     * Open MPI, {@code #define MPI_COMM_WORLD OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)}: the handle is the
     * symbol's address), MPI_IN_PLACE, and the MPI_THREAD_* levels. MPICH would be a second flavor whose handles are
     * int constants rather than symbols (MPI_COMM_WORLD is 0x44000000 there), with JAVA_INT in its descriptors.
     */
    public record Flavor(String name, String commWorld, String floatType, String byteType, String opSum, String errorsReturn,
                         long inPlace, int threadSingle, int threadFunneled, int threadSerialized, int threadMultiple,
                         int maxErrorString, int maxLibraryVersionString) {
        /** Open MPI's mpi.h (4.1): the enum of MPI_THREAD_*, {@code MPI_IN_PLACE ((void *) 1)}, both string bounds 256. */
        public static final Flavor OPEN_MPI = new Flavor("Open MPI", "ompi_mpi_comm_world", "ompi_mpi_float", "ompi_mpi_byte",
                "ompi_mpi_op_sum", "ompi_mpi_errors_return", 1, 0, 1, 2, 3, 256, 256);
    }

    /** The predefined handles of the loaded library: MPI_COMM_WORLD, MPI_FLOAT, MPI_BYTE, MPI_SUM, MPI_ERRORS_RETURN, MPI_IN_PLACE. */
    public record Handles(MemorySegment commWorld, MemorySegment floatType, MemorySegment byteType, MemorySegment opSum,
                          MemorySegment errorsReturn, MemorySegment inPlace) {}

    private static final BindingTable TABLE = new BindingTable();

    private static Binding bind(String name, MemoryLayout... args) { return TABLE.add(name, name, args); }

    // In the order a run calls them.
    static final Binding INIT_THREAD = bind("MPI_Init_thread", ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
    static final Binding INITIALIZED = bind("MPI_Initialized", ADDRESS);
    static final Binding FINALIZED = bind("MPI_Finalized", ADDRESS);
    static final Binding COMM_SET_ERRHANDLER = bind("MPI_Comm_set_errhandler", ADDRESS, ADDRESS);
    static final Binding COMM_RANK = bind("MPI_Comm_rank", ADDRESS, ADDRESS);
    static final Binding COMM_SIZE = bind("MPI_Comm_size", ADDRESS, ADDRESS);
    static final Binding GET_LIBRARY_VERSION = bind("MPI_Get_library_version", ADDRESS, ADDRESS);
    static final Binding ALLREDUCE = bind("MPI_Allreduce", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    static final Binding BCAST = bind("MPI_Bcast", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
    static final Binding BARRIER = bind("MPI_Barrier", ADDRESS);
    static final Binding ABORT = bind("MPI_Abort", ADDRESS, JAVA_INT);
    static final Binding FINALIZE = bind("MPI_Finalize");
    static final Binding ERROR_STRING = bind("MPI_Error_string", JAVA_INT, ADDRESS, ADDRESS);

    /** Every binding, in declaration order. */
    public static List<Binding> bindings() { return TABLE.all(); }

    /** Whether an MPI library tuna can call was found and loaded here (it says nothing about being under mpirun). */
    public static boolean isAvailable() { return Holder.FAILURE == null; }

    /** Where libmpi was loaded from, if it was. */
    public static Optional<String> libraryLocation() { return Optional.ofNullable(Holder.LOCATION); }

    /** The implementation loaded; throws the not-found message when none is. */
    public static Flavor flavor() {
        Holder.need(Holder.MPI_Init_thread, INIT_THREAD);
        return Holder.FLAVOR;
    }

    /** The predefined handles of the loaded implementation; throws the not-found message when none is. */
    public static Handles handles() {
        Holder.need(Holder.MPI_Init_thread, INIT_THREAD);
        return Holder.HANDLES;
    }

    /** The library and the method handles, built on first use. */
    private static final class Holder {
        private static final int RTLD_NOW = 0x2, RTLD_GLOBAL = 0x100; // glibc's <dlfcn.h>
        static final String LOCATION;
        static final NativeLibraryException FAILURE;
        static final Flavor FLAVOR;
        static final Handles HANDLES;
        private static final SymbolLookup LOOKUP;

        static {
            LibraryLocator.Result found = LibraryLocator.mpiFromEnvironment().find(LibraryLocator.Library.MPI);
            SymbolLookup lookup = null;
            Handles handles = null;
            NativeLibraryException failure = null;
            if (!found.found()) {
                failure = new NativeLibraryException("Open MPI not found: " + found.explain()
                        + " (or pass -Dtuna.mpi.libs=FOLDER); it comes with Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi3)");
            } else {
                Path p = found.path().get();
                try {
                    openGlobally(p);
                    lookup = SymbolLookup.libraryLookup(p, Arena.global());
                    handles = handles(lookup, Flavor.OPEN_MPI, p);
                } catch (IllegalArgumentException | IllegalCallerException e) {
                    failure = new NativeLibraryException("MPI found at " + p + " but not loadable: " + e.getMessage(), e);
                } catch (NativeLibraryException e) {
                    failure = e;
                }
            }
            LOOKUP = failure == null ? lookup : null;
            HANDLES = failure == null ? handles : null;
            FLAVOR = failure == null ? Flavor.OPEN_MPI : null;
            LOCATION = failure == null ? found.path().get().toString() : null;
            FAILURE = failure;
        }

        /** dlopen(path, RTLD_NOW | RTLD_GLOBAL) through libc; the handle is kept open for the life of the process. */
        private static void openGlobally(Path p) {
            Linker linker = Linker.nativeLinker();
            MemorySegment dlopen = linker.defaultLookup().find("dlopen").orElseThrow(
                    () -> new NativeLibraryException("dlopen not found in the C library: cannot load " + p));
            MethodHandle mh = linker.downcallHandle(dlopen, FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment h = (MemorySegment) mh.invokeExact(a.allocateFrom(p.toString()), RTLD_NOW | RTLD_GLOBAL);
                if (h.equals(MemorySegment.NULL)) throw new IllegalArgumentException("dlopen(" + p + ", RTLD_NOW | RTLD_GLOBAL) failed");
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new NativeLibraryException("dlopen(" + p + "): " + t, t);
            }
        }

        private static Handles handles(SymbolLookup lookup, Flavor f, Path p) {
            return new Handles(handle(lookup, f.commWorld(), p), handle(lookup, f.floatType(), p), handle(lookup, f.byteType(), p),
                    handle(lookup, f.opSum(), p), handle(lookup, f.errorsReturn(), p), MemorySegment.ofAddress(f.inPlace()));
        }

        private static MemorySegment handle(SymbolLookup lookup, String symbol, Path p) {
            return lookup.find(symbol).orElseThrow(() -> new NativeLibraryException(p + " has no " + symbol
                    + ": it is not Open MPI 3 to 5 (MPICH and its derivatives are not supported yet)"));
        }

        private static MethodHandle h(Binding b) {
            if (LOOKUP == null) return null;
            Optional<MemorySegment> sym = LOOKUP.find(b.symbol());
            return sym.map(s -> Linker.nativeLinker().downcallHandle(s, b.descriptor())).orElse(null);
        }

        static final MethodHandle MPI_Init_thread = h(INIT_THREAD);
        static final MethodHandle MPI_Initialized = h(INITIALIZED);
        static final MethodHandle MPI_Finalized = h(FINALIZED);
        static final MethodHandle MPI_Comm_set_errhandler = h(COMM_SET_ERRHANDLER);
        static final MethodHandle MPI_Comm_rank = h(COMM_RANK);
        static final MethodHandle MPI_Comm_size = h(COMM_SIZE);
        static final MethodHandle MPI_Get_library_version = h(GET_LIBRARY_VERSION);
        static final MethodHandle MPI_Allreduce = h(ALLREDUCE);
        static final MethodHandle MPI_Bcast = h(BCAST);
        static final MethodHandle MPI_Barrier = h(BARRIER);
        static final MethodHandle MPI_Abort = h(ABORT);
        static final MethodHandle MPI_Finalize = h(FINALIZE);
        static final MethodHandle MPI_Error_string = h(ERROR_STRING);

        /** The handle, or the reason it cannot be had. */
        static MethodHandle need(MethodHandle mh, Binding b) {
            if (FAILURE != null) throw new NativeLibraryException(FAILURE.getMessage(), FAILURE.getCause());
            if (mh == null) throw new NativeLibraryException("symbol " + b.symbol() + " not found in " + LOCATION
                    + "; this MPI predates MPI-3 (tuna needs Open MPI 3 or newer)");
            return mh;
        }
    }

    // ---- checking ----

    private static void check(int result, Binding b, Object... args) {
        if (result != 0) throw error(result, b, args);
    }

    static MpiException error(int result, Binding b, Object... args) {
        return new MpiException(b.call(args), result, errorText(result));
    }

    /** MPI_Error_string's text for a code, or "" when the library cannot say (it is then named from the table alone). */
    private static String errorText(int code) {
        if (!isAvailable() || Holder.MPI_Error_string == null) return "";
        try (Arena a = Arena.ofConfined()) {
            if (!running()) return "";
            MemorySegment text = a.allocate(Holder.FLAVOR.maxErrorString());
            MemorySegment len = a.allocate(JAVA_INT);
            int r = (int) Holder.MPI_Error_string.invokeExact(code, text, len);
            return r == 0 ? text.getString(0) : "";
        } catch (Throwable t) {
            return "";
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new NativeLibraryException("unexpected checked exception from a downcall", t);
    }

    // ---- start and end ----

    /** Starts MPI without argc/argv (Open MPI reads its settings from the environment mpirun sets); returns the level provided. */
    public static int MPI_Init_thread(int required) {
        MethodHandle mh = Holder.need(Holder.MPI_Init_thread, INIT_THREAD);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(MemorySegment.NULL, MemorySegment.NULL, required, provided);
            check(r, INIT_THREAD, "NULL", "NULL", required);
            return provided.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static boolean MPI_Initialized() { return flag(Holder.MPI_Initialized, INITIALIZED); }

    public static boolean MPI_Finalized() { return flag(Holder.MPI_Finalized, FINALIZED); }

    /** Between MPI_Init_thread and MPI_Finalize (the two flags may be asked at any time). */
    private static boolean running() { return MPI_Initialized() && !MPI_Finalized(); }

    private static boolean flag(MethodHandle handle, Binding b) {
        MethodHandle mh = Holder.need(handle, b);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(out);
            check(r, b);
            return out.get(JAVA_INT, 0) != 0;
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void MPI_Finalize() {
        MethodHandle mh = Holder.need(Holder.MPI_Finalize, FINALIZE);
        int r;
        try { r = (int) mh.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
        check(r, FINALIZE);
    }

    /** Asks the runtime to end every process of comm's job with errorcode; under mpirun it does not return. */
    public static void MPI_Abort(MemorySegment comm, int errorcode) {
        MethodHandle mh = Holder.need(Holder.MPI_Abort, ABORT);
        int r;
        try { r = (int) mh.invokeExact(comm, errorcode); } catch (Throwable t) { throw rethrow(t); }
        check(r, ABORT, comm, errorcode);
    }

    // ---- communicators ----

    /** With {@link Handles#errorsReturn()}, failed calls on comm return their status instead of ending the job. */
    public static void MPI_Comm_set_errhandler(MemorySegment comm, MemorySegment errhandler) {
        MethodHandle mh = Holder.need(Holder.MPI_Comm_set_errhandler, COMM_SET_ERRHANDLER);
        int r;
        try { r = (int) mh.invokeExact(comm, errhandler); } catch (Throwable t) { throw rethrow(t); }
        check(r, COMM_SET_ERRHANDLER, comm, errhandler);
    }

    public static int MPI_Comm_rank(MemorySegment comm) { return intOut(Holder.MPI_Comm_rank, COMM_RANK, comm); }

    public static int MPI_Comm_size(MemorySegment comm) { return intOut(Holder.MPI_Comm_size, COMM_SIZE, comm); }

    private static int intOut(MethodHandle handle, Binding b, MemorySegment comm) {
        MethodHandle mh = Holder.need(handle, b);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(comm, out);
            check(r, b, comm);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- collectives ----

    /** sendbuf may be {@link Handles#inPlace()}: recvbuf then holds the input and receives the result. */
    public static void MPI_Allreduce(MemorySegment sendbuf, MemorySegment recvbuf, int count, MemorySegment datatype,
                                     MemorySegment op, MemorySegment comm) {
        MethodHandle mh = Holder.need(Holder.MPI_Allreduce, ALLREDUCE);
        int r;
        try { r = (int) mh.invokeExact(sendbuf, recvbuf, count, datatype, op, comm); } catch (Throwable t) { throw rethrow(t); }
        check(r, ALLREDUCE, sendbuf, recvbuf, count, datatype, op, comm);
    }

    public static void MPI_Bcast(MemorySegment buffer, int count, MemorySegment datatype, int root, MemorySegment comm) {
        MethodHandle mh = Holder.need(Holder.MPI_Bcast, BCAST);
        int r;
        try { r = (int) mh.invokeExact(buffer, count, datatype, root, comm); } catch (Throwable t) { throw rethrow(t); }
        check(r, BCAST, buffer, count, datatype, root, comm);
    }

    public static void MPI_Barrier(MemorySegment comm) {
        MethodHandle mh = Holder.need(Holder.MPI_Barrier, BARRIER);
        int r;
        try { r = (int) mh.invokeExact(comm); } catch (Throwable t) { throw rethrow(t); }
        check(r, BARRIER, comm);
    }

    // ---- strings ----

    /**
     * The library's description of an error code or class. Only while MPI runs: Open MPI ends the process when it is
     * called before MPI_Init_thread or after MPI_Finalize, so this throws instead.
     */
    public static String MPI_Error_string(int errorcode) {
        MethodHandle mh = Holder.need(Holder.MPI_Error_string, ERROR_STRING);
        if (!running()) throw new NativeLibraryException("MPI_Error_string(" + errorcode + ") needs MPI started and not yet finalized");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(Holder.FLAVOR.maxErrorString());
            MemorySegment len = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(errorcode, text, len);
            check(r, ERROR_STRING, errorcode);
            return text.getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** For example "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022". */
    public static String MPI_Get_library_version() {
        MethodHandle mh = Holder.need(Holder.MPI_Get_library_version, GET_LIBRARY_VERSION);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment text = a.allocate(Holder.FLAVOR.maxLibraryVersionString());
            MemorySegment len = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(text, len);
            check(r, GET_LIBRARY_VERSION);
            return text.getString(0).strip();
        } catch (Throwable t) { throw rethrow(t); }
    }
}
