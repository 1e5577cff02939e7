package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Json;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tuna ensemble and tuna predict as a user meets them, and the guarantee that the test set chooses nothing. */
class EnsembleCliTest {
    @TempDir
    Path tmp;

    /** Three overlapping classes in 6 features (no model gets them all right), as CSV with a label column. */
    private Path csv(String name, int rows, long seed) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder("f0,f1,f2,f3,f4,f5,label\n");
        for (int r = 0; r < rows; r++) {
            int label = rng.nextInt(3);
            for (int j = 0; j < 6; j++) {
                double v = (label - 1) * (j % 2 == 0 ? 0.7 : 0.2) + (label == 2 && j == 3 ? 0.8 : 0) + rng.nextGaussian() * 0.8;
                s.append(String.format("%.4f,", v));
            }
            s.append(label).append('\n');
        }
        Path p = tmp.resolve(name);
        if (!Files.exists(p)) Files.writeString(p, s);
        return p;
    }

    private Path spec(String name, String model, String extra) throws Exception {
        Path tr = csv("train.csv", 900, 1), te = csv("test.csv", 300, 2);
        Path p = tmp.resolve(name);
        Files.writeString(p, """
                data: {train: %s, test: %s, format: csv, label: label}
                validation: {fraction: 0.25}
                model:
                %s
                train: {epochs: 6, batch_size: 32, seed: 5, early_stopping: {monitor: val_loss, patience: 2}}
                tune: {oracle: random, max_trials: 3, objective: val_accuracy}
                ensemble: {max_epochs: 12, patience: 3, gbt: {n_estimators: 25, max_depth: 3}, random_forest: {n_estimators: 15, max_depth: 4}}
                %s""".formatted(tr, te, model.indent(2).stripTrailing(), extra));
        return p;
    }

    private Path mlpStudy() throws Exception {
        Path s = spec("mlp.yaml", """
                type: mlp
                layers:
                  - dense: {units: {int: [4, 16], step: 4}, activation: relu}
                optimizer: {choice: [adam, rmsprop]}""", "");
        Path dir = tmp.resolve("mlp-study");
        CliTest.Run r = CliTest.run("tune", s.toString(), "--study", dir.toString(), "--workers", "1");
        assertEquals(0, r.code(), r.err());
        return dir;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summary(Path study) {
        try (StudyStore s = StudyStore.open(study, false)) {
            return (Map<String, Object>) Json.parse(new String(s.blob("ensemble.json").orElseThrow(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void poolsNetworksAndTreesSavesTheEnsembleAndPredictGivesItsTestScore() throws Exception {
        Path study = mlpStudy();
        CliTest.Run r = CliTest.run("ensemble", "--study", study.toString(), "--top", "2", "--gbt");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ensemble (caruana)"), r.out());
        assertTrue(r.out().contains("random_forest") && r.out().contains("gbt"), r.out());
        assertTrue(r.out().contains("against the best single member on test"), r.out());

        EnsembleManifest m = EnsembleManifest.read(study.resolve("ensemble"));
        assertEquals(4, m.members().size());
        assertEquals(List.of("neural", "neural", "gbt", "random_forest"), m.members().stream().map(EnsembleManifest.Member::kind).toList());
        double sum = 0;
        for (EnsembleManifest.Member x : m.members()) {
            assertTrue(x.weight() >= 0, "weight " + x.weight());
            assertTrue(Files.isRegularFile(study.resolve("ensemble").resolve(x.file())), x.file());
            sum += x.weight();
        }
        assertEquals(1.0, sum, 1e-9);
        for (EnsembleManifest.Member x : m.members()) {
            assertEquals(x.weight() == 0, r.out().contains(x.name() + ": weight 0: val log-loss alone "), "a line says why, for weight-0 members only: " + r.out());
        }

        Map<String, Object> s = summary(study);
        double testAcc = ((Number) ((Map<?, ?>) s.get("ensemble")).get("test_accuracy")).doubleValue();
        Path out = tmp.resolve("pred.csv");
        CliTest.Run p = CliTest.run("predict", "--model", study.resolve("ensemble").toString(), "--data", tmp.resolve("test.csv").toString(),
                "--out", out.toString());
        assertEquals(0, p.code(), p.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("row,prediction,p_0,p_1,p_2", lines.getFirst());
        assertEquals(301, lines.size());
        assertTrue(p.out().contains(String.format("accuracy %.4f", testAcc)), "predict scores what ensemble scored: " + p.out() + " vs " + testAcc);

        // Unlabelled features predict the same rows.
        Path features = tmp.resolve("features.csv");
        List<String> rows = new ArrayList<>();
        for (String l : Files.readAllLines(tmp.resolve("test.csv"))) rows.add(l.substring(0, l.lastIndexOf(',')));
        Files.write(features, rows.subList(1, rows.size()));
        Path out2 = tmp.resolve("pred2.csv");
        assertEquals(0, CliTest.run("predict", "--model", study.resolve("ensemble").toString(), "--data", features.toString(), "--out", out2.toString()).code());
        assertEquals(lines, Files.readAllLines(out2));

        // Another method reweights the kept predictions without training anything again.
        CliTest.Run avg = CliTest.run("ensemble", "--study", study.toString(), "--top", "2", "--gbt", "--method", "average");
        assertEquals(0, avg.code(), avg.err());
        assertEquals(4, avg.out().split("fitted before", -1).length - 1, avg.out());
        for (EnsembleManifest.Member x : EnsembleManifest.read(study.resolve("ensemble")).members()) assertEquals(0.25, x.weight(), 1e-12);
    }

    @Test
    void gbtTrainsARandomForestOnlyWhenTheSpecHasOne() throws Exception {
        Path file = spec("noforest.yaml", """
                type: mlp
                layers:
                  - dense: {units: 8, activation: relu}""", "");
        Files.writeString(file, Files.readString(file).replace(", random_forest: {n_estimators: 15, max_depth: 4}", ""));
        assertTrue(!Files.readString(file).contains("random_forest"));
        Path dir = tmp.resolve("noforest-study");
        assertEquals(0, CliTest.run("tune", file.toString(), "--study", dir.toString(), "--max-trials", "1").code());
        CliTest.Run r = CliTest.run("ensemble", "--study", dir.toString(), "--top", "1", "--gbt");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("neural", "gbt"), EnsembleManifest.read(dir.resolve("ensemble")).members().stream().map(EnsembleManifest.Member::kind).toList());
        assertTrue(r.out().contains("Member 2/2: gbt (gbt)") && !r.out().contains("random_forest"), r.out());
    }

    @Test
    void theTestLabelsChangeTheScoreAndNothingElse() throws Exception {
        Path study = mlpStudy();
        assertEquals(0, CliTest.run("ensemble", "--study", study.toString(), "--top", "2", "--gbt").code());
        Map<String, Object> before = summary(study);
        List<Double> w1 = EnsembleManifest.read(study.resolve("ensemble")).members().stream().map(EnsembleManifest.Member::weight).toList();

        // The same test features with their labels shuffled; then every member trains again from scratch.
        Path test = tmp.resolve("test.csv");
        List<String> lines = Files.readAllLines(test);
        List<String> labels = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) labels.add(l.substring(l.lastIndexOf(',') + 1));
        Collections.shuffle(labels, new Random(System.nanoTime()));
        List<String> shuffled = new ArrayList<>(List.of(lines.getFirst()));
        for (int i = 1; i < lines.size(); i++) shuffled.add(lines.get(i).substring(0, lines.get(i).lastIndexOf(',') + 1) + labels.get(i - 1));
        Files.write(test, shuffled);
        CliTest.Run r = CliTest.run("ensemble", "--study", study.toString(), "--top", "2", "--gbt", "--refit");
        assertEquals(0, r.code(), r.err());
        assertTrue(!r.out().contains("fitted before"), "--refit trains every member again");
        Map<String, Object> after = summary(study);
        List<Double> w2 = EnsembleManifest.read(study.resolve("ensemble")).members().stream().map(EnsembleManifest.Member::weight).toList();

        assertEquals(w1, w2, "the weights do not depend on the test labels");
        List<?> m1 = (List<?>) before.get("members"), m2 = (List<?>) after.get("members");
        for (int i = 0; i < m1.size(); i++) {
            Map<?, ?> a = (Map<?, ?>) m1.get(i), b = (Map<?, ?>) m2.get(i);
            assertEquals(a.get("val_accuracy"), b.get("val_accuracy"), "member " + a.get("name"));
            assertEquals(a.get("val_loss"), b.get("val_loss"), "member " + a.get("name"));
            assertEquals(a.get("best_epoch"), b.get("best_epoch"), "member " + a.get("name"));
        }
        assertEquals(((Map<?, ?>) before.get("ensemble")).get("val_loss"), ((Map<?, ?>) after.get("ensemble")).get("val_loss"));
        assertNotEquals(((Map<?, ?>) before.get("ensemble")).get("test_accuracy"), ((Map<?, ?>) after.get("ensemble")).get("test_accuracy"),
                "the test score does change: it is computed from the labels, once, at the end");
    }

    @Test
    void treeSpecsAreTunedAndTheirBestTrialsJoinAnEnsemble() throws Exception {
        Path mlp = mlpStudy();
        Path trees = spec("trees.yaml", """
                type: gbt
                n_estimators: 20
                max_depth: {int: [2, 5]}
                learning_rate: {float: [0.05, 0.5], sampling: log}""", "");
        Path dir = tmp.resolve("tree-study");
        CliTest.Run t = CliTest.run("tune", trees.toString(), "--study", dir.toString());
        assertEquals(0, t.code(), t.err());
        try (StudyStore s = StudyStore.open(dir, false)) {
            List<TrialRow> rows = s.trials();
            assertEquals(3, rows.size());
            for (TrialRow row : rows) {
                assertEquals(TrialState.COMPLETE, row.state(), row.reason());
                assertTrue(s.epochs(row.number()).size() >= 2, "boosting rounds are recorded like epochs");
                assertTrue(Files.isRegularFile(Path.of(row.checkpoint()).resolve("execution-0.ubj")));
            }
        }
        CliTest.Run r = CliTest.run("ensemble", "--study", mlp.toString(), "--study", dir.toString(), "--top", "1", "--method", "random");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tree-study trial"), r.out());
        assertTrue(r.out().contains("ensemble (random)"), r.out());

        // retrain and train take tree specs too.
        CliTest.Run rt = CliTest.run("retrain", "--study", dir.toString(), "--top", "1");
        assertEquals(0, rt.code(), rt.err());
        assertTrue(Files.isDirectory(dir.resolve("models")), rt.out());
        assertTrue(rt.out().contains(".ubj") && rt.out().contains("test accuracy"), rt.out());
        Path saved = tmp.resolve("trees.ubj");
        CliTest.Run tr = CliTest.run("train", trees.toString(), "--save", saved.toString());
        assertEquals(0, tr.code(), tr.err());
        assertTrue(tr.out().contains("Round 1/20 - ") && tr.out().contains("Test: accuracy"), tr.out());
        assertTrue(Files.size(saved) > 0);

        CliTest.Run hb = CliTest.run("tune", trees.toString(), "--study", tmp.resolve("hb").toString(), "--oracle", "hyperband");
        assertEquals(2, hb.code(), hb.out() + hb.err());
        assertTrue(hb.err().contains("tree models"), hb.err());
    }

    @Test
    void badInputIsExitTwoWithOneLineNamingTheFlag() throws Exception {
        Path study = mlpStudy();
        CliTest.Run r = CliTest.run("ensemble", "--study", study.toString(), "--method", "best");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--method 'best': expected average, caruana or random"), r.err());
        r = CliTest.run("ensemble", "--study", study.toString(), "--top", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--top 0"), r.err());
        r = CliTest.run("ensemble", "--study", tmp.resolve("nowhere").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--study"), r.err());

        // A study on other data cannot be pooled with this one.
        Path other = tmp.resolve("other.yaml");
        Files.writeString(other, Files.readString(tmp.resolve("mlp.yaml")).replace("fraction: 0.25", "fraction: 0.2"));
        assertEquals(0, CliTest.run("tune", other.toString(), "--study", tmp.resolve("other").toString(), "--max-trials", "1").code());
        r = CliTest.run("ensemble", "--study", study.toString(), "--study", tmp.resolve("other").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--study " + tmp.resolve("other") + ": its data or validation split differs"), r.err());

        r = CliTest.run("predict", "--model", tmp.resolve("none").toString(), "--data", tmp.resolve("test.csv").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--model"), r.err());
        assertEquals(0, CliTest.run("ensemble", "--study", study.toString(), "--top", "1").code());
        Path narrow = tmp.resolve("narrow.csv");
        Files.writeString(narrow, "a,b,label\n1,2,0\n3,4,1\n");
        r = CliTest.run("predict", "--model", study.resolve("ensemble").toString(), "--data", narrow.toString(), "--out", tmp.resolve("p.csv").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--data " + narrow + ": 2 features per example; the ensemble was trained on 6"), r.err());
    }
}
