package dev.tuna.data.tabular;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Dataset;
import dev.tuna.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The preprocessor learns only from the training rows and applies what it learnt unchanged, saved or not. */
class TabularPreprocessorTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static final TabularPreprocessor.Options DEFAULT = TabularPreprocessor.Options.DEFAULT;

    @Test
    void standardisesWithTrainingMeanAndPopulationStdInFloat64() throws IOException {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 57;
        double[] a = new double[n], b = new double[n];
        StringBuilder s = new StringBuilder("a,b,y\n");
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextDouble(-1e3, 1e3) + 1e6; // a large offset: a one-pass variance would lose the spread
            b[i] = rng.nextGaussian() * 0.01;
            s.append(a[i]).append(',').append(b[i]).append(',').append(i % 3).append('\n');
        }
        TabularTable t = TabularTable.read(file("n.csv", s.toString()), "y");
        TabularPreprocessor pre = TabularPreprocessor.fit(t, LabelKind.CLASSES, DEFAULT);
        assertEquals(List.of("a", "b"), pre.featureNames());
        try (Dataset d = pre.transform(t)) {
            float[] x = d.x().toFloatArray();
            for (int col = 0; col < 2; col++) {
                double[] v = col == 0 ? a : b;
                double mean = Arrays.stream(v).sum() / n, ss = 0;
                for (double e : v) ss += (e - mean) * (e - mean);
                double std = Math.sqrt(ss / n);
                for (int i = 0; i < n; i++) {
                    double ref = (v[i] - mean) / std;
                    assertEquals(ref, x[i * 2 + col], 1e-6 * (1 + Math.abs(ref)), "row " + i + " col " + col + " (seed " + seed + ")");
                }
            }
            assertEquals(List.of("0", "1", "2"), d.classNames());
            assertArrayEquals(new int[] {0, 1, 2, 0}, Arrays.copyOf(d.y().toIntArray(), 4));
        }
    }

    @Test
    void fitSeesOnlyTheTrainingRows() throws IOException {
        // the last two rows are validation: their extreme value and new level must change nothing that was fitted
        Path p = file("s.csv", "x,c,y\n1,red,a\n2,blue,b\n3,red,a\n4,blue,b\n1000,green,a\n5,violet,b\n");
        TabularTable all = TabularTable.read(p, "y");
        TabularTable train = all.slice(0, 4), val = all.slice(4, 2);
        TabularPreprocessor pre = TabularPreprocessor.fit(train, LabelKind.CLASSES, DEFAULT);
        assertEquals(List.of("x", "c=blue", "c=red", "c_unknown"), pre.featureNames(), "levels come from the training rows only");
        double mean = 2.5, std = Math.sqrt(1.25);
        try (Dataset d = pre.transform(val)) {
            float[] x = d.x().toFloatArray();
            assertEquals((float) ((1000 - mean) / std), x[0]);
            assertArrayEquals(new float[] {0, 0, 1}, Arrays.copyOfRange(x, 1, 4), "green, unseen in training, is in the unknown bucket");
            assertArrayEquals(new float[] {0, 0, 1}, Arrays.copyOfRange(x, 5, 8), "violet too");
        }
        try (Dataset d = pre.transform(train)) {
            assertArrayEquals(new float[] {(float) ((1 - mean) / std), 0, 1, 0}, Arrays.copyOf(d.x().toFloatArray(), 4));
        }
    }

    @Test
    void missingNumbersAreImputedAndGetAnIndicatorOnlyWhenTrainingHadThem() throws IOException {
        Path p = file("m.csv", "u,v,w,y\n1,10,?,a\nNA,20,4,b\n4,30,,a\n7,40,8,b\n?,,NA,a\n");
        TabularTable all = TabularTable.read(p, "y");
        TabularTable train = all.slice(0, 4);
        TabularPreprocessor pre = TabularPreprocessor.fit(train, LabelKind.CLASSES,
                DEFAULT.withTreatment("u", Treatment.NONE).withTreatment("w", Treatment.NONE).withImpute(TabularPreprocessor.Impute.MEDIAN));
        // u and w had missing values in training, v did not: v gets no indicator even though the last row lacks it
        assertEquals(List.of("u", "u_missing", "v", "w", "w_missing"), pre.featureNames());
        try (Dataset d = pre.transform(all)) {
            float[] x = d.x().toFloatArray();
            // median of u's training values {1, 4, 7} is 4, of w's {4, 8} is 6; v is standardised (mean 25)
            assertArrayEquals(new float[] {1, 0}, Arrays.copyOfRange(x, 0, 2));
            assertArrayEquals(new float[] {4, 1}, Arrays.copyOfRange(x, 5, 7));
            assertArrayEquals(new float[] {6, 1}, Arrays.copyOfRange(x, 3, 5));
            assertArrayEquals(new float[] {4, 1, 0, 6, 1}, Arrays.copyOfRange(x, 20, 25), "v missing later: imputed with its mean, standardised to 0");
        }
        TabularPreprocessor mean = TabularPreprocessor.fit(train, LabelKind.CLASSES, DEFAULT.withTreatment("u", Treatment.NONE));
        try (Dataset d = mean.transform(train)) {
            assertEquals(4f, d.x().toFloatArray()[mean.featureCount()], "the mean of {1, 4, 7}");
        }
    }

    @Test
    void tooManyLevelsIsRefusedNamingTheColumnTheCountAndTheSetting() throws IOException {
        StringBuilder s = new StringBuilder("id,y\n");
        for (int i = 0; i < 12; i++) s.append("u").append(i).append(',').append(i % 2).append('\n');
        Path p = file("l.csv", s.toString());
        TabularTable t = TabularTable.read(p, "y");
        BadInputException e = assertThrows(BadInputException.class,
                () -> TabularPreprocessor.fit(t, LabelKind.CLASSES, DEFAULT.withMaxOneHotLevels(10)));
        assertEquals(p + ": column 'id' has 12 levels in the training rows, more than max_one_hot_levels (10) allows for one_hot: "
                + "raise max_one_hot_levels, give it the treatment embedding, or drop it", e.getMessage());
        TabularPreprocessor emb = TabularPreprocessor.fit(t, LabelKind.CLASSES, DEFAULT.withMaxOneHotLevels(10).withTreatment("id", Treatment.EMBEDDING));
        assertEquals(List.of(new TabularPreprocessor.EmbeddingColumn(0, "id", 13)), emb.embeddingColumns());
        TabularPreprocessor dropped = TabularPreprocessor.fit(t, LabelKind.CLASSES, DEFAULT.withMaxOneHotLevels(10).withTreatment("id", Treatment.DROP));
        assertEquals(List.of(), dropped.featureNames());
    }

    @Test
    void embeddingColumnsHoldLevelIndicesWithTheUnknownLast() throws IOException {
        Path p = file("e.csv", "n,c,y\n1,b,0\n2,a,1\n3,c,0\n4,zz,1\n5,,0\n");
        TabularTable all = TabularTable.read(p, "y");
        TabularPreprocessor pre = TabularPreprocessor.fit(all.slice(0, 3), LabelKind.CLASSES, DEFAULT.withTreatment("c", Treatment.EMBEDDING));
        assertEquals(List.of("n", "c"), pre.featureNames());
        assertEquals(List.of(new TabularPreprocessor.EmbeddingColumn(1, "c", 4)), pre.embeddingColumns());
        float[] x = pre.features(all);
        assertArrayEquals(new float[] {1, 0, 2, 3, 3}, new float[] {x[1], x[3], x[5], x[7], x[9]}, "b a c, then unseen and missing in bucket 3");
    }

    @Test
    void savedAndLoadedItGivesBitIdenticalFeaturesOnNewRowsWithoutTheLabel() throws IOException {
        long seed = System.nanoTime();
        Path train = AdultLikeCsv.write(dir.resolve("adult.csv"), 300, seed);
        Path fresh = AdultLikeCsv.write(dir.resolve("fresh.csv"), 40, seed + 1);
        // a prediction file: the same columns in another order, no label
        List<String> lines = Files.readAllLines(fresh);
        StringBuilder b = new StringBuilder();
        for (String line : lines) {
            // split at the commas outside quotes (the country field is quoted and may hold one)
            String[] f = line.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
            b.append(f[4]).append(',').append(f[3]).append(',').append(f[0]).append(',').append(f[2]).append(',').append(f[1]).append('\n');
        }
        Path predict = file("predict.csv", b.toString());
        TabularPreprocessor.Options opts = DEFAULT.withTreatment("education", Treatment.EMBEDDING);
        TabularTable t = TabularTable.read(train, CsvLayout.DEFAULT, "income", opts.impliedTypes());
        TabularPreprocessor pre = TabularPreprocessor.fit(t, LabelKind.CLASSES, opts);
        assertEquals(List.of("<=50K", ">50K"), pre.classNames());
        assertTrue(pre.featureNames().contains("age_missing") && pre.featureNames().contains("workclass_unknown")
                && pre.featureNames().contains("country=Korea, South"), pre.featureNames() + " (seed " + seed + ")");
        Path saved = dir.resolve("preprocessor.json");
        pre.save(saved);
        TabularPreprocessor loaded = TabularPreprocessor.load(saved);
        assertEquals(pre.toJson(), loaded.toJson());
        assertEquals(pre.featureNames(), loaded.featureNames());
        TabularTable withLabel = pre.read(fresh, CsvLayout.DEFAULT), noLabel = loaded.read(predict, CsvLayout.DEFAULT);
        assertFalse(noLabel.hasLabel());
        float[] expected = pre.features(withLabel);
        try (Dataset d = loaded.transformFeatures(noLabel)) {
            assertArrayEquals(expected, d.x().toFloatArray(), "seed " + seed);
            assertEquals(pre.featureCount(), d.featureShape().dim(0));
        }
        BadInputException e = assertThrows(BadInputException.class, () -> loaded.transform(noLabel));
        assertTrue(e.getMessage().contains("no label column 'income'"), e.getMessage());
    }

    @Test
    void applyingRefusesAMissingFeatureColumnByName() throws IOException {
        TabularPreprocessor pre = TabularPreprocessor.fit(TabularTable.read(file("t.csv", "a,b,y\n1,x,0\n2,y,1\n"), "y"), LabelKind.CLASSES, DEFAULT);
        Path p = file("p.csv", "b,c\nx,1\n");
        BadInputException e = assertThrows(BadInputException.class, () -> pre.transformFeatures(pre.read(p, CsvLayout.DEFAULT)));
        assertEquals(p + ": no column 'a', which the model takes as a feature: the columns are 'b', 'c'", e.getMessage());
    }

    @Test
    void labelsOutsideTheTrainingClassesOrMissingAreRefusedByLine() throws IOException {
        Path p = file("c.csv", "a,y\n1,2\n2,10\n3,2.0\n4,7\n5,\n");
        TabularTable all = TabularTable.read(p, "y");
        TabularPreprocessor pre = TabularPreprocessor.fit(all.slice(0, 3), LabelKind.CLASSES, DEFAULT);
        assertEquals(List.of("2", "10"), pre.classNames(), "numeric labels sort as numbers; 2.0 is class 2");
        try (Dataset d = pre.transform(all.slice(0, 3))) {
            assertArrayEquals(new int[] {0, 1, 0}, d.y().toIntArray());
        }
        assertEquals(p + ":5: label column 'y': '7' is not one of the 2 classes of the training rows ('2', '10')",
                assertThrows(BadInputException.class, () -> pre.transform(all.slice(3, 1))).getMessage());
        assertTrue(assertThrows(BadInputException.class, () -> pre.transform(all.slice(4, 1))).getMessage()
                .startsWith(p + ":6: label column 'y' is missing"));
        TabularPreprocessor values = TabularPreprocessor.fit(all.slice(0, 4), LabelKind.VALUES, DEFAULT);
        try (Dataset d = values.transform(all.slice(0, 4))) {
            assertTrue(d.hasValueLabels());
            assertArrayEquals(new float[] {2, 10, 2, 7}, d.y().toFloatArray());
        }
    }

    @Test
    void treatmentsThatDoNotFitTheColumnOrNameNoColumnAreRefused() throws IOException {
        Path p = file("t.csv", "a,b,y\n1,x,0\n2,y,1\n");
        TabularTable t = TabularTable.read(p, "y");
        assertTrue(assertThrows(BadInputException.class, () -> TabularPreprocessor.fit(t, LabelKind.CLASSES, DEFAULT.withTreatment("b", Treatment.STANDARDIZE)))
                .getMessage().contains("column 'b' is categorical; standardize is for numeric columns"));
        assertTrue(assertThrows(BadInputException.class, () -> TabularPreprocessor.fit(t, LabelKind.CLASSES, DEFAULT.withTreatment("bb", Treatment.DROP)))
                .getMessage().contains("no column 'bb' (given a treatment): the columns are 'a', 'b'"));
        Path none = file("n.csv", "a,b,y\n?,x,0\n,y,1\n");
        assertEquals(none + ": column 'a' has no value in the 2 training rows: nothing to learn from it (give it the treatment drop)",
                assertThrows(BadInputException.class, () -> TabularPreprocessor.fit(TabularTable.read(none, "y"), LabelKind.CLASSES, DEFAULT)).getMessage());
    }

    @Test
    void aDamagedOrForeignFileIsNamed() {
        BadInputException e = assertThrows(BadInputException.class, () -> TabularPreprocessor.fromJson("{\"format\": \"x\"}", "m/pre.json"));
        assertTrue(e.getMessage().startsWith("m/pre.json: not a valid tabular preprocessor: format is x"), e.getMessage());
        assertTrue(assertThrows(BadInputException.class, () -> TabularPreprocessor.fromJson("{", "m/pre.json")).getMessage().startsWith("m/pre.json: not a tabular preprocessor"));
    }

    @Test
    void treeFeaturesAreRawNumbersAndCodesWithNaNForMissingAndUnknown() throws IOException {
        Path p = file("t.csv", "a,c,d,y\n1.5,b,9,0\n?,a,8,1\n3,,7,0\n4,q,6,1\n");
        TabularTable all = TabularTable.read(p, "y");
        TabularPreprocessor pre = TabularPreprocessor.fit(all.slice(0, 3), LabelKind.CLASSES, DEFAULT.withTreatment("d", Treatment.DROP));
        TreeFeatures tf = pre.treeFeatures(all);
        assertEquals(List.of("a", "c"), tf.names());
        assertEquals(List.of("q", "c"), tf.types());
        try (Dataset d = tf.data()) {
            float[] x = d.x().toFloatArray();
            float nan = Float.NaN;
            assertArrayEquals(new float[] {1.5f, 1, nan, 0, 3, nan, 4, nan}, x);
            assertArrayEquals(new int[] {0, 1, 0, 1}, d.y().toIntArray());
        }
    }

    @Test
    void classNamesAreTheClassesFitMakesSoATaskIsJudgedOnThem() {
        // "2.0" and "2" are one class to fit, so a task inferred from these labels sees 2 of them, not 3.
        org.junit.jupiter.api.Assertions.assertEquals(List.of("2", "10"), TabularPreprocessor.classNames(List.of("10", "2.0", "2")));
        org.junit.jupiter.api.Assertions.assertEquals(List.of("no", "yes"), TabularPreprocessor.classNames(List.of("yes", "no", "yes")));
        // Not all decimal ("1f" parses in Java, not here): strings, sorted.
        org.junit.jupiter.api.Assertions.assertEquals(List.of("1f", "2"), TabularPreprocessor.classNames(List.of("2", "1f")));
    }
}
