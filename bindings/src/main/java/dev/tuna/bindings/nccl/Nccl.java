package dev.tuna.bindings.nccl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tuna.bindings.Binding;
import dev.tuna.bindings.BindingTable;
import dev.tuna.bindings.LibraryLocator;
import dev.tuna.bindings.NativeLibraryException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Thin, checked FFM bindings to NCCL ({@code libnccl.so.2}): versions, unique ids, communicators (per process with
 * ncclCommInitRank, per process group of GPUs with ncclCommInitAll), all-reduce, broadcast, groups, abort and the
 * asynchronous error. C names kept as nccl.h declares them; every ncclResult_t is checked and turned into an
 * {@link NcclException} carrying nccl.h's name and NCCL's description. The library is found (see
 * {@link LibraryLocator}; PyTorch's nvidia-nccl wheel included) and the method handles are built once, the first time a
 * function is called, so loading this class needs neither NCCL nor a GPU. {@link #bindings()} lists the C signatures;
 * a test holds them against nccl.h's prototypes.
 *
 * <p>Types: ncclResult_t, int and the enums are {@code JAVA_INT}; size_t is {@code JAVA_LONG}; buffers, ncclComm_t,
 * cudaStream_t and out-parameters are {@code ADDRESS}; ncclUniqueId is a 128-byte struct passed by value.
 */
public final class Nccl {
    private Nccl() {}

    /** ncclDataType_t values. */
    public static final int ncclFloat16 = 6, ncclFloat32 = 7, ncclBfloat16 = 9;
    /** ncclRedOp_t values; ncclAvg needs NCCL 2.10 or newer. */
    public static final int ncclSum = 0, ncclAvg = 4;
    /** NCCL_UNIQUE_ID_BYTES. */
    public static final int NCCL_UNIQUE_ID_BYTES = 128;

    /** {@code typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;}, passed by value to ncclCommInitRank. */
    public static final StructLayout ncclUniqueId =
            MemoryLayout.structLayout(MemoryLayout.sequenceLayout(NCCL_UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal")).withName("ncclUniqueId");

    private static final BindingTable TABLE = new BindingTable();

    private static Binding bind(String name, MemoryLayout... args) { return TABLE.add(name, name, args); }

    static final Binding GET_VERSION = bind("ncclGetVersion", ADDRESS);
    static final Binding GET_UNIQUE_ID = bind("ncclGetUniqueId", ADDRESS);
    static final Binding COMM_INIT_RANK = bind("ncclCommInitRank", ADDRESS, JAVA_INT, ncclUniqueId, JAVA_INT);
    static final Binding COMM_INIT_ALL = bind("ncclCommInitAll", ADDRESS, JAVA_INT, ADDRESS);
    static final Binding COMM_DESTROY = bind("ncclCommDestroy", ADDRESS);
    static final Binding COMM_ABORT = bind("ncclCommAbort", ADDRESS);
    static final Binding GET_ERROR_STRING = TABLE.add("ncclGetErrorString", "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final Binding COMM_GET_ASYNC_ERROR = bind("ncclCommGetAsyncError", ADDRESS, ADDRESS);
    static final Binding BROADCAST = bind("ncclBroadcast", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT,
            ADDRESS, ADDRESS);
    static final Binding ALL_REDUCE = bind("ncclAllReduce", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT,
            ADDRESS, ADDRESS);
    static final Binding GROUP_START = bind("ncclGroupStart");
    static final Binding GROUP_END = bind("ncclGroupEnd");

    /** Every binding, in nccl.h's order. */
    public static List<Binding> bindings() { return TABLE.all(); }

    /** Whether libnccl can be loaded here (it says nothing about whether a GPU is present). */
    public static boolean isAvailable() { return Holder.FAILURE == null; }

    /** Where libnccl was loaded from, if it was. */
    public static Optional<String> libraryLocation() { return Optional.ofNullable(Holder.LOCATION); }

    /** Why NCCL cannot be used here (what was looked for where), or empty when it loads. */
    public static Optional<String> unavailableReason() { return Optional.ofNullable(Holder.FAILURE).map(Throwable::getMessage); }

    /** The library and the method handles, built on first use. */
    private static final class Holder {
        static final String LOCATION;
        static final NativeLibraryException FAILURE;
        private static final SymbolLookup LOOKUP;

        static {
            LibraryLocator.Result found = LibraryLocator.fromEnvironment().find(LibraryLocator.Library.NCCL);
            SymbolLookup lookup = null;
            String location = null;
            NativeLibraryException failure = null;
            try {
                if (found.found()) {
                    Path p = found.path().get();
                    lookup = SymbolLookup.libraryLookup(p, Arena.global());
                    location = p.toString();
                } else {
                    // Debian's libnccl2 and ldconfig'd installs are known to the dynamic loader by soname.
                    lookup = SymbolLookup.libraryLookup("libnccl.so.2", Arena.global());
                    location = "libnccl.so.2 (dynamic loader)";
                }
            } catch (IllegalArgumentException | IllegalCallerException e) {
                failure = new NativeLibraryException("NCCL not usable: " + found.explain()
                        + " (or NCCL_HOME, or -Dtuna.cuda.libs=FOLDER); the dynamic loader does not know libnccl.so.2 either"
                        + " (it comes with PyTorch's nvidia-nccl wheel, Debian's libnccl2 or NVIDIA's NCCL). Cause: " + e.getMessage(), e);
            }
            LOOKUP = lookup;
            LOCATION = failure == null ? location : null;
            FAILURE = failure;
        }

        private static MethodHandle h(Binding b) {
            if (LOOKUP == null) return null;
            return LOOKUP.find(b.symbol()).map(s -> Linker.nativeLinker().downcallHandle(s, b.descriptor())).orElse(null);
        }

        static final MethodHandle ncclGetVersion = h(GET_VERSION);
        static final MethodHandle ncclGetUniqueId = h(GET_UNIQUE_ID);
        static final MethodHandle ncclCommInitRank = h(COMM_INIT_RANK);
        static final MethodHandle ncclCommInitAll = h(COMM_INIT_ALL);
        static final MethodHandle ncclCommDestroy = h(COMM_DESTROY);
        static final MethodHandle ncclCommAbort = h(COMM_ABORT);
        static final MethodHandle ncclGetErrorString = h(GET_ERROR_STRING);
        static final MethodHandle ncclCommGetAsyncError = h(COMM_GET_ASYNC_ERROR);
        static final MethodHandle ncclBroadcast = h(BROADCAST);
        static final MethodHandle ncclAllReduce = h(ALL_REDUCE);
        static final MethodHandle ncclGroupStart = h(GROUP_START);
        static final MethodHandle ncclGroupEnd = h(GROUP_END);

        /** The handle, or the reason it cannot be had. */
        static MethodHandle need(MethodHandle mh, Binding b) {
            if (FAILURE != null) throw new NativeLibraryException(FAILURE.getMessage(), FAILURE.getCause());
            if (mh == null) throw new NativeLibraryException("symbol " + b.symbol() + " not found in " + LOCATION
                    + "; NCCL 2.10 or newer is needed (ncclAvg, bf16)");
            return mh;
        }
    }

    // ---- checking ----

    private static void check(int result, Binding b, Object... args) {
        if (result != 0) throw error(result, b, args);
    }

    static NcclException error(int result, Binding b, Object... args) {
        return new NcclException(b.call(args), result, description(result));
    }

    /** NCCL's description of a result when the library is loaded, else none (the exception still has the header's name). */
    static String description(int result) {
        if (!isAvailable() || Holder.ncclGetErrorString == null) return null;
        try {
            return ncclGetErrorString(result);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new NativeLibraryException("unexpected checked exception from a downcall", t);
    }

    // ---- versions and ids ----

    /** NCCL_VERSION_CODE of the loaded library: 22105 for 2.21.5 (X*10000 + Y*100 + Z from 2.9 on, X*1000 + Y*100 + Z before). */
    public static int ncclGetVersion() {
        MethodHandle mh = Holder.need(Holder.ncclGetVersion, GET_VERSION);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(out);
            check(r, GET_VERSION);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** "2.21.5" for a version code, by nccl.h's NCCL_VERSION macro (which changed encoding at 2.9). */
    public static String versionString(int code) {
        if (code >= 10000) return code / 10000 + "." + code / 100 % 100 + "." + code % 100;
        return code / 1000 + "." + code / 100 % 10 + "." + code % 100;
    }

    /** A fresh ncclUniqueId (its 128 bytes), made by one rank and shared with the others before ncclCommInitRank. */
    public static byte[] ncclGetUniqueId() {
        MethodHandle mh = Holder.need(Holder.ncclGetUniqueId, GET_UNIQUE_ID);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(ncclUniqueId);
            int r = (int) mh.invokeExact(id);
            check(r, GET_UNIQUE_ID);
            return id.toArray(JAVA_BYTE);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- communicators ----

    /**
     * This process's communicator (an ncclComm_t) as rank {@code rank} of {@code nranks}, on the device whose context is
     * current; blocks until every rank has called it with the same id.
     */
    public static MemorySegment ncclCommInitRank(int nranks, byte[] commId, int rank) {
        if (commId.length != NCCL_UNIQUE_ID_BYTES) {
            throw new IllegalArgumentException("an ncclUniqueId has " + NCCL_UNIQUE_ID_BYTES + " bytes, not " + commId.length);
        }
        MethodHandle mh = Holder.need(Holder.ncclCommInitRank, COMM_INIT_RANK);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            MemorySegment id = a.allocate(ncclUniqueId);
            MemorySegment.copy(commId, 0, id, JAVA_BYTE, 0, commId.length);
            int r = (int) mh.invokeExact(out, nranks, id, rank);
            check(r, COMM_INIT_RANK, out, nranks, "ncclUniqueId", rank);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** One communicator per listed CUDA device, in this process, as ranks 0 to devlist.length - 1. */
    public static MemorySegment[] ncclCommInitAll(int[] devlist) {
        MethodHandle mh = Holder.need(Holder.ncclCommInitAll, COMM_INIT_ALL);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS, devlist.length);
            int r = (int) mh.invokeExact(out, devlist.length, a.allocateFrom(JAVA_INT, devlist));
            check(r, COMM_INIT_ALL, out, devlist.length, java.util.Arrays.toString(devlist));
            MemorySegment[] comms = new MemorySegment[devlist.length];
            for (int i = 0; i < comms.length; i++) comms[i] = out.getAtIndex(ADDRESS, i);
            return comms;
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** Waits for the communicator's pending operations, then frees it. */
    public static void ncclCommDestroy(MemorySegment comm) { callA(Holder.ncclCommDestroy, COMM_DESTROY, comm); }

    /** Stops the communicator's pending operations (they may never finish when a peer is lost) and frees it. */
    public static void ncclCommAbort(MemorySegment comm) { callA(Holder.ncclCommAbort, COMM_ABORT, comm); }

    /** nccl.h's description of a result ("unhandled cuda error (run with NCCL_DEBUG=INFO for details)"). */
    public static String ncclGetErrorString(int result) {
        MethodHandle mh = Holder.need(Holder.ncclGetErrorString, GET_ERROR_STRING);
        try {
            MemorySegment p = (MemorySegment) mh.invokeExact(result);
            return p.equals(MemorySegment.NULL) ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * The communicator's asynchronous result: ncclSuccess, ncclInProgress, or the error (ncclRemoteError when a peer
     * failed) that its pending operations hit. Only the call itself is checked; the result is returned, not thrown.
     */
    public static int ncclCommGetAsyncError(MemorySegment comm) {
        MethodHandle mh = Holder.need(Holder.ncclCommGetAsyncError, COMM_GET_ASYNC_ERROR);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(comm, out);
            check(r, COMM_GET_ASYNC_ERROR, comm);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- collectives (device addresses; enqueued on the stream, in place when sendbuff == recvbuff) ----

    /** Copies count elements of root's buffer into every rank's recvbuff. */
    public static void ncclBroadcast(long sendbuff, long recvbuff, long count, int datatype, int root, MemorySegment comm, MemorySegment stream) {
        MethodHandle mh = Holder.need(Holder.ncclBroadcast, BROADCAST);
        MemorySegment send = MemorySegment.ofAddress(sendbuff), recv = MemorySegment.ofAddress(recvbuff);
        int r;
        try { r = (int) mh.invokeExact(send, recv, count, datatype, root, comm, stream); } catch (Throwable t) { throw rethrow(t); }
        check(r, BROADCAST, send, recv, count, datatype, root, comm, stream);
    }

    /** Reduces count elements of every rank's sendbuff with op and leaves the result in every rank's recvbuff. */
    public static void ncclAllReduce(long sendbuff, long recvbuff, long count, int datatype, int op, MemorySegment comm, MemorySegment stream) {
        MethodHandle mh = Holder.need(Holder.ncclAllReduce, ALL_REDUCE);
        MemorySegment send = MemorySegment.ofAddress(sendbuff), recv = MemorySegment.ofAddress(recvbuff);
        int r;
        try { r = (int) mh.invokeExact(send, recv, count, datatype, op, comm, stream); } catch (Throwable t) { throw rethrow(t); }
        check(r, ALL_REDUCE, send, recv, count, datatype, op, comm, stream);
    }

    /** Starts a group: collectives on several communicators from one thread are enqueued together at ncclGroupEnd. */
    public static void ncclGroupStart() { call0(Holder.ncclGroupStart, GROUP_START); }

    public static void ncclGroupEnd() { call0(Holder.ncclGroupEnd, GROUP_END); }

    // ---- helpers for the common shapes ----

    private static void call0(MethodHandle handle, Binding b) {
        MethodHandle mh = Holder.need(handle, b);
        int r;
        try { r = (int) mh.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
        check(r, b);
    }

    private static void callA(MethodHandle handle, Binding b, MemorySegment x) {
        MethodHandle mh = Holder.need(handle, b);
        int r;
        try { r = (int) mh.invokeExact(x); } catch (Throwable t) { throw rethrow(t); }
        check(r, b, x);
    }
}
