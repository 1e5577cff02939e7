package dev.tuna.cli;

import static dev.tuna.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Json;
import dev.tuna.tune.study.RetrainRow;
import dev.tuna.tune.study.StudyStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A regression and a binary study through tune, best, trials, retrain, ensemble --gbt, report and predict: each command
 * prints and records the task's figures (RMSE and MAE; AUC), not a classifier's accuracy.
 */
class TaskReportCliTest {
    @TempDir
    Path tmp;

    /** y = 1.5 x0 - x1 + 0.5 x2 + 0.25 x3 + noise (sd 0.1) over 4 standard normal features; the labels are not integers. */
    private Path linear(String name, int rows, long seed) throws Exception { return CsvFixtures.linear(tmp, name, rows, seed, 1.5, -1, 0.5, 0.25); }

    private Path job(String name, String data, String objective) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, """
                data: %s
                validation: {fraction: 0.2}
                model:
                  type: mlp
                  layers:
                    - dense: {units: {int: [8, 16], step: 8}, activation: relu}
                  optimizer: adam
                  learning_rate: 0.01
                train: {epochs: 5, batch_size: 32, seed: 3}
                tune: {oracle: random, max_trials: 2, objective: %s}
                ensemble: {gbt: {n_estimators: 20, max_depth: 3}}
                """.formatted(data, objective));
        return p;
    }

    private static Matcher find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no " + regex + " in:\n" + text);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> ensembleSummary(Path study) {
        try (StudyStore s = StudyStore.open(study, false)) {
            return (Map<String, Object>) Json.parse(new String(s.blob("ensemble.json").orElseThrow(), StandardCharsets.UTF_8));
        }
    }

    /** The report page from the ensemble's heading to the closing line. */
    private static String ensembleSection(Path html) throws Exception {
        String page = Files.readString(html);
        int from = page.indexOf("<h2 id=\"ensemble\">"), to = page.indexOf("<p class=\"method\">Made by");
        assertTrue(from >= 0 && to > from, page);
        return page.substring(from, to);
    }

    @Test
    void aRegressionStudyRetrainsEnsemblesReportsAndPredictsInRmse() throws Exception {
        long seed = 21;
        System.out.println("aRegressionStudyRetrainsEnsemblesReportsAndPredictsInRmse seed " + seed);
        Path train = linear("train.csv", 600, seed), test = linear("test.csv", 150, seed + 1);
        Path job = job("reg.yaml", "{train: %s, test: %s, format: csv, label: y}".formatted(train, test), "val_rmse");
        Path study = tmp.resolve("study");
        CliTest.Run tune = run("tune", job.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, tune.code(), tune.err());
        assertTrue(tune.out().contains("task: regression"), tune.out());

        CliTest.Run best = run("best", "--study", study.toString());
        assertEquals(0, best.code(), best.err());
        assertTrue(find(best.out(), "rank\\s+trial\\s+(\\S+)").group(1).equals("val_rmse"), best.out());
        CliTest.Run trials = run("trials", "--study", study.toString(), "--format", "csv");
        assertEquals(0, trials.code(), trials.err());
        assertTrue(trials.out().startsWith("trial,state,val_rmse,"), trials.out());
        assertFalse(best.out().contains("accuracy") || trials.out().contains("accuracy"), best.out() + trials.out());

        CliTest.Run retrain = run("retrain", "--study", study.toString(), "--top", "1", "--max-epochs", "5", "--patience", "2", "--device", "cpu");
        assertEquals(0, retrain.code(), retrain.err());
        assertFalse(retrain.out().contains("accuracy"), "a regressor has no accuracy:\n" + retrain.out());
        Matcher line = find(retrain.out(), "epochs; test loss ([\\d.]+), rmse ([\\d.]+), mae ([\\d.]+) \\[");
        double loss = Double.parseDouble(line.group(1)), rmse = Double.parseDouble(line.group(2)), mae = Double.parseDouble(line.group(3));
        // The loss is the mean squared error over the test rows, so RMSE is its root (within the 4 printed decimals).
        assertEquals(Math.sqrt(loss), rmse, 2e-3, retrain.out());
        assertTrue(mae <= rmse + 1e-4 && rmse < 1.0, "the label's sd is about 1.9; test rmse " + rmse + ", mae " + mae);
        find(retrain.out(), "epochs on train\\+val\\s+test loss\\s+test rmse\\s+test mae\\s+model");
        try (StudyStore s = StudyStore.open(study, false)) {
            List<RetrainRow> rows = s.retrains();
            assertEquals(1, rows.size());
            assertTrue(Double.isNaN(rows.getFirst().testAccuracy()), "no accuracy stored for a regressor");
            assertEquals(loss, rows.getFirst().testLoss(), 1e-4);
            Map<?, ?> metrics = (Map<?, ?>) rows.getFirst().extra().get("test_metrics");
            assertEquals(rmse, ((Number) metrics.get("rmse")).doubleValue(), 1e-4, "the stored test rmse is the printed one");
            assertEquals(mae, ((Number) metrics.get("mae")).doubleValue(), 1e-4);
        }

        CliTest.Run ens = run("ensemble", "--study", study.toString(), "--top", "1", "--gbt", "--max-epochs", "5", "--patience", "2", "--device", "cpu");
        assertEquals(0, ens.code(), ens.err());
        Map<String, Object> summary = ensembleSummary(study);
        assertEquals("regression", summary.get("task"));
        double ensRmse = ((Number) ((Map<?, ?>) summary.get("ensemble")).get("test_rmse")).doubleValue();

        CliTest.Run report = run("report", "--study", study.toString());
        assertEquals(0, report.code(), report.err());
        String section = ensembleSection(study.resolve("report").resolve("report.html"));
        assertTrue(section.contains("<th>test RMSE</th>") && section.contains("<th>test MAE</th>") && section.contains("<th>test R2</th>"), section);
        assertTrue(section.contains("Bottom: test RMSE of each member") && section.contains("lower is better"), section);
        assertTrue(section.contains(String.format("<td class=\"num\">%.4f</td>", ensRmse)), "the ensemble's test RMSE " + ensRmse + ":\n" + section);
        assertFalse(section.contains("accuracy") || section.contains("NaN") || section.contains("n/a"), section);

        Path out = tmp.resolve("pred.csv");
        // No --label: the ensemble keeps its training data's label column (y), so y is never read as a feature.
        CliTest.Run predict = run("predict", "--model", study.resolve("ensemble").toString(), "--data", test.toString(),
                "--out", out.toString(), "--device", "cpu");
        assertEquals(0, predict.code(), predict.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("row,prediction", lines.getFirst());
        assertEquals(151, lines.size());
        // predict scores the saved ensemble on the same rows as tuna ensemble did: the same RMSE.
        assertTrue(predict.out().contains(String.format("RMSE %.4f, MAE ", ensRmse)) && predict.out().contains(" on 150 labelled examples"),
                predict.out() + " vs test RMSE " + ensRmse);
    }

    @Test
    void aBinaryStudyRetrainsWithAucAndReportsItsEnsembleInAuc() throws Exception {
        Path train = CsvFixtures.twoNoisyClasses(tmp, "bin-train.csv", 400, 5), test = CsvFixtures.twoNoisyClasses(tmp, "bin-test.csv", 150, 6);
        Path job = job("bin.yaml", "{train: %s, test: %s, format: csv, label: label}".formatted(train, test), "val_auc");
        Path study = tmp.resolve("bin-study");
        CliTest.Run tune = run("tune", job.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, tune.code(), tune.err());
        assertTrue(tune.out().contains("task: binary"), tune.out());

        CliTest.Run retrain = run("retrain", "--study", study.toString(), "--top", "1", "--max-epochs", "5", "--patience", "2", "--device", "cpu");
        assertEquals(0, retrain.code(), retrain.err());
        Matcher line = find(retrain.out(), "epochs; test accuracy ([\\d.]+), loss ([\\d.]+), auc ([\\d.]+) \\[");
        double auc = Double.parseDouble(line.group(3));
        assertTrue(auc > 0.7 && auc <= 1, "test auc " + auc);
        find(retrain.out(), "test accuracy\\s+test loss\\s+test auc\\s+model");

        CliTest.Run ens = run("ensemble", "--study", study.toString(), "--top", "1", "--gbt", "--max-epochs", "5", "--patience", "2", "--device", "cpu");
        assertEquals(0, ens.code(), ens.err());
        assertEquals(0, run("report", "--study", study.toString()).code());
        String section = ensembleSection(study.resolve("report").resolve("report.html"));
        assertTrue(section.contains("<th>val AUC</th>") && section.contains("<th>test log-loss</th>") && section.contains("Bottom: test AUC of each member"), section);
        assertFalse(section.contains("lower is better") || section.contains("NaN") || section.contains("n/a"), section);
    }
}
