package dev.tuna.data.tabular;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tuna.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading mixed-type CSV: types, RFC 4180 quoting, missing spellings, and errors that name file, line and column. */
class TabularTableTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void infersNumericAndCategoricalColumnsAndReadsMissingSpellings() throws IOException {
        Path p = file("t.csv", "age,city,score,y\n31,Paris,1.5,a\nNA,?,,b\n  40 ,Lyon,nan,a\n?,NULL,2e3,b\nN/A,Paris,-0.25,a\n");
        TabularTable t = TabularTable.read(p, "y");
        assertEquals(List.of("age", "city", "score"), t.columnNames());
        assertEquals(ColumnType.NUMERIC, t.type("age"));
        assertEquals(ColumnType.CATEGORICAL, t.type("city"));
        assertEquals(ColumnType.NUMERIC, t.type("score"));
        assertArrayEquals(new double[] {31, Double.NaN, 40, Double.NaN, Double.NaN}, t.numbers("age"));
        assertArrayEquals(new String[] {"Paris", null, "Lyon", null, "Paris"}, t.strings("city"));
        assertArrayEquals(new double[] {1.5, Double.NaN, Double.NaN, 2000, -0.25}, t.numbers("score"));
        assertArrayEquals(new String[] {"a", "b", "a", "b", "a"}, t.labels());
        assertEquals(5, t.rows());
        assertEquals(4, t.line(2));
    }

    @Test
    void quotedFieldsHoldDelimitersQuotesAndLineBreaks() throws IOException {
        Path p = file("q.csv", "name,note,n\r\n\"Smith, J.\",\"said \"\"hi\"\"\",1\r\n plain , \"two\nlines\" ,2\r\n\"\",x,3\r\n");
        TabularTable t = TabularTable.read(p, null);
        assertArrayEquals(new String[] {"Smith, J.", "plain", null}, t.strings("name"));
        assertArrayEquals(new String[] {"said \"hi\"", "two\nlines", "x"}, t.strings("note"));
        assertArrayEquals(new double[] {1, 2, 3}, t.numbers("n"));
        assertEquals(5, t.line(2), "the row after a field spanning two lines starts on line 5");
    }

    @Test
    void raggedRowIsRefusedWithItsLineCountedPastQuotedLineBreaks() throws IOException {
        Path p = file("r.csv", "a,b,c\n1,\"x\ny\",3\n4,5\n");
        BadInputException e = assertThrows(BadInputException.class, () -> TabularTable.read(p, null));
        assertEquals(p + ":4: 2 fields, expected 3 as in the header (line 1)", e.getMessage());
    }

    @Test
    void missingLabelColumnNamesTheColumnsThereAre() throws IOException {
        Path p = file("l.csv", "x,y\n1,2\n");
        BadInputException e = assertThrows(BadInputException.class, () -> TabularTable.read(p, "label"));
        assertEquals(p + ": no label column 'label': the columns are 'x', 'y'", e.getMessage());
    }

    @Test
    void typesGivenByTheCallerOverrideInference() throws IOException {
        Path p = file("z.csv", "zip,v\n02134,1\n10001,x\n");
        TabularTable t = TabularTable.read(p, CsvLayout.DEFAULT, null, Map.of("zip", ColumnType.CATEGORICAL));
        assertArrayEquals(new String[] {"02134", "10001"}, t.strings("zip"), "categorical values keep their spelling");
        BadInputException e = assertThrows(BadInputException.class,
                () -> TabularTable.read(p, CsvLayout.DEFAULT, null, Map.of("v", ColumnType.NUMERIC)));
        assertTrue(e.getMessage().startsWith(p + ":3: column 'v': 'x' is not a number"), e.getMessage());
        BadInputException unknown = assertThrows(BadInputException.class,
                () -> TabularTable.read(p, CsvLayout.DEFAULT, null, Map.of("zap", ColumnType.NUMERIC)));
        assertTrue(unknown.getMessage().contains("column 'zap' (given a type) is not in the file: the columns are 'zip', 'v'"), unknown.getMessage());
    }

    @Test
    void infiniteNumbersAreRefusedWithLineAndColumn() throws IOException {
        Path p = file("i.csv", "a,b\n1,2\n3,-inf\n");
        BadInputException e = assertThrows(BadInputException.class, () -> TabularTable.read(p, null));
        assertTrue(e.getMessage().startsWith(p + ":3: column 'b': '-inf' is not a finite number"), e.getMessage());
    }

    @Test
    void headerProblemsAndUnclosedQuotesAreNamed() throws IOException {
        Path dup = file("d.csv", "a,b,a\n1,2,3\n");
        assertEquals(dup + ":1: column 'a' is named twice in the header",
                assertThrows(BadInputException.class, () -> TabularTable.read(dup, null)).getMessage());
        Path open = file("o.csv", "a,b\n1,\"2\n3,4\n");
        assertEquals(open + ":2: a quoted field is not closed before the end of the file",
                assertThrows(BadInputException.class, () -> TabularTable.read(open, null)).getMessage());
        Path empty = file("e.csv", "a,b\n");
        assertEquals(empty + ": the file has a header but no rows",
                assertThrows(BadInputException.class, () -> TabularTable.read(empty, null)).getMessage());
    }

    @Test
    void sliceKeepsRowsAndTheirLines() throws IOException {
        Path p = file("s.csv", "a,b,y\n1,u,0\n2,v,1\n3,w,0\n");
        TabularTable s = TabularTable.read(p, "y").slice(1, 2);
        assertArrayEquals(new double[] {2, 3}, s.numbers("a"));
        assertArrayEquals(new String[] {"v", "w"}, s.strings("b"));
        assertArrayEquals(new String[] {"1", "0"}, s.labels());
        assertEquals(3, s.line(0));
    }

    // ---- scikit-learn's bundled files (Debian python3-sklearn), each with its own layout ----

    private static final Path SKLEARN = Path.of("/usr/lib/python3/dist-packages/sklearn/datasets/data");

    private static Path sklearn(String name) {
        Path p = SKLEARN.resolve(name);
        assumeTrue(Files.isRegularFile(p), p + " is not installed (apt-get install python3-sklearn)");
        return p;
    }

    @Test
    void readsSklearnBreastCancerPastItsCountsLine() {
        Path p = sklearn("breast_cancer.csv");
        // first line "569,30,malignant,benign": counts and class names, then 30 features and the class index, no header
        List<String> names = new java.util.ArrayList<>();
        for (int j = 0; j < 30; j++) names.add("f" + j);
        names.add("target");
        TabularTable t = TabularTable.read(p, CsvLayout.DEFAULT.withSkipLines(1).withoutHeader(names), "target", Map.of());
        assertEquals(569, t.rows());
        assertEquals(30, t.columnNames().size());
        assertTrue(t.columnNames().stream().allMatch(c -> t.type(c) == ColumnType.NUMERIC));
        assertEquals(17.99, t.numbers("f0")[0]);
        assertEquals(2, t.line(0));
        TabularPreprocessor pre = TabularPreprocessor.fit(t, LabelKind.CLASSES, TabularPreprocessor.Options.DEFAULT);
        assertEquals(List.of("0", "1"), pre.classNames());
    }

    @Test
    void readsSklearnWineWithGeneratedNamesAndBostonWithItsSecondLineHeader() {
        TabularTable wine = TabularTable.read(sklearn("wine_data.csv"), CsvLayout.DEFAULT.withSkipLines(1).withoutHeader(null), "c13", Map.of());
        assertEquals(178, wine.rows());
        assertEquals(13, wine.columnNames().size());
        assertEquals(1065.0, wine.numbers("c12")[0]);
        TabularTable boston = TabularTable.read(sklearn("boston_house_prices.csv"), CsvLayout.DEFAULT.withSkipLines(1), "MEDV", Map.of());
        assertEquals(506, boston.rows());
        assertEquals(List.of("CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT"), boston.columnNames());
        TabularPreprocessor pre = TabularPreprocessor.fit(boston, LabelKind.VALUES, TabularPreprocessor.Options.DEFAULT);
        try (var d = pre.transform(boston)) {
            assertTrue(d.hasValueLabels());
            assertEquals(24f, d.y().getFloat(0));
        }
    }

    @Test
    void readsSklearnDiabetesGzippedAndSpaceSeparated() {
        TabularTable t = TabularTable.read(sklearn("diabetes_data_raw.csv.gz"),
                CsvLayout.DEFAULT.withoutHeader(List.of("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")).withDelimiter(' '),
                null, Map.of("sex", ColumnType.CATEGORICAL));
        assertEquals(442, t.rows());
        assertArrayEquals(new double[] {59, 48}, java.util.Arrays.copyOf(t.numbers("age"), 2));
        assertArrayEquals(new String[] {"2", "1"}, java.util.Arrays.copyOf(t.strings("sex"), 2));
        assertEquals(87.0, t.numbers("s6")[0]);
    }
}
