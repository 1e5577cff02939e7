package dev.tuna.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * A reusable bump allocator for what one training step creates. {@link #reset()} frees everything at
 * once, deterministically. When a step needs more than the current block, the overflow is served from
 * extra blocks, and the next reset replaces them with one block big enough for the whole step, so
 * after the first step the arena neither allocates nor grows: memory after epoch N equals epoch 1.
 */
public final class StepArena implements SegmentAllocator, AutoCloseable {
    private static final long ALIGN = 64;

    private Arena blockArena;
    private MemorySegment block;
    private long used;
    private Arena overflowArena;
    private long overflowBytes;
    private long peak;
    private boolean closed;

    public StepArena(long initialBytes) {
        newBlock(Math.max(ALIGN, initialBytes));
    }

    public StepArena() { this(1L << 20); }

    private void newBlock(long bytes) {
        blockArena = NativeMemory.shared();
        block = blockArena.allocate(bytes, ALIGN);
        used = 0;
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (closed) throw new IllegalStateException("step arena is closed");
        long size = Math.max(1, byteSize);
        long start = (used + ALIGN - 1) & -ALIGN;
        if (start + size <= block.byteSize()) {
            used = start + size;
            peak = Math.max(peak, used + overflowBytes);
            return block.asSlice(start, byteSize);
        }
        if (overflowArena == null) overflowArena = NativeMemory.shared();
        overflowBytes += (size + ALIGN - 1) & -ALIGN;
        peak = Math.max(peak, used + overflowBytes);
        return overflowArena.allocate(byteSize, ALIGN);
    }

    /** Releases everything allocated since the last reset; segments handed out before become invalid. */
    public void reset() {
        if (closed) return;
        if (overflowArena != null) {
            overflowArena.close();
            overflowArena = null;
            overflowBytes = 0;
            long want = peak + peak / 8;
            blockArena.close();
            newBlock(want);
        }
        used = 0;
    }

    /** Bytes of native memory this arena holds now. */
    public long reservedBytes() { return closed ? 0 : block.byteSize() + overflowBytes; }

    /** Largest number of bytes any one step has needed. */
    public long peakBytes() { return peak; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (overflowArena != null) overflowArena.close();
        blockArena.close();
    }
}
