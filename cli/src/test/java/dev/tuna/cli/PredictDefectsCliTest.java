package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tuna predict on the inputs of issue 10: data that does not match the ensemble, edited ensemble.json files and
 * class names that need CSV quoting. One small ensemble (one network, no trees) is built once for the class.
 */
class PredictDefectsCliTest {
    /** The class names need quoting in CSV: one has a comma, the other quotes. */
    static final String CAT = "cat, big", DOG = "dog \"d\"";

    @TempDir
    static Path tmp;

    static Path ensemble;

    @BeforeAll
    static void buildEnsemble() throws Exception {
        Path train = tmp.resolve("train.csv"), test = tmp.resolve("test.csv");
        Files.writeString(train, csv(240, 1));
        Files.writeString(test, csv(60, 2));
        Path spec = tmp.resolve("job.yaml");
        Files.writeString(spec, """
                data: {train: %s, test: %s, format: csv, label: label}
                validation: {fraction: 0.25}
                model:
                  type: mlp
                  layers:
                    - dense: {units: 8, activation: relu}
                  optimizer: adam
                train: {epochs: 3, batch_size: 32, seed: 5}
                tune: {oracle: random, max_trials: 1, objective: val_accuracy}
                ensemble: {max_epochs: 3, patience: 1}
                """.formatted(train, test));
        Path study = tmp.resolve("study");
        CliTest.Run t = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--workers", "1");
        assertEquals(0, t.code(), t.err());
        CliTest.Run e = CliTest.run("ensemble", "--study", study.toString(), "--top", "1");
        assertEquals(0, e.code(), e.err());
        ensemble = study.resolve("ensemble");
    }

    /** Two separable classes in 4 features, f0..f3 then the label column, the labels quoted as CSV needs. */
    static String csv(int rows, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder("f0,f1,f2,f3,label\n");
        for (int r = 0; r < rows; r++) {
            int c = rng.nextInt(2);
            for (int j = 0; j < 4; j++) s.append(String.format("%.4f,", (c == 0 ? -1 : 1) + rng.nextGaussian() * 0.3));
            s.append(c == 0 ? "\"cat, big\"" : "\"dog \"\"d\"\"\"").append('\n');
        }
        return s.toString();
    }

    static CliTest.Run predict(Path model, Path data, String... more) {
        String[] args = new String[6 + more.length];
        System.arraycopy(new String[] {"predict", "--model", model.toString(), "--data", data.toString()}, 0, args, 0, 5);
        args[5] = "--out=" + tmp.resolve("out-" + System.nanoTime() + ".csv");
        System.arraycopy(more, 0, args, 6, more.length);
        return CliTest.run(args);
    }

    static void assertOneLineBadInput(CliTest.Run r, String expected) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), "expected '" + expected + "' in: " + r.err());
    }

    // Issue 10 #1: header a,b,c,label is 3 features and a label; it used to be read as 4 features, label included.
    @Test
    void theLabelColumnIsNeverAFeature() throws Exception {
        Path short3 = tmp.resolve("short3.csv");
        Files.writeString(short3, "a,b,c,label\n1,2,3,0\n4,5,6,1\n");
        CliTest.Run r = predict(ensemble, short3);
        assertOneLineBadInput(r, "--data " + short3 + ": 3 features per example; the ensemble was trained on 4 "
                + "(the file has 4 columns, one of them the label column 'label')");

        // Without a label header a file of exactly 4 columns is unlabelled features, as before.
        Path features = tmp.resolve("features4.csv");
        Files.writeString(features, "1,2,3,4\n-1,-2,-3,-4\n");
        r = predict(ensemble, features);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Wrote 2 predictions") && !r.out().contains("accuracy"), r.out());
    }
}
