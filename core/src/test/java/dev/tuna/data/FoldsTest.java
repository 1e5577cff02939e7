package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.spec.JobSpec;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FoldsTest {
    /** Row i's first feature is i, so every split says which rows it holds. */
    private static Dataset numbered(int n, long seed, Arena a) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.empty(Shape.of(n, 3), DType.F32, a), y = Tensor.empty(Shape.of(n), DType.F32, a);
        for (int i = 0; i < n; i++) {
            x.setFloat(i * 3L, i);
            x.setFloat(i * 3L + 1, (float) rng.nextGaussian());
            x.setFloat(i * 3L + 2, (float) rng.nextGaussian());
            y.setFloat(i, (float) rng.nextGaussian());
        }
        return new Dataset(x, y, 0, List.of(), null);
    }

    private static int[] rows(Dataset d) {
        int[] r = new int[d.size()];
        for (int i = 0; i < r.length; i++) r[i] = (int) d.x().getFloat(i * 3L);
        return r;
    }

    @Test
    void everyRowIsHeldOutByExactlyOneFoldAndEachFoldTrainsOnAllTheOthersWithTheirValues() {
        long seed = System.nanoTime();
        System.out.println("FoldsTest seed " + seed);
        for (int n : new int[] {10, 23, 101}) {
            for (int k : new int[] {2, 3, 5, 10}) {
                if (n < k) continue;
                try (Arena a = Arena.ofShared()) {
                    Dataset d = numbered(n, seed, a);
                    List<Split> folds = Folds.of(d, k);
                    int[] heldOut = new int[n];
                    try {
                        assertEquals(k, folds.size());
                        for (Split s : folds) {
                            int[] v = rows(s.validation()), t = rows(s.train());
                            for (int r : v) heldOut[r]++;
                            assertEquals(n, v.length + t.length, n + " rows, " + k + " folds");
                            int[] all = new int[n];
                            System.arraycopy(t, 0, all, 0, t.length);
                            System.arraycopy(v, 0, all, t.length, v.length);
                            Arrays.sort(all);
                            for (int i = 0; i < n; i++) assertEquals(i, all[i], "train and validation are the rows, once each");
                            // The copies carry every feature and label of their rows, not only the row number.
                            for (int i = 0; i < t.length; i++) {
                                assertEquals(d.x().getFloat(t[i] * 3L + 2), s.train().x().getFloat(i * 3L + 2));
                                assertEquals(d.y().getFloat(t[i]), s.train().y().getFloat(i));
                            }
                            assertTrue(v.length == n / k || v.length == n / k + 1, "balanced folds: " + v.length);
                        }
                        for (int r = 0; r < n; r++) assertEquals(1, heldOut[r], "row " + r);
                        // The last fold is the job's ordinary split: retrain and ensemble score it.
                        if (n >= 2 * k) {
                            Split last = new JobSpec.ValidationSpec(0, 0, "job.yaml", false, k).split(d);
                            assertArrayEquals(rows(folds.getLast().validation()), rows(last.validation()));
                            assertArrayEquals(rows(folds.getLast().train()), rows(last.train()));
                        }
                    } finally {
                        for (Split s : folds) s.train().close();
                    }
                }
            }
        }
    }

    @Test
    void tooFewRowsOrFoldsAreRefused() {
        try (Arena a = Arena.ofShared()) {
            Dataset d = numbered(5, 1, a);
            assertThrows(IllegalArgumentException.class, () -> Folds.of(d, 1));
            assertThrows(IllegalArgumentException.class, () -> Folds.of(d, 6));
            var e = assertThrows(dev.tuna.errors.BadInputException.class, () -> new JobSpec.ValidationSpec(0, 0, "job.yaml", false, 3).split(d));
            assertTrue(e.getMessage().startsWith("job.yaml: validation.folds: 3 folds need at least 6 training examples, 5 here"), e.getMessage());
        }
    }
}
