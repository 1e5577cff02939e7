package dev.tuna.cli;

import static dev.tuna.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regression and binary jobs from the CLI: the task inferred and printed, their losses, metrics and objectives. */
class TaskCliTest {
    @TempDir
    Path tmp;

    /** y = 2 x0 - x1 + 0.5 x2 + noise (sd 0.1) over 5 standard normal features; the labels are not integers. */
    private Path linear(String name, int rows, long seed) throws Exception { return CsvFixtures.linear(tmp, name, rows, seed, 2, -1, 0.5, 0, 0); }

    private Path job(String data, String extra) throws Exception {
        Path p = tmp.resolve("job-" + Math.abs(extra.hashCode()) + ".yaml");
        Files.writeString(p, """
                data: %s
                validation: {fraction: 0.2}
                model:
                  type: mlp
                  layers:
                    - dense: {units: 32, activation: relu}
                  optimizer: adam
                  learning_rate: 0.01
                train: {epochs: 25, batch_size: 32, seed: 3}
                %s""".formatted(data, extra));
        return p;
    }

    private static double figure(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        assertTrue(m.find(), "no " + regex + " in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aRegressionIsInferredFromValueLabelsTrainsOnMseAndReportsItsMetrics() throws Exception {
        long seed = 11;
        System.out.println("aRegressionIsInferredFromValueLabelsTrainsOnMseAndReportsItsMetrics seed " + seed);
        Path train = linear("reg-train.csv", 800, seed), test = linear("reg-test.csv", 200, seed + 1);
        Path job = job("{train: %s, test: %s, format: csv, label: y}".formatted(train, test), "metrics: [rmse, mae, r2]\n");
        CliTest.Run r = run("train", job.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("value labels"), r.out());
        assertTrue(r.out().contains("task: regression (the labels are numbers that are not all integers)"), r.out());
        assertTrue(!r.out().contains("accuracy"), "a regressor logs no accuracy:\n" + r.out());
        assertTrue(r.out().matches("(?s).*- loss: \\d+\\.\\d{4} - mae: \\S+ - r2: \\S+ - rmse: \\S+ - val_loss: \\S+ - val_mae: \\S+ - val_r2: \\S+ - val_rmse: .*"), r.out());
        // The label's standard deviation is sqrt(4 + 1 + 0.25) ~ 2.29: a model that learnt the line is far below it.
        double rmse = figure(r.out(), "Test: loss [\\d.]+ - rmse ([\\d.]+)"); // in the order metrics: lists them
        double r2 = figure(r.out(), " - r2 ([\\d.-]+)");
        assertTrue(rmse < 0.5, "test rmse " + rmse);
        assertTrue(r2 > 0.95, "test r2 " + r2);
    }

    @Test
    void crossValidationScoresEachTrialByTheMeanOverItsFolds() throws Exception {
        Path train = linear("cv-train.csv", 300, 21), test = linear("cv-test.csv", 60, 22);
        Path job = tmp.resolve("cv.yaml");
        Files.writeString(job, Files.readString(job("{train: %s, test: %s, format: csv, label: y}".formatted(train, test),
                "tune: {oracle: random, max_trials: 2, objective: val_rmse}\n")).replace("validation: {fraction: 0.2}", "validation: {folds: 3}")
                .replace("epochs: 25", "epochs: 3").replace("units: 32", "units: {int: [8, 32], step: 8}"));
        Path study = tmp.resolve("cv-study");
        CliTest.Run r = run("tune", job.toString(), "--device", "cpu", "--study", study.toString(), "--workers", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Cross-validation: 3 folds of 100 rows each; a trial's val_rmse is the mean over them"), r.out());
        CliTest.Run t = run("trials", "--study", study.toString(), "--format", "json");
        assertEquals(0, t.code(), t.err());
        var trials = new com.fasterxml.jackson.databind.ObjectMapper().readTree(t.out());
        assertEquals(2, trials.size(), t.out());
        for (var trial : trials) {
            var folds = trial.get("summary").get("objectives");
            assertEquals(3, folds.size(), "one execution per fold: " + trial);
            assertEquals(3, trial.get("summary").get("folds").asInt());
            double mean = 0;
            for (var f : folds) mean += f.asDouble() / 3;
            assertEquals(mean, trial.get("val_rmse").asDouble(), 1e-9, "the objective is the folds' mean");
            assertTrue(folds.get(0).asDouble() != folds.get(1).asDouble(), "different folds, different scores: " + folds);
        }
        // The ensemble of a cross-validated study weighs its members on their out-of-fold predictions of all 300
        // rows (the scores refuse predictions and labels of different lengths, so the run itself checks the join).
        CliTest.Run e = run("ensemble", "--study", study.toString(), "--top", "2", "--gbt", "--max-epochs", "3", "--patience", "1");
        assertEquals(0, e.code(), e.err() + e.out());
        assertTrue(e.out().contains("Weights from out-of-fold predictions: each member trained once per fold of the study's 3, predicting the 300 training rows"),
                e.out());
        Path bad = tmp.resolve("cv-bad.yaml");
        Files.writeString(bad, Files.readString(job).replace("validation: {folds: 3}", "validation: {folds: 3, last: 10}"));
        CliTest.Run b = run("tune", bad.toString(), "--device", "cpu", "--study", tmp.resolve("cv-bad").toString());
        assertEquals(2, b.code(), b.out());
        assertTrue(b.err().contains("validation") && b.err().contains("expected one of {last: N}, {fraction: F} or {folds: K}"), b.err());
    }

    @Test
    void twoLabelValuesMakeABinaryTaskWithOneOutputAndAucAsTheObjective() throws Exception {
        Path train = CsvFixtures.twoNoisyClasses(tmp, "bin-train.csv", 600, 5), test = CsvFixtures.twoNoisyClasses(tmp, "bin-test.csv", 200, 6);
        Path job = job("{train: %s, test: %s, format: csv, label: label}".formatted(train, test),
                "metrics: [auc]\ntune: {oracle: random, max_trials: 2, objective: val_auc}\n");
        Path study = tmp.resolve("bin-study");
        CliTest.Run r = run("tune", job.toString(), "--device", "cpu", "--study", study.toString(), "--workers", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("task: binary (2 label values: 0 and 1, positive class 1)"), r.out());
        CliTest.Run best = run("best", "--study", study.toString(), "--format", "json");
        assertEquals(0, best.code(), best.err());
        double auc = figure(best.out(), "\"val_auc\"\\s*:\\s*([\\d.]+)");
        assertTrue(auc > 0.8 && auc <= 1.0, "val_auc " + auc);
        Path weights = tmp.resolve("bin.safetensors");
        CliTest.Run t = run("train", job.toString(), "--device", "cpu", "--set", "train.epochs=3", "--save", weights.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("Test: accuracy") && t.out().contains(" - auc "), t.out());
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            assertEquals(32, dev.tuna.data.Safetensors.read(weights, a).get("dense_1/kernel").size(), "one output logit after 32 units");
        }
    }

    @Test
    void metricsAndTasksThatDoNotFitAreRefusedInOneLineNamingTheKey() throws Exception {
        Path train = linear("bad-train.csv", 100, 3);
        Path auc = job("{train: %s, format: csv, label: y}".formatted(train), "metrics: [auc]\n");
        CliTest.Run a = run("train", auc.toString(), "--device", "cpu");
        assertEquals(2, a.code(), a.out());
        assertTrue(a.err().startsWith("tuna: metrics: auc does not apply to a regression task"), a.err());
        assertEquals(1, a.err().strip().lines().count(), a.err());
        Path unknown = job("{train: %s, format: csv, label: y}".formatted(train), "metrics: [rsme]\n");
        CliTest.Run u = run("train", unknown.toString(), "--device", "cpu");
        assertEquals(2, u.code(), u.out());
        assertTrue(u.err().contains("metrics[0]") && u.err().contains("unknown metric") && u.err().contains("rmse"), u.err());
        Path words = tmp.resolve("words.csv");
        Files.writeString(words, "a,b,label\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,dog\n9,1,eel\n");
        Path reg = job("{train: %s, format: csv, label: label}".formatted(words), "task: regression\n");
        CliTest.Run w = run("train", reg.toString(), "--device", "cpu");
        assertEquals(2, w.code(), w.out());
        assertTrue(w.err().contains(words + ": task: regression needs numeric labels, but label 'cat' is not a number"), w.err());
        Path badTask = job("{train: %s, format: csv, label: label}".formatted(words), "task: ranking\n");
        CliTest.Run b = run("train", badTask.toString(), "--device", "cpu");
        assertEquals(2, b.code(), b.out());
        assertTrue(b.err().contains("task") && b.err().contains("expected classification, binary or regression"), b.err());
    }
}
