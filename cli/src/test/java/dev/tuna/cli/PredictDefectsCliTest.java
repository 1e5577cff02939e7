package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Json;
import dev.tuna.ensemble.EnsembleManifest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
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

    /** Two classes as a classification task (two probability columns, as these tests check), not binary. */
    @BeforeAll
    static void buildEnsemble() throws Exception {
        Path train = tmp.resolve("train.csv"), test = tmp.resolve("test.csv");
        Files.writeString(train, csv(240, 1));
        Files.writeString(test, csv(60, 2));
        Path spec = tmp.resolve("job.yaml");
        Files.writeString(spec, """
                data: {train: %s, test: %s, format: csv, label: label}
                task: classification
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

    /** A copy of the ensemble folder with its ensemble.json edited. */
    @SuppressWarnings("unchecked")
    static Path edited(String name, Consumer<Map<String, Object>> edit) throws Exception {
        Path copy = tmp.resolve(name);
        try (var files = Files.walk(ensemble)) {
            for (Path f : files.toList()) {
                Path to = copy.resolve(ensemble.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
        Path json = copy.resolve(EnsembleManifest.FILE);
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(json));
        edit.accept(m);
        Files.writeString(json, Json.write(m));
        return copy;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> member0(Map<String, Object> m) { return (Map<String, Object>) ((List<Object>) m.get("members")).getFirst(); }

    // Issue 10 #8 and #14 end to end: an edited ensemble.json is one line and exit 2, before any prediction.
    @Test
    void editedManifestsAreOneLineNamingTheMemberAndKey() throws Exception {
        String name = (String) member0((Map<String, Object>) Json.parse(Files.readString(ensemble.resolve(EnsembleManifest.FILE)))).get("name");
        Path data = tmp.resolve("test.csv");
        Path svm = edited("svm", m -> member0(m).put("kind", "svm"));
        assertOneLineBadInput(predict(svm, data), svm.resolve(EnsembleManifest.FILE) + ": member 0 '" + name
                + "': kind: expected one of neural, gbt, random_forest, got 'svm'");
        Path noFile = edited("no-file", m -> member0(m).remove("file"));
        assertOneLineBadInput(predict(noFile, data), "member 0 '" + name + "': file: missing: expected a string");
        Path weight = edited("weight", m -> member0(m).put("weight", "NaN"));
        assertOneLineBadInput(predict(weight, data), "member 0 '" + name + "': weight: expected a number >= 0, got 'NaN'");

        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Files.copy(ensemble.resolve((String) member0((Map<String, Object>) Json.parse(Files.readString(ensemble.resolve(EnsembleManifest.FILE)))).get("file")),
                outside.resolve("m.safetensors"));
        Path escape = edited("escape", m -> member0(m).put("file", "../outside/m.safetensors"));
        assertOneLineBadInput(predict(escape, data), "file: '../outside/m.safetensors' is outside the ensemble folder");
        Path passwd = edited("passwd", m -> member0(m).put("file", "../../../../etc/passwd"));
        assertOneLineBadInput(predict(passwd, data), "file: '../../../../etc/passwd' is outside the ensemble folder");
        Path heavy = edited("heavy", m -> member0(m).put("weight", 2.0));
        assertOneLineBadInput(predict(heavy, data), "members: the weights sum to 2.0, expected 1 (within 1.0E-6)");
    }

    // Issue 10 #15: class names with a comma or quotes came out as p_cat_ big and cat_ big.
    @Test
    void predictionsAreRfc4180WithTheClassNamesExactly() throws Exception {
        Path out = tmp.resolve("quoted.csv");
        CliTest.Run r = CliTest.run("predict", "--model", ensemble.toString(), "--data", tmp.resolve("test.csv").toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<List<String>> rows = parseCsv(Files.readString(out));
        assertEquals(List.of("row", "prediction", "p_" + CAT, "p_" + DOG), rows.getFirst());
        assertEquals(61, rows.size());
        int cats = 0;
        for (List<String> row : rows.subList(1, rows.size())) {
            assertEquals(4, row.size(), row.toString());
            assertTrue(row.get(1).equals(CAT) || row.get(1).equals(DOG), row.get(1));
            if (row.get(1).equals(CAT)) cats++;
        }
        assertTrue(cats > 0 && cats < 60, "separable data gives both classes: " + cats + " cats");
        assertEquals("\"a,b\"", PredictCommand.csvField("a,b"));
        assertEquals("\"x\"\"y\"", PredictCommand.csvField("x\"y"));
        assertEquals("\"l1\nl2\"", PredictCommand.csvField("l1\nl2"));
        assertEquals("plain", PredictCommand.csvField("plain"));
    }

    /** A strict RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c != '"') f.append(c);
                else if (i + 1 < text.length() && text.charAt(i + 1) == '"') f.append(text.charAt(++i));
                else quoted = false;
            } else if (c == '"') {
                assertEquals(0, f.length(), "a quote inside an unquoted field at offset " + i);
                quoted = true;
            } else if (c == ',') {
                row.add(f.toString());
                f.setLength(0);
            } else if (c == '\n') {
                row.add(f.toString());
                f.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else if (c != '\r') {
                f.append(c);
            }
        }
        assertTrue(!quoted && f.isEmpty() && row.isEmpty(), "the file ends with a complete line");
        return rows;
    }

    /** A little-endian f4 or i8 .npy file, written as numpy does (header padded to 64 bytes). */
    static Path npy(String name, String descr, int[] shape, double[] values) throws Exception {
        String dims = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + shape[0] + ", " + shape[1] + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
        int pad = (10 + dict.length() + 1 + 63) / 64 * 64 - (10 + dict.length() + 1);
        byte[] header = (dict + " ".repeat(pad) + "\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int item = descr.endsWith("f4") ? 4 : 8;
        ByteBuffer b = ByteBuffer.allocate(10 + header.length + values.length * item).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length).put(header);
        for (double v : values) {
            if (item == 4) b.putFloat((float) v);
            else b.putLong((long) v);
        }
        return Files.write(tmp.resolve(name), b.array());
    }

    // Issue 10 #18: NPY/IDX features without --labels failed naming the spec keys train_labels / test_labels.
    @Test
    void npyFeaturesPredictWithoutLabelsAndAreScoredWithThem() throws Exception {
        double[] x = new double[20 * 4], y = new double[20];
        for (int r = 0; r < 20; r++) {
            y[r] = r % 2; // class 1 is DOG (the classes are sorted), its features near +1
            for (int j = 0; j < 4; j++) x[r * 4 + j] = r % 2 == 0 ? -1 : 1;
        }
        Path features = npy("x.npy", "<f4", new int[] {20, 4}, x);
        Path out = tmp.resolve("npy-pred.csv");
        CliTest.Run r = CliTest.run("predict", "--model", ensemble.toString(), "--data", features.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Wrote 20 predictions") && !r.out().contains("accuracy"), r.out());
        List<List<String>> rows = parseCsv(Files.readString(out));
        assertEquals(21, rows.size());
        assertEquals(DOG, rows.get(2).get(1));
        assertEquals(CAT, rows.get(1).get(1));

        Path labels = npy("y.npy", "<i8", new int[] {20}, y);
        r = CliTest.run("predict", "--model", ensemble.toString(), "--data", features.toString(), "--labels", labels.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("accuracy 1.0000") && r.out().contains("on 20 labelled examples"), r.out());

        Path empty = npy("empty.npy", "<f4", new int[] {0, 4}, new double[0]);
        assertOneLineBadInput(predict(ensemble, empty), empty + ": no examples");
        assertOneLineBadInput(predict(ensemble, features, "--labels", tmp.resolve("nope.npy").toString()), "--labels " + tmp.resolve("nope.npy") + ": no such file");
    }

    // Issue 10 #20: a folder given as --data was reported as "no such file".
    @Test
    void aFolderAsDataIsSaidToBeAFolder() {
        assertOneLineBadInput(predict(ensemble, tmp), "--data " + tmp + ": is a folder: expected a CSV, IDX or NPY file of examples (or fashion-mnist)");
        assertOneLineBadInput(predict(ensemble, tmp.resolve("absent.csv")), "--data " + tmp.resolve("absent.csv") + ": no such file");
    }
}
