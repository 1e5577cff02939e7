package dev.tuna.backend.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A caching allocator for device memory, as PyTorch's is: sizes round up to a class (512 bytes below 1 MiB, 2 MiB
 * above), a freed block goes back to its class's free list instead of to the driver, and a request is served from
 * that list when it can. A training step runs inside a {@link Step}: what it allocates returns to the lists when the
 * step ends, so from the second step on a step makes no driver calls and device memory stays flat. {@link #emptyCache}
 * hands every cached block back to the driver (between trials), so memory after trial N equals memory after trial 1.
 */
public final class DeviceAllocator {
    static final long SMALL = 512, LARGE = 2L << 20, SMALL_LIMIT = 1L << 20;

    private final DeviceRuntime runtime;
    private final TreeMap<Long, ArrayDeque<Long>> free = new TreeMap<>();
    private final Map<Long, Long> live = new HashMap<>();   // address -> size class of blocks handed out
    private long reserved;
    private long inUse;
    private long driverAllocations;

    public DeviceAllocator(DeviceRuntime runtime) { this.runtime = runtime; }

    /** The size class of a request. */
    static long sizeClass(long bytes) {
        long b = Math.max(1, bytes);
        return b < SMALL_LIMIT ? (b + SMALL - 1) / SMALL * SMALL : (b + LARGE - 1) / LARGE * LARGE;
    }

    /** A block of at least {@code bytes}, held until {@link #release} (parameters, optimizer slots, data sets). */
    public synchronized long allocate(long bytes) {
        long cls = sizeClass(bytes);
        ArrayDeque<Long> list = free.get(cls);
        long address;
        if (list != null && !list.isEmpty()) {
            address = list.pop();
        } else {
            address = runtime.malloc(cls);
            reserved += cls;
            driverAllocations++;
        }
        live.put(address, cls);
        inUse += cls;
        return address;
    }

    /** Returns a block to its free list (for memory that outlives steps: parameters, optimizer slots, data sets). */
    public synchronized void release(long address) {
        Long cls = live.remove(address);
        if (cls == null) throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not a live block of this allocator");
        inUse -= cls;
        free.computeIfAbsent(cls, k -> new ArrayDeque<>()).push(address);
    }

    /** Hands every cached (free) block back to the driver. */
    public synchronized void emptyCache() {
        for (ArrayDeque<Long> list : free.values()) {
            for (long a : list) {
                runtime.free(a);
            }
        }
        for (Map.Entry<Long, ArrayDeque<Long>> e : free.entrySet()) reserved -= e.getKey() * e.getValue().size();
        free.clear();
    }

    /** Device bytes held from the driver (in use plus cached). */
    public synchronized long reservedBytes() { return reserved; }

    /** Device bytes handed out and not yet released. */
    public synchronized long inUseBytes() { return inUse; }

    /** How many times this allocator has asked the driver for memory. */
    public synchronized long driverAllocations() { return driverAllocations; }

    /** Starts a step scope. Steps are independent (each tuner worker has its own), and each returns only its own blocks. */
    public Step step() { return new Step(); }

    /** What one step allocated through it, returned to the free lists on close. */
    public final class Step implements AutoCloseable {
        private final List<Long> blocks = new ArrayList<>();
        private boolean closed;

        /** A block that returns to the cache when this step closes. */
        public long allocate(long bytes) {
            synchronized (DeviceAllocator.this) {
                if (closed) throw new IllegalStateException("the device step is closed");
                long a = DeviceAllocator.this.allocate(bytes);
                blocks.add(a);
                return a;
            }
        }

        @Override
        public void close() {
            synchronized (DeviceAllocator.this) {
                if (closed) return;
                closed = true;
                for (long a : blocks) if (live.containsKey(a)) release(a);
            }
        }
    }

    /** Frees everything, live or cached (the device is being closed). */
    public synchronized void closeAll() {
        for (long a : new ArrayList<>(live.keySet())) release(a);
        emptyCache();
    }
}
