package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.Shape;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    @TempDir
    Path dir;

    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private BadInputException fails(Path p, String label) {
        return assertThrows(BadInputException.class, () -> CsvReader.read(p, label).close());
    }

    @Test
    void headerWithNamedLabelColumnAndRandomValues() throws IOException {
        int n = 50, d = 4;
        float[][] x = new float[n][d];
        int[] y = new int[n];
        StringBuilder b = new StringBuilder("x0,x1,target,x2,x3\n");
        for (int i = 0; i < n; i++) {
            y[i] = i < 3 ? i : rng.nextInt(3);
            for (int j = 0; j < d; j++) x[i][j] = (float) rng.nextDouble(-100, 100);
            b.append(x[i][0]).append(", ").append(x[i][1]).append(',').append(y[i]).append(',').append(x[i][2]).append(',').append(x[i][3]).append('\n');
        }
        try (Dataset ds = CsvReader.read(write("data.csv", b.toString()), "target")) {
            assertEquals(n, ds.size());
            assertEquals(3, ds.numClasses());
            assertEquals(List.of("0", "1", "2"), ds.classNames());
            assertEquals(Shape.of(n, d), ds.x().shape());
            for (int i = 0; i < n; i++) {
                assertEquals(y[i], ds.y().getInt(i));
                for (int j = 0; j < d; j++) assertEquals(x[i][j], ds.x().getFloat((long) i * d + j), "seed " + seed);
            }
        }
    }

    @Test
    void defaultLabelColumnIsLabelElseFirst() throws IOException {
        try (Dataset ds = CsvReader.read(write("a.csv", "a,b,LABEL\n1,2,1\n3,4,0\n"), null)) {
            assertEquals(3f, ds.x().getFloat(2));
            assertEquals(1, ds.y().getInt(0));
        }
        // no header: first column
        try (Dataset ds = CsvReader.read(write("b.csv", "1,0.5,0.25\n0,7,8\n\n2,-1,-2\n"), null)) {
            assertEquals(3, ds.size());
            assertEquals(3, ds.numClasses());
            assertEquals(0.5f, ds.x().getFloat(0));
            assertEquals(-2f, ds.x().getFloat(5));
            assertEquals(2, ds.y().getInt(2));
        }
        // by index, negative from the end, numeric header detected above numeric data
        try (Dataset ds = CsvReader.read(write("c.csv", "f1,f2,y\n0.1,0.2,1\n0.3,0.4,0\n"), "-1")) {
            assertEquals(2, ds.size());
            assertEquals(0.4f, ds.x().getFloat(3));
            assertEquals(0, ds.y().getInt(1));
        }
    }

    @Test
    void stringLabelsMapInSortedOrderAndKnownClassesAreReused() throws IOException {
        Path train = write("train.csv", "\uFEFFspecies,w,h\ncat,1,2\n\"dog, big\",3,4\nant,5,6\ncat,7,8\n");
        List<String> classes;
        try (Dataset ds = CsvReader.read(train, "species")) {
            classes = ds.classNames();
            assertEquals(List.of("ant", "cat", "dog, big"), classes);
            assertEquals(3, ds.numClasses());
            assertEquals(List.of(1, 2, 0, 1), List.of(ds.y().getInt(0), ds.y().getInt(1), ds.y().getInt(2), ds.y().getInt(3)));
            assertEquals(3f, ds.x().getFloat(2));
        }
        try (Dataset test = CsvReader.read(write("test.csv", "species,w,h\ncat,1,1\n"), "species", classes)) {
            assertEquals(3, test.numClasses());
            assertEquals(1, test.y().getInt(0));
        }
        Path unknown = write("unknown.csv", "species,w,h\ncat,1,1\nbird,2,2\n");
        BadInputException e = assertThrows(BadInputException.class, () -> CsvReader.read(unknown, "species", classes));
        assertEquals(unknown + " line 3, column 'species': label 'bird' is not one of the 3 known classes", e.getMessage());
        // sparse integers are mapped too, numerically sorted
        try (Dataset ds = CsvReader.read(write("sparse.csv", "label,x\n100,1\n-7,2\n3000,3\n"), null)) {
            assertEquals(List.of("-7", "100", "3000"), ds.classNames());
            assertEquals(1, ds.y().getInt(0));
            assertEquals(0, ds.y().getInt(1));
        }
    }

    @Test
    void errorsNameFileLineAndColumn() throws IOException {
        StringBuilder b = new StringBuilder("label,x1,x2,x3\n");
        for (int i = 0; i < 15; i++) b.append(rng.nextInt(10)).append(',').append(rng.nextFloat()).append(',').append(rng.nextFloat()).append(',').append(rng.nextFloat()).append('\n');
        String good = b.toString(); // lines 1..16
        Path bad = write("data.csv", good + "3,1.5,2.5,abc\n");
        assertEquals(bad + " line 17, column 'x3': expected a number, found 'abc'", fails(bad, null).getMessage());

        Path nan = write("nan.csv", good + "3,NaN,1,2\n");
        assertEquals(nan + " line 17, column 'x1': the value is NaN, expected a finite number", fails(nan, null).getMessage());
        Path inf = write("inf.csv", good + "3,1,-inf,2\n");
        assertTrue(fails(inf, null).getMessage().startsWith(inf + " line 17, column 'x2': the value '-inf' is infinite"));
        Path big = write("big.csv", good + "3,1,1e60,2\n");
        assertTrue(fails(big, null).getMessage().startsWith(big + " line 17, column 'x2': the value '1e60' is infinite"));

        Path ragged = write("ragged.csv", good + "3,1,2\n");
        assertEquals(ragged + " line 17: expected 4 fields as in the header, found 3", fails(ragged, null).getMessage());
        Path noHeader = write("nohdr.csv", "1,2,3\n4,5,6\n7,8\n");
        assertEquals(noHeader + " line 3: expected 3 fields as on the first line, found 2", fails(noHeader, null).getMessage());
        Path emptyField = write("emptyfield.csv", "1,2,3\n4,,6\n");
        assertEquals(emptyField + " line 2, column 2: expected a number, found an empty field", fails(emptyField, null).getMessage());

        Path empty = write("empty.csv", "\n  \n");
        assertEquals(empty + ": the file is empty: expected CSV rows of features and a label", fails(empty, null).getMessage());
        Path headerOnly = write("hdr.csv", "label,x\n");
        assertEquals(headerOnly + ": the file has a header but no data rows", fails(headerOnly, null).getMessage());
        Path noColumn = write("nocol.csv", "a,b\n1,2\n");
        assertTrue(fails(noColumn, "target").getMessage().startsWith(noColumn + ": no label column 'target' in the header (line 1): the columns are a, b"));
        Path index = write("index.csv", "1,2\n3,4\n");
        assertTrue(fails(index, "5").getMessage().startsWith(index + ": label column index 5 is out of range: the file has 2 columns"));
        Path missing = dir.resolve("nope.csv");
        assertEquals(missing + ": no such file", fails(missing, null).getMessage());
    }

    @Test
    void gzippedCsvIsDetectedByContent() throws IOException {
        Path p = dir.resolve("data.txt");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
            o.write("label,a\n1,0.5\n0,0.25\n".getBytes(StandardCharsets.UTF_8));
        }
        try (Dataset ds = CsvReader.read(p, null)) {
            assertEquals(2, ds.size());
            assertEquals(0.25f, ds.x().getFloat(1));
        }
    }

    @Test
    void mnistSizedCsvReadsQuickly() throws IOException {
        int n = 10000, d = 784;
        StringBuilder b = new StringBuilder(n * d * 3);
        b.append("label");
        for (int j = 0; j < d; j++) b.append(",pixel").append(j + 1);
        b.append('\n');
        int[] checkRow = new int[d];
        for (int i = 0; i < n; i++) {
            b.append(rng.nextInt(10));
            for (int j = 0; j < d; j++) {
                int v = rng.nextInt(3) == 0 ? rng.nextInt(256) : 0;
                if (i == n - 1) checkRow[j] = v;
                b.append(',').append(v);
            }
            b.append('\n');
        }
        Path p = write("mnist.csv", b.toString());
        long t0 = System.nanoTime();
        try (Dataset ds = CsvReader.read(p, null)) {
            double s = (System.nanoTime() - t0) / 1e9;
            assertEquals(Shape.of(n, d), ds.x().shape());
            for (int j = 0; j < d; j++) assertEquals(checkRow[j], ds.x().getFloat((long) (n - 1) * d + j));
            assertTrue(s < 3, "reading a 10000 x 785 CSV took " + s + " s");
        }
    }
}
