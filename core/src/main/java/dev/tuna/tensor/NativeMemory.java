package dev.tuna.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Arenas that count the native bytes they hold, so that "memory after trial N equals memory after trial 1" can
 * be measured (the JVM's own pools do not see memory segments). Every long-lived tuna allocation (models,
 * optimizer slots, step arenas, data sets, snapshots) comes from here.
 */
public final class NativeMemory {
    private static final AtomicLong LIVE = new AtomicLong();

    private NativeMemory() {}

    /** Native bytes held by arenas from this class that are not closed yet. */
    public static long liveBytes() { return LIVE.get(); }

    /** A counting shared arena (usable from any thread, closed explicitly). */
    public static Arena shared() { return new Counting(Arena.ofShared()); }

    /** A counting confined arena (the creating thread only). */
    public static Arena confined() { return new Counting(Arena.ofConfined()); }

    private static final class Counting implements Arena {
        private final Arena inner;
        private final AtomicLong mine = new AtomicLong();

        Counting(Arena inner) { this.inner = inner; }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            MemorySegment s = inner.allocate(byteSize, byteAlignment);
            mine.addAndGet(byteSize);
            LIVE.addAndGet(byteSize);
            return s;
        }

        @Override
        public MemorySegment.Scope scope() { return inner.scope(); }

        @Override
        public void close() {
            inner.close();
            LIVE.addAndGet(-mine.getAndSet(0));
        }
    }
}
