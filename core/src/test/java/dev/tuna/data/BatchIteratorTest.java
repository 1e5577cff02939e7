package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchIteratorTest {
    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);

    /** A data set whose first feature of row i is i, so a batch tells which rows it holds. */
    private Dataset indexed(int n) { return indexed(n, 2, 3); }

    private Dataset indexed(int n, int h, int w) {
        Dataset d = DatasetTest.random(rng, n, h, w, 10);
        for (int i = 0; i < n; i++) d.x().setFloat((long) i * h * w, i);
        return d;
    }

    private static float[] features(BatchIterator.Batch b) { return b.x().toFloatArray(); }

    @Test
    void everyRowOncePerEpochWithPartialLastBatch() {
        try (Dataset d = indexed(1000); StepArena arena = new StepArena()) {
            BatchIterator it = new BatchIterator(d, 128, 1234, true);
            assertEquals(8, it.batchesPerEpoch());
            for (int epoch = 0; epoch < 3; epoch++) {
                it.startEpoch(epoch);
                int[] seen = new int[1000];
                for (int i = 0; i < it.batchesPerEpoch(); i++) {
                    try (MemoryScope s = MemoryScope.step(arena)) {
                        BatchIterator.Batch b = it.batch(i);
                        int expect = i < 7 ? 128 : 1000 - 7 * 128;
                        assertEquals(expect, b.size());
                        assertEquals(expect, it.batchLength(i));
                        assertEquals(d.x().shape().withFirst(expect), b.x().shape());
                        float[] f = features(b);
                        for (int r = 0; r < expect; r++) {
                            int row = (int) f[r * 6];
                            seen[row]++;
                            assertEquals(d.y().getInt(row), b.y().getInt(r));
                            for (int k = 1; k < 6; k++) assertEquals(d.x().getFloat(row * 6L + k), f[r * 6 + k]);
                        }
                    }
                }
                for (int c : seen) assertEquals(1, c, "seed " + seed);
            }
            assertThrows(IndexOutOfBoundsException.class, () -> it.batch(8));
        }
    }

    @Test
    void sameSeedSameBatchesOtherEpochOtherOrder() {
        try (Dataset d = indexed(500); Arena a = Arena.ofConfined()) {
            BatchIterator one = new BatchIterator(d, 64, 77, true), two = new BatchIterator(d, 64, 77, true);
            one.startEpoch(3);
            two.startEpoch(3);
            for (int i = 0; i < one.batchesPerEpoch(); i++) {
                BatchIterator.Batch x = one.batch(i, a), y = two.batch(i, a);
                assertEquals(-1, x.x().data().mismatch(y.x().data()));
                assertEquals(-1, x.y().data().mismatch(y.y().data()));
            }
            int[] e3 = one.order();
            one.startEpoch(4);
            assertFalse(Arrays.equals(e3, one.order()));
            BatchIterator other = new BatchIterator(d, 64, 78, true);
            other.startEpoch(3);
            assertFalse(Arrays.equals(e3, other.order()));
            one.startEpoch(3);
            assertArrayEquals(e3, one.order());
            // the order is the one Trainer derives from (seed, epoch)
            int[] trainer = new int[500];
            for (int i = 0; i < 500; i++) trainer[i] = i;
            SplittableRandom r = new SplittableRandom(dev.tuna.backend.cpu.CounterRng.mix(77, 0x5eed0000L + 3));
            for (int i = 499; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = trainer[i];
                trainer[i] = trainer[j];
                trainer[j] = t;
            }
            assertArrayEquals(trainer, e3);
            assertThrows(IllegalStateException.class, () -> new BatchIterator(d, 10, 1, true).batch(0, a));
        }
    }

    @Test
    void evaluationKeepsOrderAndGatheringIsFast() {
        try (Dataset d = indexed(60000, 28, 28); StepArena arena = new StepArena()) {
            BatchIterator eval = BatchIterator.inOrder(d, 1000);
            try (MemoryScope s = MemoryScope.step(arena)) {
                BatchIterator.Batch b = eval.batch(59);
                assertEquals(59000f, b.x().getFloat(0));
                assertEquals(-1, b.y().data().mismatch(d.y().rows(59000, 1000).data()));
            }
            BatchIterator it = new BatchIterator(d.flattenFeatures(), 128, 5, true);
            it.startEpoch(0);
            long t0 = System.nanoTime();
            double sum = 0;
            for (int epoch = 0; epoch < 2; epoch++) {
                it.startEpoch(epoch);
                for (int i = 0; i < it.batchesPerEpoch(); i++) {
                    try (MemoryScope s = MemoryScope.step(arena)) {
                        Tensor x = it.batch(i).x();
                        sum += x.getFloat((long) (x.dim(0) - 1) * 784);
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(sum > 0);
            assertTrue(seconds < 2, "two epochs of 469 shuffled batches took " + seconds + " s");
        }
    }
}
