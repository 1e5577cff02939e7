package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Dataset;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import dev.tuna.tune.Tuner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tabular job's tree view holds the same rows as the networks' data (the split, each cross-validation fold, the
 * test set), as raw columns: numbers as written with NaN where missing, the city as a level code typed "c".
 */
class DataBundleTreesTest {
    @TempDir
    Path tmp;

    @Test
    void everySplitAndFoldOfTheTreesViewHoldsTheNetworksRowsAsRawColumns() throws Exception {
        long seed = System.nanoTime();
        System.out.println("DataBundleTreesTest seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        List<Double> income = new ArrayList<>();
        StringBuilder s = new StringBuilder("income,city,y\n");
        for (int r = 0; r < 91; r++) {
            double v = Math.round(rng.nextGaussian() * 1e4) / 1e4;
            boolean missing = r % 6 == 2;
            income.add(missing ? Double.NaN : v);
            s.append(missing ? "" : Double.toString(v)).append(',').append(List.of("a", "b", "c").get(rng.nextInt(3))).append(',').append(rng.nextInt(2)).append('\n');
        }
        Path csv = tmp.resolve("t.csv");
        Files.writeString(csv, s);
        JobSpec job = JobSpec.from(SpecFile.parse("t.yaml", """
                data: {train: %s, test: %s, label: y, tabular: true}
                validation: {folds: 3}
                model: {type: gbt}
                """.formatted(csv, csv), List.of(), HyperResolver.defaults()));
        try (DataBundle data = DataBundle.load(job)) {
            DataBundle.Trees trees = data.trees();
            assertEquals(List.of("q", "c"), trees.columns().types());
            assertEquals(List.of("income", "city"), trees.columns().names());
            assertRawRows(trees.full(), income, 0);
            assertRawRows(trees.test(), income, 0);
            assertSameRows(data.split().train(), trees.split().train());
            assertSameRows(data.split().validation(), trees.split().validation());
            Tuner.Data searched = data.tunerData(job);
            assertSame(trees.split().train(), searched.trees().train());
            try (DataBundle.SearchFolds folds = data.searchFolds(job)) {
                assertEquals(3, folds.data().size());
                int start = 0;
                for (Tuner.Data f : folds.data()) {
                    assertSameRows(f.train(), f.trees().train());
                    assertSameRows(f.validation(), f.trees().validation());
                    assertRawRows(f.trees().validation(), income, start);
                    assertEquals(trees.columns(), f.trees().columns());
                    start += f.validation().size();
                }
                assertEquals(91, start, "the folds' held-out rows cover the file");
            }
        }
    }

    @Test
    void dataThatIsNotTabularGivesTreesTheNetworksDataSets() throws Exception {
        StringBuilder s = new StringBuilder("x1,x2,label\n");
        for (int r = 0; r < 40; r++) s.append(r * 0.5).append(',').append(r % 3).append(',').append(r % 2).append('\n');
        Path csv = tmp.resolve("plain.csv");
        Files.writeString(csv, s);
        JobSpec job = JobSpec.from(SpecFile.parse("p.yaml", """
                data: {train: %s}
                validation: {last: 10}
                model: {type: gbt}
                """.formatted(csv), List.of(), HyperResolver.defaults()));
        try (DataBundle data = DataBundle.load(job)) {
            assertSame(data.full(), data.trees().full());
            assertSame(data.split(), data.trees().split());
            assertNull(data.trees().columns());
            assertNull(data.tunerData(job).trees(), "tree trials train on the networks' data");
        }
    }

    /** Column 0 of d's rows holds income[from + i] as written (NaN where missing), column 1 a level code 0..2. */
    private static void assertRawRows(Dataset d, List<Double> income, int from) {
        for (int i = 0; i < d.size(); i++) {
            float want = (float) (double) income.get(from + i), got = d.x().getFloat(2L * i);
            assertTrue(Float.isNaN(want) ? Float.isNaN(got) : want == got, "row " + (from + i) + ": " + got + ", the file has " + want);
            float code = d.x().getFloat(2L * i + 1);
            assertTrue(code == 0 || code == 1 || code == 2, "city code " + code);
        }
    }

    private static void assertSameRows(Dataset nets, Dataset trees) {
        assertEquals(nets.size(), trees.size());
        assertArrayEquals(nets.y().toIntArray(), trees.y().toIntArray());
    }
}
