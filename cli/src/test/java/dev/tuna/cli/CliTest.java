package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Safetensors;
import dev.tuna.tensor.Tensor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user meets it: exit codes, one-line errors, Keras-style output. */
class CliTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = Main.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Two well-separated classes in 6 features, written as CSV with a header and a label column. */
    private Path csv(String name, int rows, long seed) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder("f0,f1,f2,f3,f4,f5,label\n");
        for (int r = 0; r < rows; r++) {
            int label = rng.nextInt(2);
            for (int j = 0; j < 6; j++) s.append(String.format("%.4f,", (label == 0 ? -1 : 1) * (j % 2 == 0 ? 1.5 : 0.5) + rng.nextGaussian() * 0.4));
            s.append(label).append('\n');
        }
        Path p = tmp.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    private Path spec(String extra) throws Exception {
        Path train = csv("train.csv", 600, 1), test = csv("test.csv", 200, 2);
        Path p = tmp.resolve("job.yaml");
        Files.writeString(p, """
                data: {train: %s, test: %s, format: csv, label: label}
                validation: {fraction: 0.2}
                model:
                  type: mlp
                  layers:
                    - dense: {units: 16, activation: relu}
                  optimizer: adam
                train: {epochs: 3, batch_size: 32, seed: 5}
                %s""".formatted(train, test, extra));
        return p;
    }

    @Test
    void versionAndHelp() {
        Run v = run("--version");
        assertEquals(0, v.code);
        assertTrue(v.out.startsWith("tuna "), v.out);
        Run h = run("--help");
        assertEquals(0, h.code);
        assertTrue(h.out.contains("train") && h.out.contains("devices"), h.out);
    }

    @Test
    void devicesNamesTheCpuBackendAndExitsZeroWithoutAGpu() {
        Run r = run("devices");
        assertEquals(0, r.code);
        assertTrue(r.out.contains("CPU backend:"), r.out);
        assertTrue(r.out.contains("libcublas.so"), r.out);
        // NCCL's line says what it found, or what was looked for where.
        assertTrue(r.out.matches("(?s).*Communicators:\n  \u2713 in-process CPU replicas.*\n  [\u2713\u2717] NCCL.*\n  [\u2713\u2717] MPI .*"), r.out);
        // CI installs Open MPI: its line names the library's version.
        assertTrue(r.out.contains("\u2713 MPI Open MPI v"), r.out);
        if (!dev.tuna.bindings.nccl.Nccl.isAvailable()) assertTrue(r.out.contains("libnccl.so* not found; looked in ["), r.out);
    }

    @Test
    void trainPrintsKerasStyleEpochLinesThenTheTestScore() throws Exception {
        Path weights = tmp.resolve("w.safetensors");
        Run r = run("train", spec("").toString(), "--device", "cpu", "--save", weights.toString());
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("Epoch 1/3") && r.out.contains("Epoch 3/3"), r.out);
        // Two label values: a binary task, which logs AUC beside accuracy by default.
        assertTrue(r.out.matches("(?s).*- accuracy: \\d\\.\\d{4} - auc: \\d\\.\\d{4} - loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4} - val_auc: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4}.*"), r.out);
        var m = java.util.regex.Pattern.compile("Test: accuracy (\\d\\.\\d+)").matcher(r.out);
        assertTrue(m.find(), r.out);
        assertTrue(Double.parseDouble(m.group(1)) > 0.9, "separable data: " + m.group(1));
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> saved = Safetensors.read(weights, a);
            assertEquals(6 * 16, saved.get("dense/kernel").size());
            assertEquals(16, saved.get("dense_1/kernel").size(), "a binary task's model has one output logit");
        }
    }

    @Test
    void aValidationSplitThatDoesNotFitNamesTheFileTheKeyAndTheSize() throws Exception {
        Path job = spec("");
        // No validation section: last is the default 10000, more than the 600 rows; the message says it is the default.
        Run dflt = run("train", job.toString(), "--device", "cpu", "--set", "validation=null");
        assertEquals(2, dflt.code, dflt.out);
        assertTrue(dflt.err.startsWith("tuna: " + job + ": validation.last: expected a positive integer smaller than the number of training examples, 600 here, got '10000' (the default"),
                dflt.err);
        Run big = run("train", job.toString(), "--device", "cpu", "--set", "validation={last: 600}");
        assertEquals(2, big.code, big.out);
        assertTrue(big.err.contains(job + ": validation.last: expected a positive integer smaller than the number of training examples, 600 here, got '600'")
                && !big.err.contains("default"), big.err);
        // Zero is refused as the file is read, in the same words.
        Run zero = run("train", job.toString(), "--device", "cpu", "--set", "validation={last: 0}");
        assertEquals(2, zero.code, zero.out);
        assertTrue(zero.err.contains(job + ": validation.last: expected a positive integer smaller than the number of training examples, got '0'"), zero.err);
        assertEquals(1, dflt.err.lines().count(), dflt.err);
    }

    @Test
    void aBatchNormMomentumOutOfRangeIsRefusedBeforeTraining() throws Exception {
        Run r = run("train", spec("").toString(), "--device", "cpu", "--set",
                "model.layers=[{dense: {units: 16}}, {batch_norm: {momentum: 5}}, {activation: relu}]");
        assertEquals(2, r.code, r.out);
        assertTrue(r.err.contains("job.yaml: model.layers[1].batch_norm.momentum: expected a number in [0, 1], got '5'"), r.err);
        assertEquals(1, r.err.lines().count(), r.err);
        assertTrue(!r.out.contains("Epoch 1/"), "nothing trains: " + r.out);
    }

    @Test
    void aLossThatIsNotFiniteIsADivergedModelNotAScore() throws Exception {
        // Batch norm's moving variance is used only outside training; made negative (and frozen by momentum 1) it
        // turns val_loss and the test loss NaN while the training loss stays finite, as momentum 5 used to.
        Path job = spec("");
        String[] bn = {"--set", "model.layers=[{dense: {units: 16}}, {batch_norm: {momentum: 1}}, {activation: relu}]"};
        Path good = tmp.resolve("bn.safetensors"), bad = tmp.resolve("bn-negative-variance.safetensors");
        Run a = run("train", job.toString(), "--device", "cpu", bn[0], bn[1], "--set", "train.epochs=1", "--save", good.toString());
        assertEquals(0, a.code, a.err);
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> w = new java.util.LinkedHashMap<>(Safetensors.read(good, arena));
            Tensor var = w.get("batch_normalization/moving_variance").copy();
            for (long i = 0; i < var.size(); i++) var.setFloat(i, -1f);
            w.put("batch_normalization/moving_variance", var);
            Safetensors.write(bad, w, Map.of("format", "tuna"));
        }
        Run r = run("train", job.toString(), "--device", "cpu", bn[0], bn[1], "--set", "train.epochs=1", "--load", bad.toString());
        assertEquals(1, r.code, r.out + r.err);
        assertTrue(r.err.contains("the model diverged: its final val_loss is NaN, not a finite number"), r.err);
        assertEquals(1, r.err.lines().count(), r.err);
        assertTrue(!r.out.contains("Test: accuracy"), "no score is reported: " + r.out);
    }

    @Test
    void aGpuThatIsNotThereIsOneLineNamingTheFlag() throws Exception {
        String why = DeviceChoice.gpuUnusable(0);
        org.junit.jupiter.api.Assumptions.assumeTrue(why != null, "a GPU is usable here");
        Run r = run("train", spec("").toString(), "--device", "cuda:0");
        assertEquals(2, r.code, r.out);
        assertTrue(r.err.contains("--device cuda:0: " + why + "; use --device cpu"), r.err);
        Run auto = run("train", spec("").toString(), "--device", "auto");
        assertEquals(0, auto.code, auto.err);
        assertTrue(auto.err.contains("tuna: no usable GPU (" + why + "); training on the CPU"), auto.err);
    }

    @Test
    void gpuListsAreCheckedAndGpusThatAreNotThereAreOneLineNamingTheFlag() throws Exception {
        String why = DeviceChoice.gpuUnusable(0);
        org.junit.jupiter.api.Assumptions.assumeTrue(why != null, "a GPU is usable here");
        Path job = spec("");
        for (String device : new String[] {"cuda:0,1", "cuda:all"}) {
            Run r = run("train", job.toString(), "--device", device);
            assertEquals(2, r.code, r.out + r.err);
            assertTrue(r.err.contains("--device " + device + ": " + why), r.err);
            assertEquals(1, r.err.strip().lines().count(), r.err);
            assertTrue(!r.out.contains("Epoch"), "nothing trains: " + r.out);
        }
        Run twice = run("train", job.toString(), "--device", "cuda:1,1");
        assertEquals(2, twice.code);
        assertTrue(twice.err.contains("--device cuda:1,1: GPU 1 is negative or listed twice"), twice.err);
        Run word = run("train", job.toString(), "--device", "cuda:0,x");
        assertEquals(2, word.code);
        assertTrue(word.err.contains("--device cuda:0,x: expected auto, cpu, cpu:0,1 (CPU replicas), cpu:all, cuda:N, cuda:0,1 (GPU replicas) or cuda:all"), word.err);
        Path study = tmp.resolve("gpu-list-study");
        Run tune = run("tune", job.toString(), "--study", study.toString(), "--device", "cuda:0,1", "--devices-per-trial", "2");
        assertEquals(2, tune.code, tune.out + tune.err);
        assertTrue(tune.err.contains("--device cuda:0,1: " + why), tune.err);
    }

    @Test
    void mixedPrecisionPoliciesTrainOnTheCpuByEmulation() throws Exception {
        Path job = spec("");
        for (String p : new String[] {"mixed_float16", "mixed_bfloat16"}) {
            Run r = run("train", job.toString(), "--device", "cpu", "--precision", p);
            assertEquals(0, r.code, r.err);
            assertTrue(r.err.contains(p + " on the CPU is emulated"), r.err);
            var m = java.util.regex.Pattern.compile("Test: accuracy (\\d\\.\\d+)").matcher(r.out);
            assertTrue(m.find(), r.out);
            assertTrue(Double.parseDouble(m.group(1)) > 0.9, p + " learns the separable data: " + m.group(1));
        }
        Run bad = run("train", job.toString(), "--precision", "fp8");
        assertEquals(2, bad.code);
        assertTrue(bad.err.contains("--precision 'fp8': expected float32, mixed_float16 or mixed_bfloat16"), bad.err);
    }

    @Test
    void savedWeightsLoadBackAndMismatchedCheckpointsAreRefused() throws Exception {
        Path s = spec("");
        Path weights = tmp.resolve("w.safetensors");
        Run a = run("train", s.toString(), "--device", "cpu", "--save", weights.toString());
        assertEquals(0, a.code, a.err);
        // Loading the saved weights and training zero further epochs is not possible (epochs >= 1), so train one
        // epoch from them: the first epoch's training loss must start near where the saved model ended, far below
        // a fresh model's first-epoch loss.
        Run b = run("train", s.toString(), "--device", "cpu", "--load", weights.toString(), "--set", "train.epochs=1");
        assertEquals(0, b.code, b.err);
        assertTrue(b.out.contains("Loaded weights from"), b.out);
        Run fresh = run("train", s.toString(), "--device", "cpu", "--set", "train.epochs=1");
        assertTrue(loss(b.out) < loss(fresh.out), "loaded " + loss(b.out) + " vs fresh " + loss(fresh.out));

        Run wrong = run("train", s.toString(), "--device", "cpu", "--load", weights.toString(), "--set", "model.layers[0].dense.units=8");
        assertEquals(2, wrong.code);
        assertTrue(wrong.err.contains("w.safetensors") && wrong.err.contains("dense/kernel"), wrong.err);
    }

    private static double loss(String out) {
        var m = java.util.regex.Pattern.compile(" - loss: (\\d+\\.\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void setOverridesTheSpecAndSeedsReproduce() throws Exception {
        Path s = spec("");
        Run a = run("train", s.toString(), "--device", "cpu", "--set", "train.epochs=2", "--seed", "9");
        Run b = run("train", s.toString(), "--device", "cpu", "--set", "train.epochs=2", "--seed", "9");
        assertEquals(0, a.code, a.err);
        assertTrue(a.out.contains("Epoch 2/2") && !a.out.contains("Epoch 3/"), a.out);
        assertEquals(metrics(a.out), metrics(b.out));
    }

    private static String metrics(String out) {
        // Everything but the timings.
        return out.lines().filter(l -> l.contains("val_loss") || l.startsWith("Test:"))
                .map(l -> l.contains(" - accuracy") ? l.substring(l.indexOf(" - accuracy")) : l).toList().toString();
    }

    @Test
    void badInputIsOneLineWithExitCodeTwo() throws Exception {
        Path s = spec("");
        Run missing = run("train", tmp.resolve("nope.yaml").toString(), "--device", "cpu");
        assertEquals(2, missing.code);
        assertEquals("tuna: " + tmp.resolve("nope.yaml") + ": no such file", missing.err.strip());

        Run badKey = run("train", s.toString(), "--device", "cpu", "--set", "train.batch_size=zero");
        assertEquals(2, badKey.code);
        assertTrue(badKey.err.contains("train.batch_size: expected an integer, got 'zero'"), badKey.err);
        assertEquals(1, badKey.err.strip().lines().count(), badKey.err);

        Run gpu = run("train", s.toString(), "--device", "cuda:0");
        assertEquals(2, gpu.code);
        assertTrue(gpu.err.contains("--device cuda:0"), gpu.err);

        Run flag = run("train", s.toString(), "--bogus");
        assertEquals(2, flag.code);
        assertTrue(flag.err.contains("--bogus"), flag.err);

        Files.writeString(tmp.resolve("train.csv"), "f0,f1,label\n1,2,0\n3,abc,1\n");
        Run data = run("train", s.toString(), "--device", "cpu");
        assertEquals(2, data.code);
        assertTrue(data.err.contains("train.csv") && data.err.contains("abc"), data.err);
        assertTrue(!data.err.contains("\tat "), "no stack trace without --verbose: " + data.err);
    }

    @Test
    void verboseShowsTheStackTrace() throws Exception {
        Run r = run("train", spec("").toString(), "--device", "cpu", "--set", "train.epochs=x", "--verbose");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("\tat "), r.err);
    }
}
