package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defects a new user hit with studies, data and flags (issue 10): each test failed before its fix. Refusals are
 * one line, exit 2, before any training.
 */
class StudyDefectsCliTest {
    @TempDir
    Path tmp;

    private Path csv(String name, int rows, int features, long seed) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < features; j++) s.append("f").append(j).append(',');
        s.append("label\n");
        for (int r = 0; r < rows; r++) {
            int label = rng.nextInt(2);
            for (int j = 0; j < features; j++) s.append(String.format("%.4f,", (label == 0 ? -1 : 1) * 0.8 + rng.nextGaussian() * 0.5));
            s.append(label).append('\n');
        }
        Path p = tmp.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    private Path spec(String name, Path train, Path test, String dataExtra, String tuneExtra) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, """
                data: {train: %s, test: %s, format: csv%s}
                validation: {fraction: 0.25}
                model:
                  type: mlp
                  layers:
                    - dense: {units: {int: [4, 16], step: 4}, activation: relu}
                  optimizer: adam
                train: {epochs: 2, batch_size: 32, seed: 5}
                tune: {oracle: random, max_trials: 2%s}
                """.formatted(train, test, dataExtra, tuneExtra));
        return p;
    }

    private static List<TrialRow> trials(Path study) {
        try (StudyStore s = StudyStore.open(study, false)) {
            return s.trials();
        }
    }

    /** Exit 2 and one line of refusal (after any notes such as the CPU fallback), holding every expected word. */
    private static void assertOneLineRefusal(CliTest.Run r, String... mustContain) {
        assertEquals(2, r.code(), r.out() + r.err());
        List<String> lines = r.err().strip().lines().filter(l -> !l.contains("training on the CPU") && !l.contains("on the CPU is emulated")).toList();
        assertEquals(1, lines.size(), r.err());
        for (String m : mustContain) assertTrue(lines.getFirst().contains(m), "expected '" + m + "' in: " + r.err());
    }

    @Test
    void resumingAfterTheDataChangedIsRefusedAndNothingIsTrained() throws Exception {
        Path train = csv("train.csv", 400, 4, 1), test = csv("test.csv", 100, 4, 2);
        Path spec = spec("job.yaml", train, test, "", "");
        Path study = tmp.resolve("study");
        assertEquals(0, CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1").code());
        List<TrialRow> before = trials(study);
        assertEquals(2, before.size());

        // The training CSV cut to fewer rows: a different validation split and different training data.
        List<String> lines = Files.readAllLines(train);
        Files.write(train, lines.subList(0, 301));
        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--max-trials", "4");
        assertOneLineRefusal(r, "--study " + study, "training data or its validation split differs");
        assertFalse(r.out().contains("Resuming"), r.out());
        assertEquals(before, trials(study));
        // retrain and ensemble would score the study's trials on other data too.
        assertOneLineRefusal(CliTest.run("retrain", "--study", study.toString(), "--device", "cpu"), "differs from what the study was tuned on");
        assertOneLineRefusal(CliTest.run("ensemble", "--study", study.toString(), "--device", "cpu"), "differs from what the study was tuned on");

        // The same rows in place again: it resumes.
        Files.write(train, lines);
        CliTest.Run ok = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--max-trials", "3", "--workers", "1");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("Resuming"), ok.out());
        assertEquals(3, trials(study).size());
    }

    @Test
    void anotherPrecisionIsRefusedButACommentOrReorderedKeysResume() throws Exception {
        Path train = csv("train.csv", 400, 4, 1), test = csv("test.csv", 100, 4, 2);
        Path spec = spec("job.yaml", train, test, "", "");
        Path study = tmp.resolve("study");
        assertEquals(0, CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1").code());
        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--precision", "mixed_bfloat16",
                "--max-trials", "3");
        assertOneLineRefusal(r, "--precision", "float32", "mixed_bfloat16");
        assertEquals(2, trials(study).size());

        // A comment and the data section's keys in another order: the same spec, so it resumes.
        String text = Files.readString(spec);
        String edited = "# tried on the laptop first\n" + text.replace("data: {train: " + train + ", test: " + test + ", format: csv}",
                "data: {format: csv, test: " + test + ", train: " + train + "}  # same data");
        assertTrue(!edited.equals(text) && edited.contains("format: csv, test"), edited);
        Files.writeString(spec, edited);
        CliTest.Run ok = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--max-trials", "3", "--workers", "1");
        assertEquals(0, ok.code(), ok.err());
        assertEquals(3, trials(study).size());
        // A real change is still refused, with words a user reads.
        Files.writeString(spec, edited.replace("epochs: 2", "epochs: 3"));
        assertOneLineRefusal(CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--max-trials", "4"),
                "made with a different spec");
        Files.writeString(spec, edited);
        assertOneLineRefusal(CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--set", "train.epochs=2",
                "--max-trials", "4"), "made with a different set of --set overrides");
    }

    @Test
    void overwriteDeletesTheOldStudysModelsEnsembleAndReportToo() throws Exception {
        Path train = csv("train.csv", 400, 4, 1), test = csv("test.csv", 100, 4, 2);
        Path spec = spec("job.yaml", train, test, "", "");
        Path study = tmp.resolve("study");
        assertEquals(0, CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1").code());
        // 1-based like every table: trial 1's files are trial-0001.
        assertTrue(Files.isDirectory(study.resolve("trials").resolve("trial-0001")), study.resolve("trials").toString());
        assertTrue(Files.isDirectory(study.resolve("trials").resolve("trial-0002")));
        assertFalse(Files.exists(study.resolve("trials").resolve("trial-0000")));
        for (String f : List.of("models", "ensemble", "report")) {
            Files.createDirectories(study.resolve(f));
            Files.writeString(study.resolve(f).resolve("old.txt"), "from the old study");
        }
        assertEquals(0, CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1", "--max-trials", "1",
                "--overwrite").code());
        assertEquals(1, trials(study).size());
        for (String f : List.of("models", "ensemble", "report")) assertFalse(Files.exists(study.resolve(f)), f + " survived --overwrite");
    }

    @Test
    void readOnlyCommandsNeitherWriteNorNeedAWritableStudy() throws Exception {
        Path train = csv("train.csv", 400, 4, 1), test = csv("test.csv", 100, 4, 2);
        Path study = tmp.resolve("study");
        assertEquals(0, CliTest.run("tune", spec("job.yaml", train, test, "", "").toString(), "--study", study.toString(), "--device", "cpu",
                "--workers", "1").code());
        byte[] db = Files.readAllBytes(study.resolve(StudyStore.DB_FILE));
        // A study read as immutable (what a folder without write permission gets) lists as any other.
        try (StudyStore s = StudyStore.openReadOnly(study)) {
            assertEquals(2, s.trials().size());
            assertTrue(s.trials().stream().allMatch(t -> t.state() == TrialState.COMPLETE));
            assertTrue(s.meta("spec") != null);
        }
        CliTest.Run t = CliTest.run("trials", "--study", study.toString());
        assertEquals(0, t.code(), t.err());
        assertEquals(0, CliTest.run("best", "--study", study.toString()).code());
        assertTrue(java.util.Arrays.equals(db, Files.readAllBytes(study.resolve(StudyStore.DB_FILE))), "a read-only command changed study.db");
        if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
            System.out.println("StudyDefectsCliTest: running as root, whom a read-only folder does not stop; the read-only folder itself is checked only as another user");
        } else {
            assertTrue(study.toFile().setWritable(false));
            try {
                CliTest.Run ro = CliTest.run("trials", "--study", study.toString());
                assertEquals(0, ro.code(), ro.err());
                assertTrue(ro.out().contains("2 trials in"), ro.out());
            } finally {
                study.toFile().setWritable(true);
            }
        }
    }

    @Test
    void aTestSetWithOtherFeaturesIsRefusedWhenTheDataIsLoaded() throws Exception {
        Path train = csv("train.csv", 400, 4, 1), test = csv("test3.csv", 100, 3, 2);
        Path spec = spec("job.yaml", train, test, "", "");
        Path study = tmp.resolve("study");
        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu");
        assertOneLineRefusal(r, test.toString(), "(3 features)", "(4 features)");
        assertFalse(r.out().contains("Trial"), r.out());
        assertOneLineRefusal(CliTest.run("train", spec.toString(), "--device", "cpu"), test.toString(), "3 features");
    }

    @Test
    void outputPathsAreCheckedBeforeAnyTraining() throws Exception {
        Path train = csv("train.csv", 400, 4, 1), test = csv("test.csv", 100, 4, 2);
        Path spec = spec("job.yaml", train, test, "", "");
        CliTest.Run dir = CliTest.run("train", spec.toString(), "--device", "cpu", "--save", tmp.toString());
        assertOneLineRefusal(dir, "--save " + tmp, "is a folder");
        assertFalse(dir.out().contains("Data:"), dir.out());
        CliTest.Run proc = CliTest.run("train", spec.toString(), "--device", "cpu", "--save", "/proc/x/y.safetensors");
        assertOneLineRefusal(proc, "--save /proc/x/y.safetensors", "cannot write");
        assertFalse(proc.out().contains("Data:"), proc.out());

        Path study = tmp.resolve("study");
        assertEquals(0, CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1").code());
        CliTest.Run ens = CliTest.run("ensemble", "--study", study.toString(), "--device", "cpu", "--out", "/proc/x");
        assertOneLineRefusal(ens, "--out /proc/x", "cannot write");
        assertFalse(ens.out().contains("Member"), ens.out());
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertOneLineRefusal(CliTest.run("ensemble", "--study", study.toString(), "--device", "cpu", "--out", file.toString()), "is a file");
        assertOneLineRefusal(CliTest.run("predict", "--model", study.resolve("ensemble").toString(), "--data", test.toString(), "--out", tmp.toString()),
                "--out " + tmp, "is a folder");
    }

    /** A float32 NPY file (numpy's format 1.0 header), written by hand. */
    private static void npy(Path p, String descr, int[] shape, ByteBuffer body) throws Exception {
        StringBuilder dims = new StringBuilder();
        for (int d : shape) dims.append(d).append(", ");
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims.toString().strip() + "), }";
        int total = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + body.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII)).put(body);
        Files.write(p, b.array());
    }

    @Test
    void aNanInNpyFeaturesIsRefusedNamingTheFileAndExample() throws Exception {
        long seed = System.nanoTime();
        System.out.println("aNanInNpyFeaturesIsRefusedNamingTheFileAndExample seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 64, f = 5;
        int bad = rng.nextInt(n * f);
        ByteBuffer x = ByteBuffer.allocate(n * f * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n * f; i++) x.putFloat(i == bad ? (rng.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY) : (float) rng.nextGaussian());
        x.flip();
        ByteBuffer y = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) y.putLong(i % 2);
        y.flip();
        Path xs = tmp.resolve("x.npy"), ys = tmp.resolve("y.npy");
        npy(xs, "<f4", new int[] {n, f}, x);
        npy(ys, "<i8", new int[] {n}, y);
        Path spec = tmp.resolve("npy.yaml");
        Files.writeString(spec, """
                data: {train: %s, train_labels: %s, format: npy}
                validation: {fraction: 0.25}
                model: {type: mlp, layers: [{dense: {units: 4}}], optimizer: adam}
                train: {epochs: 1, batch_size: 16, seed: 5}
                """.formatted(xs, ys));
        CliTest.Run r = CliTest.run("train", spec.toString(), "--device", "cpu");
        assertOneLineRefusal(r, xs.toString(), "example " + bad / f + ", feature " + bad % f, "finite");
    }

    @Test
    void flagAndCommandMistakesAreOneLineWithAPointerToHelp() {
        for (String[] args : List.of(new String[] {"tune", "x.yaml", "--seed", "abc"}, new String[] {"tune", "x.yaml", "--max-trials", "abc"},
                new String[] {"tune", "x.yaml", "--max-trials", "99999999999"}, new String[] {"tune", "x.yaml", "--no-such-flag"})) {
            CliTest.Run r = CliTest.run(args);
            assertOneLineRefusal(r, "--help");
            assertFalse(r.err().contains("Usage:"), r.err());
        }
        assertOneLineRefusal(CliTest.run("tune", "x.yaml", "--seed", "abc"), "--seed", "abc", "tuna tune --help");
        assertOneLineRefusal(CliTest.run("tune", "x.yaml", "--no-such-flag"), "unknown option '--no-such-flag'");
        CliTest.Run cmd = CliTest.run("nonexist");
        assertOneLineRefusal(cmd, "unknown command 'nonexist'", "train", "tune", "ensemble");
        assertFalse(cmd.err().contains("Did you mean"), cmd.err());
    }

    @Test
    void aHypermodelThatCannotBeBuiltSaysWhy() throws Exception {
        Path train = csv("train.csv", 100, 4, 1), test = csv("test.csv", 50, 4, 2);
        Path spec = spec("job.yaml", train, test, "", "");
        assertOneLineRefusal(CliTest.run("tune", spec.toString(), "--study", tmp.resolve("s").toString(), "--hypermodel", "dev.tuna.tune.HyperModel", "--device", "cpu"),
                "--hypermodel dev.tuna.tune.HyperModel", "an interface");
        assertOneLineRefusal(CliTest.run("tune", spec.toString(), "--study", tmp.resolve("s2").toString(), "--hypermodel", NoDefaultConstructor.class.getName(), "--device", "cpu"),
                "no no-argument constructor");
    }

    /** A hypermodel a researcher forgot to give a no-argument constructor. */
    public static final class NoDefaultConstructor implements dev.tuna.tune.HyperModel {
        public NoDefaultConstructor(int units) {}

        @Override
        public dev.tuna.nn.Model build(dev.tuna.tune.HyperParameters hp, dev.tuna.tensor.Shape inputShape, int numClasses, long seed) {
            throw new AssertionError("never built");
        }
    }

    @Test
    void aModelTooBigForMemoryIsOneLineAndExitOne() throws Exception {
        Path train = csv("train.csv", 100, 4, 1), test = csv("test.csv", 50, 4, 2);
        Path spec = tmp.resolve("huge.yaml");
        Files.writeString(spec, """
                data: {train: %s, test: %s, format: csv}
                validation: {fraction: 0.25}
                model: {type: mlp, layers: [{dense: {units: 2000000000}}], optimizer: adam}
                train: {epochs: 1, batch_size: 16, seed: 5}
                """.formatted(train, test));
        CliTest.Run r = CliTest.run("train", spec.toString(), "--device", "cpu");
        assertEquals(1, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("out of memory") && !r.err().contains("\tat "), r.err());
    }

    @Test
    void theNextHintQuotesPathsWithSpacesAndFloatsHaveOneStyle() throws Exception {
        Path train = csv("train.csv", 300, 4, 1), test = csv("test.csv", 50, 4, 2);
        Path study = tmp.resolve("my study");
        CliTest.Run r = CliTest.run("tune", spec("job.yaml", train, test, "", "").toString(), "--study", study.toString(), "--device", "cpu",
                "--workers", "1", "--max-trials", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tuna retrain --study '" + study + "'"), r.out());
        assertTrue(r.out().contains("this run completed 1 trial, 0 failed"), r.out());
        assertEquals("'a b'\\''c'", Shell.quote("a b'c"));
        assertEquals("studies/x-1", Shell.quote("studies/x-1"));
        for (double[] c : new double[][] {{5.0}, {0.99}, {0.0012345}, {1.5e-5}, {123456.0}}) {
            String s = TunerOutput.fmtFloat(c[0]);
            assertTrue(s.contains(".") || s.contains("e"), s);
            assertFalse(s.matches(".*\\.\\d*0(e.*)?$") && !s.endsWith(".0"), "trailing zeros in " + s);
            assertEquals(c[0], Double.parseDouble(s), Math.abs(c[0]) * 1e-3, s);
        }
        assertEquals("5.0", TunerOutput.fmtFloat(5.0));
        assertEquals("0.99", TunerOutput.fmtFloat(0.99));
    }

    @Test
    void ensemblesCompareTheDataNotItsSpellingAndTakeAStudyOnce() throws Exception {
        Path train = csv("train.csv", 400, 4, 1), test = csv("test.csv", 100, 4, 2);
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        assertEquals(0, CliTest.run("tune", spec("a.yaml", train, test, ", label: label", "").toString(), "--study", a.toString(), "--device", "cpu",
                "--workers", "1", "--max-trials", "1").code());
        assertEquals(0, CliTest.run("tune", spec("b.yaml", train, test, "", "").toString(), "--study", b.toString(), "--device", "cpu",
                "--workers", "1", "--max-trials", "1").code());
        assertOneLineRefusal(CliTest.run("ensemble", "--study", a.toString(), "--study", a.toString(), "--device", "cpu"), "--study " + a, "given twice");
        CliTest.Run r = CliTest.run("ensemble", "--study", a.toString(), "--study", b.toString(), "--device", "cpu", "--top", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Member 2/2"), r.out());
    }
}
