package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The caching device allocator over a fake device that hands out address ranges and counts what is held. */
class DeviceAllocatorTest {

    /** Addresses from a counter; tracks the bytes the "driver" has handed out. */
    static final class FakeDevice implements DeviceRuntime {
        long next = 0x10000, held, mallocs;
        final Map<Long, Long> blocks = new HashMap<>();

        @Override public long malloc(long bytes) {
            long a = next;
            next += bytes + 256;
            blocks.put(a, bytes);
            held += bytes;
            mallocs++;
            return a;
        }

        @Override public void free(long address) {
            Long b = blocks.remove(address);
            if (b == null) throw new AssertionError("double free of 0x" + Long.toHexString(address));
            held -= b;
        }

        @Override public void copyToDevice(MemorySegment host, long device, long bytes) {}
        @Override public void copyToHost(long device, MemorySegment host, long bytes) {}
        @Override public void launch(String kernel, Object... args) {}
        @Override public void gemm(boolean ta, boolean tb, int m, int n, int k, long a, int lda, long b, int ldb, float beta, long c, int ldc) {}
        @Override public void synchronize() {}
        @Override public void close() {}
    }

    @Test
    void sizesRoundUpToTheirClass() {
        assertEquals(512, DeviceAllocator.sizeClass(1));
        assertEquals(1024, DeviceAllocator.sizeClass(1000));
        assertEquals(1L << 20, DeviceAllocator.sizeClass((1L << 20) - 5));
        assertEquals(2L << 20, DeviceAllocator.sizeClass((1L << 20) + 1));
        assertEquals(4L << 20, DeviceAllocator.sizeClass((2L << 20) + 1));
    }

    @Test
    void fromTheSecondStepOnAStepMakesNoDriverCalls() {
        FakeDevice dev = new FakeDevice();
        DeviceAllocator alloc = new DeviceAllocator(dev);
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        long[] sizes = new long[40];
        for (int i = 0; i < sizes.length; i++) sizes[i] = 1 + rng.nextLong(8L << 20);
        long afterFirst = -1, mallocsAfterFirst = -1;
        for (int step = 0; step < 100; step++) {
            try (DeviceAllocator.Step s = alloc.step()) {
                for (long b : sizes) s.allocate(b);
            }
            if (step == 0) {
                afterFirst = dev.held;
                mallocsAfterFirst = dev.mallocs;
            }
            assertEquals(0, alloc.inUseBytes(), "a step's blocks all come back");
        }
        assertEquals(mallocsAfterFirst, dev.mallocs, "steps 2..100 were served from the cache");
        assertEquals(afterFirst, dev.held, "device memory is flat across steps");
    }

    @Test
    void memoryAfterTrialNEqualsMemoryAfterTrialOne() {
        FakeDevice dev = new FakeDevice();
        DeviceAllocator alloc = new DeviceAllocator(dev);
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        long afterTrialOne = -1;
        for (int trial = 0; trial < 50; trial++) {
            // A trial: parameters that live through it, then steps, then everything released and the cache emptied.
            List<Long> params = new ArrayList<>();
            for (int p = 0; p < 6; p++) params.add(alloc.allocate(1 + rng.nextLong(1L << 22)));
            for (int step = 0; step < 20; step++) {
                try (DeviceAllocator.Step s = alloc.step()) {
                    for (int t = 0; t < 15; t++) s.allocate(1 + rng.nextLong(1L << 21));
                }
            }
            for (long p : params) alloc.release(p);
            alloc.emptyCache();
            if (trial == 0) afterTrialOne = dev.held;
            assertEquals(afterTrialOne, dev.held, "after trial " + (trial + 1));
        }
        assertEquals(0, afterTrialOne, "nothing is held between trials");
        assertEquals(0, alloc.reservedBytes());
    }

    @Test
    void liveBlocksNeverOverlap() {
        FakeDevice dev = new FakeDevice();
        DeviceAllocator alloc = new DeviceAllocator(dev);
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        TreeMap<Long, Long> live = new TreeMap<>();
        for (int i = 0; i < 5000; i++) {
            if (!live.isEmpty() && rng.nextInt(3) == 0) {
                long a = live.keySet().stream().skip(rng.nextInt(live.size())).findFirst().orElseThrow();
                live.remove(a);
                alloc.release(a);
            } else {
                long bytes = 1 + rng.nextLong(3L << 20);
                long a = alloc.allocate(bytes);
                Map.Entry<Long, Long> below = live.floorEntry(a), above = live.ceilingEntry(a);
                assertTrue(below == null || below.getKey() + below.getValue() <= a, "overlaps the block below");
                assertTrue(above == null || a + bytes <= above.getKey(), "overlaps the block above");
                live.put(a, bytes);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> alloc.release(0xdeadL));
        alloc.closeAll();
        assertEquals(0, dev.held, "closing hands everything back");
    }

    @Test
    void stepsReturnOnlyTheirOwnBlocksInAnyOrder() {
        DeviceAllocator alloc = new DeviceAllocator(new FakeDevice());
        long kept = alloc.allocate(4000);
        DeviceAllocator.Step first = alloc.step(), second = alloc.step();
        first.allocate(100);
        second.allocate(2000);
        first.close();
        assertEquals(4096 + 2048, alloc.inUseBytes(), "the other step's block and the kept block remain");
        second.close();
        assertEquals(4096, alloc.inUseBytes());
        assertThrows(IllegalStateException.class, () -> first.allocate(1));
        alloc.release(kept);
        assertEquals(0, alloc.inUseBytes());
    }
}
