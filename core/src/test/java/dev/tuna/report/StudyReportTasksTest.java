package dev.tuna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.task.Task;
import dev.tuna.tune.study.StudyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report of a regression and of a binary study with an ensemble: the task's figures, directions and gains. */
class StudyReportTasksTest {
    @TempDir
    Path tmp;

    private String report(Task task, String ensembleJson) throws Exception {
        Path dir = tmp.resolve("study");
        ReportFixtures.study(dir, 12, 5, task, ensembleJson);
        Path out = tmp.resolve("out");
        List<Path> files;
        try (StudyStore s = StudyStore.open(dir, false)) {
            files = StudyReport.write(s, out, 3);
        }
        for (String chart : List.of("search", "learning_curves", "hyperparameters", "importance", "ensemble")) {
            assertTrue(files.contains(out.resolve(chart + ".png")) && files.contains(out.resolve(chart + ".svg")), chart + " not written: " + files);
        }
        return Files.readString(out.resolve(StudyReport.HTML_FILE));
    }

    /** The page from the ensemble's heading to the closing line. */
    private static String ensembleSection(String html) {
        int from = html.indexOf("<h2 id=\"ensemble\">"), to = html.indexOf("<p class=\"method\">Made by");
        assertTrue(from >= 0 && to > from, "no ensemble section in:\n" + html);
        return html.substring(from, to);
    }

    @Test
    void aRegressionEnsembleShowsRmseMaeR2AndMseWithTheGainInRmseLowerBeingBetter() throws Exception {
        String html = report(Task.REGRESSION, ReportFixtures.regressionEnsembleJson());
        assertTrue(html.contains("Objective: <b>val_rmse</b> (minimise)"), "the header");
        String ens = ensembleSection(html);
        for (String phase : List.of("val", "test")) {
            for (String figure : List.of("RMSE", "MAE", "R2", "MSE")) assertTrue(ens.contains("<th>" + phase + " " + figure + "</th>"), phase + " " + figure + ":\n" + ens);
        }
        assertFalse(ens.contains("accuracy") || ens.contains("log-loss") || ens.contains("AUC"), "a classifier's figures in a regression's ensemble:\n" + ens);
        // The ensemble's test RMSE 0.4700 is 0.0500 below the best single member's 0.5200: a positive gain.
        assertTrue(ens.contains("in test RMSE (lower is better, so the gain is how much lower the ensemble's is): <b>+0.0500</b>"), ens);
        assertTrue(ens.contains("reg trial 2 (best single)"), ens);
        assertTrue(ens.contains("<td class=\"num\">0.4700</td>") && ens.contains("<td class=\"num\">0.2209</td>"), "the ensemble's test RMSE and MSE:\n" + ens);
        assertTrue(ens.contains("Bottom: test RMSE of each member") && ens.contains("lower is better."), "the caption:\n" + ens);
        assertTrue(ens.contains("Test RMSE (lower is better): ensemble +0.0500 better than the best single member (reg trial 2)"),
                "the bars' title in the inlined SVG:\n" + ens);
        assertFalse(html.contains("NaN") || html.contains("n/a"), "a figure printed as missing:\n" + html);
        assertFalse(html.contains("val_accuracy"), "a regressor logs no accuracy, so no panel or caption names it");
        assertTrue(html.contains("val_rmse and val_loss and val_mae per epoch"), "the learning curves of the regression's metrics");
    }

    @Test
    void aBinaryEnsembleShowsAucLogLossAndAccuracyWithTheBestSingleChosenByValidationAuc() throws Exception {
        String html = report(Task.BINARY, ReportFixtures.binaryEnsembleJson());
        assertTrue(html.contains("Objective: <b>val_auc</b> (maximise)"), "the header");
        String ens = ensembleSection(html);
        for (String phase : List.of("val", "test")) {
            for (String figure : List.of("AUC", "log-loss", "accuracy")) assertTrue(ens.contains("<th>" + phase + " " + figure + "</th>"), phase + " " + figure + ":\n" + ens);
        }
        assertFalse(ens.contains("RMSE") || ens.contains("lower is better"), ens);
        // Trial 1 has the better validation AUC (0.92 against 0.90) though trial 3 scores higher on test: the test set chooses nothing.
        assertTrue(ens.contains("bin trial 1 (best single)") && !ens.contains("bin trial 3 (best single)"), ens);
        assertTrue(ens.contains("in test AUC: <b>+0.0300</b>"), ens);
        assertTrue(ens.contains("Test AUC: ensemble +0.0300 over the best single member (bin trial 1)"), "the bars' title:\n" + ens);
        assertEquals(1, ens.split("<svg", -1).length - 1, "one ensemble chart");
        assertFalse(html.contains("NaN") || html.contains("n/a"), "a figure printed as missing:\n" + html);
    }
}
