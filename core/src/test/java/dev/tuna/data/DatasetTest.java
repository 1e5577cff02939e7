package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DatasetTest {
    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);

    /** A random owned data set of n images h x w x 1 with labels in [0, classes). */
    static Dataset random(SplittableRandom rng, int n, int h, int w, int classes) {
        Arena arena = Arena.ofShared();
        Tensor x = Tensor.empty(Shape.of(n, h, w, 1), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        float[] chunk = new float[4096];
        for (long off = 0; off < x.size(); off += chunk.length) {
            int len = (int) Math.min(chunk.length, x.size() - off);
            for (int i = 0; i < len; i++) chunk[i] = rng.nextFloat();
            java.lang.foreign.MemorySegment.copy(chunk, 0, x.data(), java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, off * 4, len);
        }
        for (int i = 0; i < n; i++) y.setInt(i, rng.nextInt(classes));
        return new Dataset(x, y, classes, null, arena);
    }

    @Test
    void lastSplitOfSixtyThousand() {
        try (Dataset d = random(rng, 60000, 2, 2, 10)) {
            Split s = Split.last(d, 10000);
            assertEquals(50000, s.train().size());
            assertEquals(10000, s.validation().size());
            assertFalse(s.train().ownsMemory());
            assertTrue(d.ownsMemory());
            // views share memory: the validation set starts at row 50000 of the original
            assertEquals(d.x().data().address() + 50000L * 4 * 4, s.validation().x().data().address());
            assertEquals(d.x().getFloat(50000L * 4 + 3), s.validation().x().getFloat(3));
            assertEquals(d.y().getInt(59999), s.validation().y().getInt(9999));
            s.validation().x().setFloat(0, 42f);
            assertEquals(42f, d.x().getFloat(50000L * 4));
            assertEquals(10, s.train().numClasses());
            assertEquals(Shape.of(2, 2, 1), s.train().featureShape());

            Split f = Split.fraction(d, 0.1);
            assertEquals(54000, f.train().size());
            assertEquals(6000, f.validation().size());
            assertEquals(59999, Split.fraction(d, 0.99998).validation().size()); // round(59998.8)
        }
    }

    @Test
    void badSplitsNameTheValueAndTheSize() {
        try (Dataset d = random(rng, 100, 1, 3, 2)) {
            BadInputException e = assertThrows(BadInputException.class, () -> Split.last(d, 100));
            assertTrue(e.getMessage().startsWith("validation.last 100: expected 0 <= n < 100"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> Split.last(d, -1));
            assertTrue(e.getMessage().startsWith("validation.last -1"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> Split.fraction(d, 1.5));
            assertTrue(e.getMessage().startsWith("validation.fraction 1.5: expected a number in [0, 1)"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> Split.fraction(d, Double.NaN));
            assertTrue(e.getMessage().startsWith("validation.fraction NaN"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> Split.fraction(d, 0.001));
            assertTrue(e.getMessage().contains("0.001 of 100 examples gives no validation rows"), e.getMessage());
            e = assertThrows(BadInputException.class, () -> Split.fraction(d, 0.996));
            assertTrue(e.getMessage().contains("0.996 of 100 examples leaves no rows for training"), e.getMessage());
            assertEquals(0, Split.last(d, 0).validation().size());
        }
    }

    @Test
    void concatCopiesAndFlattenIsAView() {
        try (Dataset a = random(rng, 30, 3, 2, 4); Dataset b = random(rng, 12, 3, 2, 5)) {
            Split s = Split.last(a, 7);
            try (Dataset c = Dataset.concat(s.train(), b)) {
                assertEquals(23 + 12, c.size());
                assertEquals(5, c.numClasses());
                assertTrue(c.ownsMemory());
                for (int i = 0; i < 23 * 6; i++) assertEquals(a.x().getFloat(i), c.x().getFloat(i));
                for (int i = 0; i < 12 * 6; i++) assertEquals(b.x().getFloat(i), c.x().getFloat(23 * 6 + i));
                for (int i = 0; i < 12; i++) assertEquals(b.y().getInt(i), c.y().getInt(23 + i));
                float before = a.x().getFloat(0);
                c.x().setFloat(0, before + 1);
                assertEquals(before, a.x().getFloat(0), "concat must copy");
                Dataset flat = c.flattenFeatures();
                assertEquals(Shape.of(35, 6), flat.x().shape());
                assertEquals(c.x().data().address(), flat.x().data().address());
                assertFalse(flat.ownsMemory());
                flat.close(); // a view's close frees nothing
                assertEquals(before + 1, c.x().getFloat(0));
            }
            try (Dataset other = random(rng, 5, 2, 3, 2)) {
                assertThrows(IllegalArgumentException.class, () -> Dataset.concat(a, other));
            }
            assertThrows(IndexOutOfBoundsException.class, () -> a.split(25, 6));
        }
    }

    @Test
    void constructorChecksAndClassNames() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.empty(Shape.of(4, 2), DType.F32, arena);
            Tensor y = Tensor.empty(Shape.of(3), DType.I32, arena);
            assertThrows(IllegalArgumentException.class, () -> new Dataset(x, y, 2, null, null));
            Tensor y4 = Tensor.empty(Shape.of(4), DType.I32, arena);
            Dataset d = new Dataset(x, y4, 3, null, null);
            assertEquals(List.of("0", "1", "2"), d.classNames());
            assertThrows(IllegalArgumentException.class, () -> new Dataset(x, y4, 3, List.of("a"), null));
            assertThrows(IllegalArgumentException.class, () -> new Dataset(x, x, 3, null, null));
        }
    }
}
