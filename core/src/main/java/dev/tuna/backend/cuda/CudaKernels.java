package dev.tuna.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.bindings.nvrtc.Nvrtc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * tuna's kernels on one GPU: each kernel file compiled by NVRTC for the device's architecture (through the
 * {@link KernelCache}), loaded as a module into the device's primary context, and launched by name. Every kernel is a
 * grid-stride loop, so one launch geometry (a few blocks per multiprocessor of 256 threads) serves every size.
 * Arguments are 8-byte values (device pointers and longs), ints and floats, in the kernel's order.
 */
public final class CudaKernels implements AutoCloseable {
    private static final int BLOCK = 256;
    private static final Pattern KERNEL = Pattern.compile("extern \"C\" __global__ void (\\w+)\\s*\\(");

    private final int ordinal;
    private final String arch;
    private MemorySegment context;
    private final int grid;
    private final List<MemorySegment> modules = new ArrayList<>();
    private final Map<String, MemorySegment> functions = new HashMap<>();

    private CudaKernels(int ordinal, String arch, int multiprocessors) {
        this.ordinal = ordinal;
        this.arch = arch;
        this.grid = Math.max(1, multiprocessors * 4);
    }

    /** NVRTC as the cache's compiler. */
    public static KernelCache.Compiler nvrtc() {
        return (source, name, arch) -> Nvrtc.compileToCubin(source, name, arch, List.of("--std=c++17"));
    }

    /** Compiles (or takes from the cache) and loads every kernel file on device {@code ordinal}. */
    public static CudaKernels open(int ordinal, KernelCache cache) {
        CudaDriver.cuInit(0);
        int dev = CudaDriver.cuDeviceGet(ordinal);
        MemorySegment ctx = CudaDriver.cuDevicePrimaryCtxRetain(dev);
        CudaDriver.cuCtxSetCurrent(ctx);
        int major = CudaDriver.cuDeviceGetAttribute(75, dev), minor = CudaDriver.cuDeviceGetAttribute(76, dev);
        CudaKernels k = new CudaKernels(ordinal, "sm_" + major + minor, CudaDriver.cuDeviceGetAttribute(16, dev));
        k.context = ctx;
        try (Arena a = Arena.ofConfined()) {
            for (String file : KernelCache.FILES) {
                String source = KernelCache.source(file);
                byte[] cubin = cache.cubin(file, source, k.arch);
                MemorySegment module = CudaDriver.cuModuleLoadData(a.allocateFrom(JAVA_BYTE, cubin));
                k.modules.add(module);
                Matcher m = KERNEL.matcher(source);
                while (m.find()) k.functions.put(m.group(1), CudaDriver.cuModuleGetFunction(module, m.group(1)));
            }
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
        return k;
    }

    /** The device's primary context (each thread that calls the driver makes it current first). */
    public MemorySegment context() { return context; }

    /** The architecture the kernels were compiled for, such as sm_90. */
    public String arch() { return arch; }

    public boolean has(String kernel) { return functions.containsKey(kernel); }

    /** Launches a kernel on the default stream (asynchronously: synchronise before reading its results). */
    public void launch(String kernel, Object... args) {
        MemorySegment f = functions.get(kernel);
        if (f == null) throw new IllegalArgumentException("no kernel " + kernel + " in " + KernelCache.FILES);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment params = a.allocate(ADDRESS, Math.max(1, args.length));
            for (int i = 0; i < args.length; i++) {
                MemorySegment slot = switch (args[i]) {
                    case Long l -> a.allocateFrom(JAVA_LONG, l);
                    case Integer n -> a.allocateFrom(JAVA_INT, n);
                    case Float x -> a.allocateFrom(JAVA_FLOAT, x);
                    default -> throw new IllegalArgumentException(kernel + " argument " + i + ": " + args[i].getClass().getSimpleName()
                            + " is not a long, int or float");
                };
                params.setAtIndex(ADDRESS, i, slot);
            }
            CudaDriver.cuLaunchKernel(f, grid, 1, 1, BLOCK, 1, 1, 0, MemorySegment.NULL, params, MemorySegment.NULL);
        }
    }

    @Override
    public void close() {
        for (MemorySegment m : modules) CudaDriver.cuModuleUnload(m);
        modules.clear();
        CudaDriver.cuDevicePrimaryCtxRelease(CudaDriver.cuDeviceGet(ordinal));
    }
}
