package dev.tuna.bindings.cuda;

import dev.tuna.bindings.Binding;
import dev.tuna.bindings.BindingTable;
import dev.tuna.bindings.LibraryLocator;
import dev.tuna.bindings.NativeLibraryException;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Thin, checked Foreign Function and Memory bindings to the CUDA driver API ({@code libcuda.so}).
 *
 * <p>Java methods keep the C names of cuda.h (for example {@code cuMemAlloc}); they call the symbol that cuda.h's
 * {@code #define} maps that name to ({@code cuMemAlloc_v2}). Out-parameters are handled inside and returned. Every
 * CUresult is checked: anything but CUDA_SUCCESS throws a {@link CudaException} naming the call. The library is found
 * and the method handles are built once, the first time a function is called (a holder class), so loading this class on
 * a machine without a GPU never fails; a missing library gives a {@link NativeLibraryException} saying where it was
 * looked for and how to point tuna at it.
 *
 * <p>Types: CUresult, int, unsigned int, CUdevice and enums are {@code JAVA_INT}; CUdeviceptr, size_t and unsigned long
 * long are {@code JAVA_LONG}; pointers and handles (CUcontext, CUstream, CUevent, CUmodule, CUfunction, CUgraph,
 * CUgraphExec) are {@code ADDRESS}. {@link #bindings()} lists every binding; a test checks each against cuda.h.
 */
public final class CudaDriver {
    private CudaDriver() {}

    /** CU_STREAM_NON_BLOCKING: the stream does not wait for the legacy default stream (dependencies go through events). */
    public static final int CU_STREAM_NON_BLOCKING = 1;
    /** CU_EVENT_DISABLE_TIMING: an event only for ordering, cheaper to record and wait on. */
    public static final int CU_EVENT_DISABLE_TIMING = 2;
    static final int CUDA_ERROR_NOT_READY = 600;

    private static final BindingTable TABLE = new BindingTable();

    private static Binding bind(String name, String symbol, MemoryLayout... args) { return TABLE.add(name, symbol, args); }

    // Declared in cuda.h's order of topics; the symbol is what cuda.h's #define block maps the name to.
    static final Binding INIT = bind("cuInit", "cuInit", JAVA_INT);
    static final Binding DRIVER_GET_VERSION = bind("cuDriverGetVersion", "cuDriverGetVersion", ADDRESS);
    static final Binding DEVICE_GET_COUNT = bind("cuDeviceGetCount", "cuDeviceGetCount", ADDRESS);
    static final Binding DEVICE_GET = bind("cuDeviceGet", "cuDeviceGet", ADDRESS, JAVA_INT);
    static final Binding DEVICE_GET_NAME = bind("cuDeviceGetName", "cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
    static final Binding DEVICE_GET_ATTRIBUTE = bind("cuDeviceGetAttribute", "cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    static final Binding DEVICE_TOTAL_MEM = bind("cuDeviceTotalMem", "cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
    static final Binding PRIMARY_CTX_RETAIN = bind("cuDevicePrimaryCtxRetain", "cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
    static final Binding PRIMARY_CTX_RELEASE = bind("cuDevicePrimaryCtxRelease", "cuDevicePrimaryCtxRelease_v2", JAVA_INT);
    static final Binding CTX_SET_CURRENT = bind("cuCtxSetCurrent", "cuCtxSetCurrent", ADDRESS);
    static final Binding CTX_PUSH_CURRENT = bind("cuCtxPushCurrent", "cuCtxPushCurrent_v2", ADDRESS);
    static final Binding CTX_POP_CURRENT = bind("cuCtxPopCurrent", "cuCtxPopCurrent_v2", ADDRESS);
    static final Binding CTX_SYNCHRONIZE = bind("cuCtxSynchronize", "cuCtxSynchronize");
    static final Binding MEM_ALLOC = bind("cuMemAlloc", "cuMemAlloc_v2", ADDRESS, JAVA_LONG);
    static final Binding MEM_FREE = bind("cuMemFree", "cuMemFree_v2", JAVA_LONG);
    static final Binding MEM_ALLOC_HOST = bind("cuMemAllocHost", "cuMemAllocHost_v2", ADDRESS, JAVA_LONG);
    static final Binding MEM_FREE_HOST = bind("cuMemFreeHost", "cuMemFreeHost", ADDRESS);
    static final Binding MEMCPY_HTOD = bind("cuMemcpyHtoD", "cuMemcpyHtoD_v2", JAVA_LONG, ADDRESS, JAVA_LONG);
    static final Binding MEMCPY_DTOH = bind("cuMemcpyDtoH", "cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
    static final Binding MEMCPY_HTOD_ASYNC = bind("cuMemcpyHtoDAsync", "cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
    static final Binding MEMCPY_DTOH_ASYNC = bind("cuMemcpyDtoHAsync", "cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
    static final Binding MEMSET_D32 = bind("cuMemsetD32", "cuMemsetD32_v2", JAVA_LONG, JAVA_INT, JAVA_LONG);
    static final Binding STREAM_CREATE = bind("cuStreamCreate", "cuStreamCreate", ADDRESS, JAVA_INT);
    static final Binding STREAM_DESTROY = bind("cuStreamDestroy", "cuStreamDestroy_v2", ADDRESS);
    static final Binding STREAM_SYNCHRONIZE = bind("cuStreamSynchronize", "cuStreamSynchronize", ADDRESS);
    static final Binding STREAM_WAIT_EVENT = bind("cuStreamWaitEvent", "cuStreamWaitEvent", ADDRESS, ADDRESS, JAVA_INT);
    static final Binding EVENT_CREATE = bind("cuEventCreate", "cuEventCreate", ADDRESS, JAVA_INT);
    static final Binding EVENT_RECORD = bind("cuEventRecord", "cuEventRecord", ADDRESS, ADDRESS);
    static final Binding EVENT_SYNCHRONIZE = bind("cuEventSynchronize", "cuEventSynchronize", ADDRESS);
    static final Binding EVENT_QUERY = bind("cuEventQuery", "cuEventQuery", ADDRESS);
    static final Binding EVENT_ELAPSED_TIME = bind("cuEventElapsedTime", "cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS);
    static final Binding EVENT_DESTROY = bind("cuEventDestroy", "cuEventDestroy_v2", ADDRESS);
    static final Binding MODULE_LOAD_DATA = bind("cuModuleLoadData", "cuModuleLoadData", ADDRESS, ADDRESS);
    static final Binding MODULE_GET_FUNCTION = bind("cuModuleGetFunction", "cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
    static final Binding MODULE_UNLOAD = bind("cuModuleUnload", "cuModuleUnload", ADDRESS);
    static final Binding LAUNCH_KERNEL = bind("cuLaunchKernel", "cuLaunchKernel", ADDRESS,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    static final Binding STREAM_BEGIN_CAPTURE = bind("cuStreamBeginCapture", "cuStreamBeginCapture_v2", ADDRESS, JAVA_INT);
    static final Binding STREAM_END_CAPTURE = bind("cuStreamEndCapture", "cuStreamEndCapture", ADDRESS, ADDRESS);
    /** cuda.h declares {@code cuGraphInstantiate(CUgraphExec*, CUgraph, unsigned long long)} and #defines it to this. */
    static final Binding GRAPH_INSTANTIATE = bind("cuGraphInstantiate", "cuGraphInstantiateWithFlags", ADDRESS, ADDRESS, JAVA_LONG);
    static final Binding GRAPH_LAUNCH = bind("cuGraphLaunch", "cuGraphLaunch", ADDRESS, ADDRESS);
    static final Binding GRAPH_EXEC_DESTROY = bind("cuGraphExecDestroy", "cuGraphExecDestroy", ADDRESS);
    static final Binding GRAPH_DESTROY = bind("cuGraphDestroy", "cuGraphDestroy", ADDRESS);
    static final Binding GET_ERROR_NAME = bind("cuGetErrorName", "cuGetErrorName", JAVA_INT, ADDRESS);
    static final Binding GET_ERROR_STRING = bind("cuGetErrorString", "cuGetErrorString", JAVA_INT, ADDRESS);

    /** Every binding, in declaration order. */
    public static List<Binding> bindings() { return TABLE.all(); }

    /** Whether libcuda can be loaded here (it says nothing about whether a GPU is present). */
    public static boolean isAvailable() { return Holder.FAILURE == null; }

    /** Where libcuda was loaded from, if it was. */
    public static Optional<String> libraryLocation() { return Optional.ofNullable(Holder.LOCATION); }

    /** The library and the method handles, built on first use. */
    private static final class Holder {
        static final String LOCATION;
        static final NativeLibraryException FAILURE;
        private static final SymbolLookup LOOKUP;
        private static final List<String> MISSING = new ArrayList<>();

        static {
            LibraryLocator.Result found = LibraryLocator.fromEnvironment().find(LibraryLocator.Library.CUDA_DRIVER);
            SymbolLookup lookup = null;
            String location = null;
            NativeLibraryException failure = null;
            try {
                if (found.found()) {
                    Path p = found.path().get();
                    lookup = SymbolLookup.libraryLookup(p, Arena.global());
                    location = p.toString();
                } else {
                    // The driver ships with the GPU driver, not the toolkit: the dynamic loader may know it by soname.
                    lookup = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
                    location = "libcuda.so.1 (dynamic loader)";
                }
            } catch (IllegalArgumentException | IllegalCallerException e) {
                failure = new NativeLibraryException("CUDA driver library not usable: " + found.explain()
                        + " (or pass -Dtuna.cuda.libs=FOLDER); the dynamic loader does not know libcuda.so.1 either"
                        + " (it comes with the NVIDIA GPU driver). Cause: " + e.getMessage(), e);
            }
            LOOKUP = lookup;
            LOCATION = failure == null ? location : null;
            FAILURE = failure;
        }

        private static MethodHandle h(Binding b) {
            if (LOOKUP == null) return null;
            Optional<MemorySegment> sym = LOOKUP.find(b.symbol());
            if (sym.isEmpty()) {
                MISSING.add(b.symbol());
                return null;
            }
            return Linker.nativeLinker().downcallHandle(sym.get(), b.descriptor());
        }

        static final MethodHandle cuInit = h(INIT);
        static final MethodHandle cuDriverGetVersion = h(DRIVER_GET_VERSION);
        static final MethodHandle cuDeviceGetCount = h(DEVICE_GET_COUNT);
        static final MethodHandle cuDeviceGet = h(DEVICE_GET);
        static final MethodHandle cuDeviceGetName = h(DEVICE_GET_NAME);
        static final MethodHandle cuDeviceGetAttribute = h(DEVICE_GET_ATTRIBUTE);
        static final MethodHandle cuDeviceTotalMem = h(DEVICE_TOTAL_MEM);
        static final MethodHandle cuDevicePrimaryCtxRetain = h(PRIMARY_CTX_RETAIN);
        static final MethodHandle cuDevicePrimaryCtxRelease = h(PRIMARY_CTX_RELEASE);
        static final MethodHandle cuCtxSetCurrent = h(CTX_SET_CURRENT);
        static final MethodHandle cuCtxPushCurrent = h(CTX_PUSH_CURRENT);
        static final MethodHandle cuCtxPopCurrent = h(CTX_POP_CURRENT);
        static final MethodHandle cuCtxSynchronize = h(CTX_SYNCHRONIZE);
        static final MethodHandle cuMemAlloc = h(MEM_ALLOC);
        static final MethodHandle cuMemFree = h(MEM_FREE);
        static final MethodHandle cuMemAllocHost = h(MEM_ALLOC_HOST);
        static final MethodHandle cuMemFreeHost = h(MEM_FREE_HOST);
        static final MethodHandle cuMemcpyHtoD = h(MEMCPY_HTOD);
        static final MethodHandle cuMemcpyDtoH = h(MEMCPY_DTOH);
        static final MethodHandle cuMemcpyHtoDAsync = h(MEMCPY_HTOD_ASYNC);
        static final MethodHandle cuMemcpyDtoHAsync = h(MEMCPY_DTOH_ASYNC);
        static final MethodHandle cuMemsetD32 = h(MEMSET_D32);
        static final MethodHandle cuStreamCreate = h(STREAM_CREATE);
        static final MethodHandle cuStreamDestroy = h(STREAM_DESTROY);
        static final MethodHandle cuStreamSynchronize = h(STREAM_SYNCHRONIZE);
        static final MethodHandle cuStreamWaitEvent = h(STREAM_WAIT_EVENT);
        static final MethodHandle cuEventCreate = h(EVENT_CREATE);
        static final MethodHandle cuEventRecord = h(EVENT_RECORD);
        static final MethodHandle cuEventSynchronize = h(EVENT_SYNCHRONIZE);
        static final MethodHandle cuEventQuery = h(EVENT_QUERY);
        static final MethodHandle cuEventElapsedTime = h(EVENT_ELAPSED_TIME);
        static final MethodHandle cuEventDestroy = h(EVENT_DESTROY);
        static final MethodHandle cuModuleLoadData = h(MODULE_LOAD_DATA);
        static final MethodHandle cuModuleGetFunction = h(MODULE_GET_FUNCTION);
        static final MethodHandle cuModuleUnload = h(MODULE_UNLOAD);
        static final MethodHandle cuLaunchKernel = h(LAUNCH_KERNEL);
        static final MethodHandle cuStreamBeginCapture = h(STREAM_BEGIN_CAPTURE);
        static final MethodHandle cuStreamEndCapture = h(STREAM_END_CAPTURE);
        static final MethodHandle cuGraphInstantiateWithFlags = h(GRAPH_INSTANTIATE);
        static final MethodHandle cuGraphLaunch = h(GRAPH_LAUNCH);
        static final MethodHandle cuGraphExecDestroy = h(GRAPH_EXEC_DESTROY);
        static final MethodHandle cuGraphDestroy = h(GRAPH_DESTROY);
        static final MethodHandle cuGetErrorName = h(GET_ERROR_NAME);
        static final MethodHandle cuGetErrorString = h(GET_ERROR_STRING);

        /** The handle, or the reason it cannot be had. */
        static MethodHandle need(MethodHandle mh, Binding b) {
            if (FAILURE != null) throw new NativeLibraryException(FAILURE.getMessage(), FAILURE.getCause());
            if (mh == null) throw new NativeLibraryException("symbol " + b.symbol() + " not found in " + LOCATION
                    + "; the CUDA driver is too old for tuna (update the NVIDIA driver)");
            return mh;
        }
    }

    // ---- checking ----

    private static void check(int result, Binding b, Object... args) {
        if (result != 0) throw error(result, b, args);
    }

    static CudaException error(int result, Binding b, Object... args) {
        return new CudaException(b.call(args), result, errorName(result));
    }

    /** The driver's name for a CUresult when libcuda is loaded, else the header's (see {@link CudaException#nameOf}). */
    static String errorName(int result) {
        if (isAvailable() && Holder.cuGetErrorName != null) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ADDRESS);
                int r = (int) Holder.cuGetErrorName.invokeExact(result, out);
                MemorySegment p = out.get(ADDRESS, 0);
                if (r == 0 && !p.equals(MemorySegment.NULL)) return p.reinterpret(Long.MAX_VALUE).getString(0);
            } catch (Throwable t) {
                // fall back to the table
            }
        }
        return CudaException.nameOf(result);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new NativeLibraryException("unexpected checked exception from a downcall", t);
    }

    // ---- initialization and devices ----

    public static void cuInit(int flags) {
        MethodHandle mh = Holder.need(Holder.cuInit, INIT);
        int r;
        try { r = (int) mh.invokeExact(flags); } catch (Throwable t) { throw rethrow(t); }
        check(r, INIT, flags);
    }

    public static int cuDriverGetVersion() {
        MethodHandle mh = Holder.need(Holder.cuDriverGetVersion, DRIVER_GET_VERSION);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(out);
            check(r, DRIVER_GET_VERSION);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static int cuDeviceGetCount() {
        MethodHandle mh = Holder.need(Holder.cuDeviceGetCount, DEVICE_GET_COUNT);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(out);
            check(r, DEVICE_GET_COUNT);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** The CUdevice for an ordinal. */
    public static int cuDeviceGet(int ordinal) {
        MethodHandle mh = Holder.need(Holder.cuDeviceGet, DEVICE_GET);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(out, ordinal);
            check(r, DEVICE_GET, ordinal);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static String cuDeviceGetName(int dev) {
        MethodHandle mh = Holder.need(Holder.cuDeviceGetName, DEVICE_GET_NAME);
        int len = 256;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(len);
            int r = (int) mh.invokeExact(buf, len, dev);
            check(r, DEVICE_GET_NAME, len, dev);
            return buf.getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** {@code attrib} is a CUdevice_attribute value. */
    public static int cuDeviceGetAttribute(int attrib, int dev) {
        MethodHandle mh = Holder.need(Holder.cuDeviceGetAttribute, DEVICE_GET_ATTRIBUTE);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            int r = (int) mh.invokeExact(out, attrib, dev);
            check(r, DEVICE_GET_ATTRIBUTE, attrib, dev);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static long cuDeviceTotalMem(int dev) {
        MethodHandle mh = Holder.need(Holder.cuDeviceTotalMem, DEVICE_TOTAL_MEM);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            int r = (int) mh.invokeExact(out, dev);
            check(r, DEVICE_TOTAL_MEM, dev);
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- contexts ----

    /** The device's primary context (a CUcontext). */
    public static MemorySegment cuDevicePrimaryCtxRetain(int dev) {
        MethodHandle mh = Holder.need(Holder.cuDevicePrimaryCtxRetain, PRIMARY_CTX_RETAIN);
        return outAddress(mh, PRIMARY_CTX_RETAIN, (m, out) -> (int) m.invokeExact(out, dev), dev);
    }

    public static void cuDevicePrimaryCtxRelease(int dev) {
        MethodHandle mh = Holder.need(Holder.cuDevicePrimaryCtxRelease, PRIMARY_CTX_RELEASE);
        int r;
        try { r = (int) mh.invokeExact(dev); } catch (Throwable t) { throw rethrow(t); }
        check(r, PRIMARY_CTX_RELEASE, dev);
    }

    public static void cuCtxSetCurrent(MemorySegment ctx) { callA(Holder.cuCtxSetCurrent, CTX_SET_CURRENT, ctx); }

    /** Makes ctx current until the matching {@link #cuCtxPopCurrent}, which restores whatever was current before. */
    public static void cuCtxPushCurrent(MemorySegment ctx) { callA(Holder.cuCtxPushCurrent, CTX_PUSH_CURRENT, ctx); }

    /** Pops the context pushed last (returned) and makes the one before it current again. */
    public static MemorySegment cuCtxPopCurrent() {
        MethodHandle mh = Holder.need(Holder.cuCtxPopCurrent, CTX_POP_CURRENT);
        return outAddress(mh, CTX_POP_CURRENT, (m, out) -> (int) m.invokeExact(out));
    }

    public static void cuCtxSynchronize() {
        MethodHandle mh = Holder.need(Holder.cuCtxSynchronize, CTX_SYNCHRONIZE);
        int r;
        try { r = (int) mh.invokeExact(); } catch (Throwable t) { throw rethrow(t); }
        check(r, CTX_SYNCHRONIZE);
    }

    // ---- memory ----

    /** A device allocation (CUdeviceptr). */
    public static long cuMemAlloc(long bytes) {
        MethodHandle mh = Holder.need(Holder.cuMemAlloc, MEM_ALLOC);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            int r = (int) mh.invokeExact(out, bytes);
            check(r, MEM_ALLOC, bytes);
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void cuMemFree(long dptr) {
        MethodHandle mh = Holder.need(Holder.cuMemFree, MEM_FREE);
        int r;
        try { r = (int) mh.invokeExact(dptr); } catch (Throwable t) { throw rethrow(t); }
        check(r, MEM_FREE, dptr);
    }

    /** Page-locked host memory of {@code bytes} bytes; free it with {@link #cuMemFreeHost}. */
    public static MemorySegment cuMemAllocHost(long bytes) {
        MethodHandle mh = Holder.need(Holder.cuMemAllocHost, MEM_ALLOC_HOST);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int r = (int) mh.invokeExact(out, bytes);
            check(r, MEM_ALLOC_HOST, bytes);
            return out.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void cuMemFreeHost(MemorySegment p) { callA(Holder.cuMemFreeHost, MEM_FREE_HOST, p); }

    public static void cuMemcpyHtoD(long dst, MemorySegment src, long bytes) {
        MethodHandle mh = Holder.need(Holder.cuMemcpyHtoD, MEMCPY_HTOD);
        int r;
        try { r = (int) mh.invokeExact(dst, src, bytes); } catch (Throwable t) { throw rethrow(t); }
        check(r, MEMCPY_HTOD, dst, src, bytes);
    }

    public static void cuMemcpyDtoH(MemorySegment dst, long src, long bytes) {
        MethodHandle mh = Holder.need(Holder.cuMemcpyDtoH, MEMCPY_DTOH);
        int r;
        try { r = (int) mh.invokeExact(dst, src, bytes); } catch (Throwable t) { throw rethrow(t); }
        check(r, MEMCPY_DTOH, dst, src, bytes);
    }

    public static void cuMemcpyHtoDAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        MethodHandle mh = Holder.need(Holder.cuMemcpyHtoDAsync, MEMCPY_HTOD_ASYNC);
        int r;
        try { r = (int) mh.invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
        check(r, MEMCPY_HTOD_ASYNC, dst, src, bytes, stream);
    }

    public static void cuMemcpyDtoHAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        MethodHandle mh = Holder.need(Holder.cuMemcpyDtoHAsync, MEMCPY_DTOH_ASYNC);
        int r;
        try { r = (int) mh.invokeExact(dst, src, bytes, stream); } catch (Throwable t) { throw rethrow(t); }
        check(r, MEMCPY_DTOH_ASYNC, dst, src, bytes, stream);
    }

    /** Sets {@code n} 32-bit words at {@code dst} to {@code value}. */
    public static void cuMemsetD32(long dst, int value, long n) {
        MethodHandle mh = Holder.need(Holder.cuMemsetD32, MEMSET_D32);
        int r;
        try { r = (int) mh.invokeExact(dst, value, n); } catch (Throwable t) { throw rethrow(t); }
        check(r, MEMSET_D32, dst, value, n);
    }

    // ---- streams and events ----

    public static MemorySegment cuStreamCreate(int flags) {
        MethodHandle mh = Holder.need(Holder.cuStreamCreate, STREAM_CREATE);
        return outAddress(mh, STREAM_CREATE, (m, out) -> (int) m.invokeExact(out, flags), flags);
    }

    public static void cuStreamDestroy(MemorySegment stream) { callA(Holder.cuStreamDestroy, STREAM_DESTROY, stream); }

    public static void cuStreamSynchronize(MemorySegment stream) { callA(Holder.cuStreamSynchronize, STREAM_SYNCHRONIZE, stream); }

    /** Work enqueued on {@code stream} after this waits for the event's recorded work; the host does not wait. */
    public static void cuStreamWaitEvent(MemorySegment stream, MemorySegment event, int flags) {
        MethodHandle mh = Holder.need(Holder.cuStreamWaitEvent, STREAM_WAIT_EVENT);
        int r;
        try { r = (int) mh.invokeExact(stream, event, flags); } catch (Throwable t) { throw rethrow(t); }
        check(r, STREAM_WAIT_EVENT, stream, event, flags);
    }

    public static MemorySegment cuEventCreate(int flags) {
        MethodHandle mh = Holder.need(Holder.cuEventCreate, EVENT_CREATE);
        return outAddress(mh, EVENT_CREATE, (m, out) -> (int) m.invokeExact(out, flags), flags);
    }

    public static void cuEventRecord(MemorySegment event, MemorySegment stream) {
        callAA(Holder.cuEventRecord, EVENT_RECORD, event, stream);
    }

    public static void cuEventSynchronize(MemorySegment event) { callA(Holder.cuEventSynchronize, EVENT_SYNCHRONIZE, event); }

    /** Whether the event's work is done: CUDA_ERROR_NOT_READY is an answer (false), not an error, so a waiter can poll. */
    public static boolean cuEventQuery(MemorySegment event) {
        MethodHandle mh = Holder.need(Holder.cuEventQuery, EVENT_QUERY);
        int r;
        try { r = (int) mh.invokeExact(event); } catch (Throwable t) { throw rethrow(t); }
        if (r == CUDA_ERROR_NOT_READY) return false;
        check(r, EVENT_QUERY, event);
        return true;
    }

    /** Milliseconds between two recorded events. */
    public static float cuEventElapsedTime(MemorySegment start, MemorySegment end) {
        MethodHandle mh = Holder.need(Holder.cuEventElapsedTime, EVENT_ELAPSED_TIME);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_FLOAT);
            int r = (int) mh.invokeExact(out, start, end);
            check(r, EVENT_ELAPSED_TIME, start, end);
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void cuEventDestroy(MemorySegment event) { callA(Holder.cuEventDestroy, EVENT_DESTROY, event); }

    // ---- modules and launches ----

    /** Loads a module from a PTX (NUL-terminated) or cubin image. */
    public static MemorySegment cuModuleLoadData(MemorySegment image) {
        MethodHandle mh = Holder.need(Holder.cuModuleLoadData, MODULE_LOAD_DATA);
        return outAddress(mh, MODULE_LOAD_DATA, (m, out) -> (int) m.invokeExact(out, image), image);
    }

    public static MemorySegment cuModuleGetFunction(MemorySegment module, String name) {
        MethodHandle mh = Holder.need(Holder.cuModuleGetFunction, MODULE_GET_FUNCTION);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cName = a.allocateFrom(name);
            MemorySegment out = a.allocate(ADDRESS);
            int r = (int) mh.invokeExact(out, module, cName);
            check(r, MODULE_GET_FUNCTION, module, name);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    public static void cuModuleUnload(MemorySegment module) { callA(Holder.cuModuleUnload, MODULE_UNLOAD, module); }

    /** {@code kernelParams}: an array of pointers to the arguments; {@code extra} is usually {@code MemorySegment.NULL}. */
    public static void cuLaunchKernel(MemorySegment f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                      int sharedMemBytes, MemorySegment stream, MemorySegment kernelParams, MemorySegment extra) {
        MethodHandle mh = Holder.need(Holder.cuLaunchKernel, LAUNCH_KERNEL);
        int r;
        try {
            r = (int) mh.invokeExact(f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemBytes, stream, kernelParams, extra);
        } catch (Throwable t) { throw rethrow(t); }
        check(r, LAUNCH_KERNEL, f, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemBytes, stream, kernelParams, extra);
    }

    // ---- graphs ----

    /** {@code mode} is a CUstreamCaptureMode (0 global, 1 thread-local, 2 relaxed). */
    public static void cuStreamBeginCapture(MemorySegment stream, int mode) {
        MethodHandle mh = Holder.need(Holder.cuStreamBeginCapture, STREAM_BEGIN_CAPTURE);
        int r;
        try { r = (int) mh.invokeExact(stream, mode); } catch (Throwable t) { throw rethrow(t); }
        check(r, STREAM_BEGIN_CAPTURE, stream, mode);
    }

    /** The captured CUgraph. */
    public static MemorySegment cuStreamEndCapture(MemorySegment stream) {
        MethodHandle mh = Holder.need(Holder.cuStreamEndCapture, STREAM_END_CAPTURE);
        return outAddress(mh, STREAM_END_CAPTURE, (m, out) -> (int) m.invokeExact(stream, out), stream);
    }

    /** An executable graph (CUgraphExec). */
    public static MemorySegment cuGraphInstantiateWithFlags(MemorySegment graph, long flags) {
        MethodHandle mh = Holder.need(Holder.cuGraphInstantiateWithFlags, GRAPH_INSTANTIATE);
        return outAddress(mh, GRAPH_INSTANTIATE, (m, out) -> (int) m.invokeExact(out, graph, flags), graph, flags);
    }

    public static void cuGraphLaunch(MemorySegment graphExec, MemorySegment stream) {
        callAA(Holder.cuGraphLaunch, GRAPH_LAUNCH, graphExec, stream);
    }

    public static void cuGraphExecDestroy(MemorySegment graphExec) { callA(Holder.cuGraphExecDestroy, GRAPH_EXEC_DESTROY, graphExec); }

    public static void cuGraphDestroy(MemorySegment graph) { callA(Holder.cuGraphDestroy, GRAPH_DESTROY, graph); }

    // ---- errors ----

    /** The driver's name for a CUresult (for example CUDA_ERROR_OUT_OF_MEMORY). */
    public static String cuGetErrorName(int error) {
        return errorText(Holder.need(Holder.cuGetErrorName, GET_ERROR_NAME), GET_ERROR_NAME, error);
    }

    /** The driver's description of a CUresult. */
    public static String cuGetErrorString(int error) {
        return errorText(Holder.need(Holder.cuGetErrorString, GET_ERROR_STRING), GET_ERROR_STRING, error);
    }

    private static String errorText(MethodHandle mh, Binding b, int error) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int r = (int) mh.invokeExact(error, out);
            check(r, b, error);
            return out.get(ADDRESS, 0).reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- helpers for the common shapes ----

    @FunctionalInterface
    private interface OutCall { int call(MethodHandle mh, MemorySegment out) throws Throwable; }

    private static MemorySegment outAddress(MethodHandle mh, Binding b, OutCall call, Object... args) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int r = call.call(mh, out);
            check(r, b, args);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    private static void callA(MethodHandle handle, Binding b, MemorySegment x) {
        MethodHandle mh = Holder.need(handle, b);
        int r;
        try { r = (int) mh.invokeExact(x); } catch (Throwable t) { throw rethrow(t); }
        check(r, b, x);
    }

    private static void callAA(MethodHandle handle, Binding b, MemorySegment x, MemorySegment y) {
        MethodHandle mh = Holder.need(handle, b);
        int r;
        try { r = (int) mh.invokeExact(x, y); } catch (Throwable t) { throw rethrow(t); }
        check(r, b, x, y);
    }
}
