package dev.tuna.data;

import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.SplittableRandom;

/**
 * Mini-batches of a data set, epoch by epoch. With shuffling, each epoch visits the rows in a
 * Fisher-Yates permutation drawn from a {@link SplittableRandom} seeded from (seed, epoch) only, so a
 * given seed gives the same batches bit for bit on every run and every machine; the order is the one
 * {@code Trainer} uses for the same seed. The last batch holds the remaining rows when the size does not
 * divide evenly (as Keras does). Without shuffling (evaluation), rows come in order.
 * <p>Typical use: {@code it.startEpoch(e); for (i < it.batchesPerEpoch()) try (step scope) { Batch b = it.batch(i); ... }}.
 * A batch's tensors come from {@link MemoryScope#current()}, so a step scope frees them at the end of its step.
 */
public final class BatchIterator {
    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final int[] order;
    private final long xRow;
    private final long yRow;
    private int epoch = -1;

    /** A batch: features [b, ...] and labels [b] (b = batch size, or fewer for the last batch). */
    public record Batch(Tensor x, Tensor y) {
        public int size() { return y.dim(0); }
    }

    public BatchIterator(Dataset data, int batchSize, long seed, boolean shuffle) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size " + batchSize + ": expected a positive integer");
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.order = new int[data.size()];
        this.xRow = data.x().shape().rowSize() * data.x().dtype().byteSize();
        this.yRow = data.y().dtype().byteSize();
        for (int i = 0; i < order.length; i++) order[i] = i;
    }

    /** Rows in order, no shuffling: for evaluation and prediction. */
    public static BatchIterator inOrder(Dataset data, int batchSize) { return new BatchIterator(data, batchSize, 0, false); }

    public Dataset dataset() { return data; }

    public int batchSize() { return batchSize; }

    /** ceil(n / batchSize): the last batch may be partial. */
    public int batchesPerEpoch() { return (data.size() + batchSize - 1) / batchSize; }

    /** Number of rows in batch i. */
    public int batchLength(int i) {
        checkIndex(i);
        return Math.min(batchSize, data.size() - i * batchSize);
    }

    /** Prepares the row order of an epoch (0-based); a no-op without shuffling. */
    public void startEpoch(int epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch " + epoch + " is negative");
        if (epoch == this.epoch) return;
        this.epoch = epoch;
        if (!shuffle) return;
        permutation(order, seed, epoch);
    }

    /** Fills {@code order} with the shuffled row order of (seed, epoch). */
    public static void permutation(int[] order, long seed, int epoch) {
        for (int i = 0; i < order.length; i++) order[i] = i;
        SplittableRandom rng = new SplittableRandom(mix(seed, 0x5eed0000L + epoch));
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** SplitMix64's finaliser over (seed, counter), the same mixing as the CPU backend's counter RNG. */
    static long mix(long seed, long counter) {
        long z = seed * 0x9E3779B97F4A7C15L + counter * 0xD1B54A32D192ED03L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The current epoch's row order (a copy). */
    public int[] order() {
        requireEpoch();
        return order.clone();
    }

    /** Batch i of the current epoch, gathered into tensors from {@link MemoryScope#current()}. */
    public Batch batch(int i) { return batch(i, MemoryScope.current()); }

    /** Batch i of the current epoch, gathered into tensors from the given allocator. */
    public Batch batch(int i, SegmentAllocator allocator) {
        requireEpoch();
        int from = i * batchSize;
        int count = batchLength(i);
        Tensor x = Tensor.empty(data.x().shape().withFirst(count), data.x().dtype(), allocator);
        Tensor y = Tensor.empty(data.y().shape().withFirst(count), data.y().dtype(), allocator);
        MemorySegment sx = data.x().data(), sy = data.y().data(), dx = x.data(), dy = y.data();
        if (!shuffle) {
            MemorySegment.copy(sx, from * xRow, dx, 0, count * xRow);
            MemorySegment.copy(sy, from * yRow, dy, 0, count * yRow);
        } else {
            for (int r = 0; r < count; r++) {
                int src = order[from + r];
                MemorySegment.copy(sx, src * xRow, dx, r * xRow, xRow);
                MemorySegment.copy(sy, src * yRow, dy, r * yRow, yRow);
            }
        }
        return new Batch(x, y);
    }

    private void requireEpoch() {
        if (epoch < 0) {
            if (shuffle) throw new IllegalStateException("call startEpoch before asking for batches");
            epoch = 0;
        }
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= batchesPerEpoch()) {
            throw new IndexOutOfBoundsException("batch " + i + " of " + batchesPerEpoch());
        }
    }
}
