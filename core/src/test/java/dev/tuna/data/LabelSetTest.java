package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10 #18: integer labels that are not the classes 0..K-1, empty arrays, and features without labels. */
class LabelSetTest {
    @TempDir
    Path dir;

    private Path labels(String name, int... y) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(y.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : y) b.putLong(v);
        return Files.write(dir.resolve(name), NpyReaderTest.npy(1, "<i8", false, new int[] {y.length}, b.array()));
    }

    private Path features(String name, int rows, int cols) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) b.putFloat(i);
        return Files.write(dir.resolve(name), NpyReaderTest.npy(1, "<f4", false, new int[] {rows, cols}, b.array()));
    }

    @Test
    void npyTrainingLabelsWithGapsAreRefusedWithTheObservedSet() throws IOException {
        Path x = features("x.npy", 6, 2);
        Path y = labels("y.npy", 0, 1, 9, 1, 0, 9);
        BadInputException e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(x, y, "npy", null));
        assertEquals(y + ": the labels are not the class indices 0..9: observed {0, 1, 9}, so 7 of the 10 classes would have no example; "
                + "expected every class 0..K-1 to occur (renumber the labels, or use CSV, which maps any labels to named classes)", e.getMessage());

        // Contiguous labels are classes, a rare last class included: 0..9 and one 10 are 11 classes, all with examples.
        Path x12 = features("x12.npy", 12, 2);
        Path y12 = labels("y12.npy", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0);
        try (Dataset d = DataSources.fromFiles(x12, y12, "npy", null)) {
            assertEquals(11, d.numClasses());
        }
        // A test set is read against the training classes and may lack some of them.
        try (Dataset d = DataSources.fromFiles(x, labels("ytest.npy", 0, 0, 2, 2, 0, 2), "npy", null, List.of("a", "b", "c"))) {
            assertEquals(3, d.numClasses());
        }
    }

    @Test
    void csvIntegerLabelsWithGapsBecomeNamedClasses() throws IOException {
        // {0, 1, 2, 4} used to be 5 classes, class 3 with no example; now 4 classes named by their labels.
        Path p = Files.writeString(dir.resolve("gaps.csv"), "label,x\n0,1\n1,2\n2,3\n4,4\n4,5\n");
        try (Dataset d = CsvReader.read(p, null)) {
            assertEquals(List.of("0", "1", "2", "4"), d.classNames());
            assertEquals(3, d.y().getInt(3));
        }
        Path q = Files.writeString(dir.resolve("contiguous.csv"), "label,x\n2,1\n0,2\n1,3\n");
        try (Dataset d = CsvReader.read(q, null)) {
            assertEquals(List.of("0", "1", "2"), d.classNames());
            assertEquals(2, d.y().getInt(0));
        }
    }

    @Test
    void emptyArraysHaveNoExamples() throws IOException {
        Path x = features("empty.npy", 0, 4);
        Path y = labels("empty-labels.npy");
        BadInputException e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(x, y, "npy", null));
        assertEquals(x + ": no examples: the array has shape (0, 4), expected at least one example (n >= 1)", e.getMessage());
        e = assertThrows(BadInputException.class, () -> DataSources.unlabeledFeatures(x, null));
        assertEquals(x + ": no examples: the array has shape (0, 4), expected at least one example (n >= 1)", e.getMessage());
    }

    @Test
    void featuresAloneReadWithoutLabels() throws IOException {
        try (Dataset d = DataSources.unlabeledFeatures(features("x.npy", 3, 2), null)) {
            assertEquals(Shape.of(3, 2), d.x().shape());
            assertEquals(5f, d.x().getFloat(5));
            assertEquals(List.of(0, 0, 0), List.of(d.y().getInt(0), d.y().getInt(1), d.y().getInt(2)));
        }
    }
}
