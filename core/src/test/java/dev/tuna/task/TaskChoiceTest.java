package dev.tuna.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Dataset;
import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.NativeMemory;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TaskChoiceTest {
    /** A data set whose labels are class indices named by the given strings (as the CSV reader makes them). */
    private static Dataset classes(List<String> names, int[] y) {
        Arena a = NativeMemory.shared();
        Tensor x = Tensor.empty(Shape.of(y.length, 2), DType.F32, a);
        for (int i = 0; i < 2 * y.length; i++) x.setFloat(i, i * 0.5f);
        Tensor t = Tensor.empty(Shape.of(y.length), DType.I32, a);
        for (int i = 0; i < y.length; i++) t.setInt(i, y[i]);
        return new Dataset(x, t, names.size(), names, a);
    }

    @Test
    void labelsDecideTheTaskWhenTheFileDoesNot() {
        try (Dataset two = classes(List.of("no", "yes"), new int[] {0, 1, 1});
             Dataset ten = classes(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), new int[] {0, 9, 3});
             Dataset fractional = classes(List.of("0.5", "1.25", "3"), new int[] {0, 1, 2})) {
            TaskChoice.Chosen b = TaskChoice.choose(null, two, "f.csv");
            assertEquals(Task.BINARY, b.task());
            assertTrue(b.describe().contains("positive class yes"), b.describe());
            assertEquals(Task.CLASSIFICATION, TaskChoice.choose(null, ten, "f.csv").task());
            assertEquals(Task.REGRESSION, TaskChoice.choose(null, fractional, "f.csv").task());
        }
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= TaskChoice.MAX_INFERRED_CLASSES; i++) many.add(String.valueOf(25 + i));
        try (Dataset counts = classes(many, new int[] {0, 5, 200})) {
            TaskChoice.Chosen c = TaskChoice.choose(null, counts, "f.csv");
            assertEquals(Task.REGRESSION, c.task());
            assertTrue(c.reason().contains("set task: classification"), c.reason());
            assertEquals(Task.CLASSIFICATION, TaskChoice.choose(Task.CLASSIFICATION, counts, "f.csv").task(), "the file's word wins");
        }
    }

    @Test
    void aDeclaredTaskTheLabelsCannotServeIsRefusedNamingTheFile() {
        try (Dataset words = classes(List.of("cat", "dog", "eel"), new int[] {0, 1, 2})) {
            BadInputException r = assertThrows(BadInputException.class, () -> TaskChoice.choose(Task.REGRESSION, words, "pets.csv"));
            assertTrue(r.getMessage().startsWith("pets.csv: task: regression needs numeric labels, but label 'cat'"), r.getMessage());
            BadInputException b = assertThrows(BadInputException.class, () -> TaskChoice.choose(Task.BINARY, words, "pets.csv"));
            assertTrue(b.getMessage().contains("exactly 2 label values, the training data has 3"), b.getMessage());
        }
    }

    @Test
    void regressionLabelsAreTheValuesTheClassNamesSpell() {
        long seed = System.nanoTime();
        System.out.println("regressionLabelsAreTheValuesTheClassNamesSpell seed " + seed);
        Random rnd = new Random(seed);
        List<String> names = List.of("-1.5", "0.25", "7", "12.125");
        int[] y = new int[50];
        float[] want = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = rnd.nextInt(names.size());
            want[i] = Float.parseFloat(names.get(y[i]));
        }
        try (Dataset read = classes(names, y); Dataset values = TaskChoice.labelsFor(Task.REGRESSION, read)) {
            assertTrue(values.hasValueLabels());
            assertEquals(0, values.numClasses());
            assertArrayEquals(want, values.labels().values());
            assertArrayEquals(read.x().toFloatArray(), values.x().toFloatArray(), "features copied unchanged");
            assertSame(read, TaskChoice.labelsFor(Task.CLASSIFICATION, read));
        }
    }
}
