package dev.tuna.cli;

import static dev.tuna.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Json;
import dev.tuna.data.tabular.TabularPreprocessor;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import dev.tuna.trees.TreeColumns;
import dev.tuna.trees.XgbModel;
import dev.tuna.tune.study.StudyStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trees on tabular data train on the raw columns (numbers unscaled with missing values left to XGBoost, the
 * categorical column typed "c"), in tuna train, tune and ensemble, and tuna predict gives a tree member the same
 * columns of its rows, while network members keep the preprocessed features.
 */
class TreeColumnsCliTest {
    @TempDir
    Path tmp;

    /** Cities whose buyers are likely, interleaved with the others in the level order, so no threshold on codes separates them. */
    private static final List<String> CITIES = List.of("Oslo", "Lima", "Pune", "Kyiv", "Rome", "Suva", "Baku", "Doha");
    private static final java.util.Set<String> LIKELY = java.util.Set.of("Oslo", "Pune", "Rome", "Doha");

    /** The raw columns' XGBoost types in file order: income, city, age. */
    private static final List<String> TYPES = List.of("q", "c", "q");

    /**
     * income (empty in 1 row of 8), city (8 levels, non-monotonic), age; buys yes/no. With {@code unseen}, 1 row of 7
     * has a city never seen in training.
     */
    private Path csv(String name, int rows, long seed, String unseen) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder("income,city,age,buys\n");
        for (int r = 0; r < rows; r++) {
            double income = rng.nextGaussian();
            String city = unseen != null && r % 7 == 0 ? unseen : CITIES.get(rng.nextInt(CITIES.size()));
            int age = 20 + rng.nextInt(50);
            double z = 1.5 * income + (LIKELY.contains(city) ? 2.0 : -2.0) + 0.3 * rng.nextGaussian();
            s.append(r % 8 == 5 ? "" : String.format("%.4f", income)).append(',').append(city).append(',').append(age).append(',')
                    .append(z > 0 ? "yes" : "no").append('\n');
        }
        Path p = tmp.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    @Test
    void trainedAndTunedTreesSeeTheRawColumnsWithTheCategoricalOneTyped() throws Exception {
        long seed = System.nanoTime();
        System.out.println("TreeColumnsCliTest seed " + seed);
        Path train = csv("train.csv", 500, seed, null), test = csv("test.csv", 150, seed + 1, "Nuuk");
        Path job = tmp.resolve("gbt.yaml");
        Files.writeString(job, """
                data: {train: %s, test: %s, label: buys, tabular: true}
                validation: {fraction: 0.2}
                model: {type: gbt, n_estimators: 15, max_depth: 3}
                """.formatted(train, test));
        Path saved = tmp.resolve("trees.ubj");
        CliTest.Run r = run("train", job.toString(), "--device", "cpu", "--save", saved.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Trees see the 3 raw columns: numbers unscaled with missing values left to XGBoost, 1 categorical"), r.out());
        // The networks' features are wider (income and its missing indicator, age, the cities one-hot); the booster has the 3 columns.
        try (XgbModel m = XgbModel.load(saved, Task.BINARY, 3, 2, new TreeColumns(List.of("income", "city", "age"), TYPES))) {
            assertEquals(TYPES, m.boosterFeatureTypes());
        }
        assertThrows(IllegalArgumentException.class, () -> XgbModel.load(saved, Task.BINARY, 3, 2), "a categorical booster is not read as numbers");

        Files.writeString(job, Files.readString(job).replace("model: {type: gbt, n_estimators: 15, max_depth: 3}", """
                model: {type: gbt, n_estimators: 10, max_depth: {int: [2, 4]}}
                tune: {oracle: random, max_trials: 1, objective: val_loss}"""));
        Path study = tmp.resolve("tree-study");
        CliTest.Run t = run("tune", job.toString(), "--device", "cpu", "--study", study.toString(), "--workers", "1");
        assertEquals(0, t.code(), t.err() + t.out());
        Path checkpoint = study.resolve("trials").resolve("trial-0001").resolve("execution-0.ubj");
        try (XgbModel m = XgbModel.load(checkpoint, Task.BINARY, 3, 2, new TreeColumns(List.of("income", "city", "age"), TYPES))) {
            assertEquals(TYPES, m.boosterFeatureTypes(), "a tuned tree trial trains on the raw columns too");
        }
        CliTest.Run rt = run("retrain", "--study", study.toString(), "--device", "cpu", "--top", "1");
        assertEquals(0, rt.code(), rt.err() + rt.out());
        try (XgbModel m = XgbModel.load(study.resolve("models").resolve("trial-0001.ubj"), Task.BINARY, 3, 2,
                new TreeColumns(List.of("income", "city", "age"), TYPES))) {
            assertEquals(TYPES, m.boosterFeatureTypes(), "retrained trees too");
        }
    }

    @Test
    void predictGivesTheEnsemblesOwnTestBlendWithTreesOnRawColumnsAndNetworksOnPreprocessedFeatures() throws Exception {
        long seed = System.nanoTime();
        System.out.println("TreeColumnsCliTest seed " + seed);
        Path train = csv("train.csv", 500, seed, null), test = csv("test.csv", 150, seed + 1, "Nuuk");
        Path job = tmp.resolve("mlp.yaml");
        Files.writeString(job, """
                data: {train: %s, test: %s, label: buys, tabular: true}
                validation: {folds: 3}
                model:
                  type: mlp
                  layers:
                    - dense: {units: {int: [8, 16], step: 8}, activation: relu}
                  optimizer: adam
                  learning_rate: 0.01
                train: {epochs: 4, batch_size: 32, seed: 3}
                tune: {oracle: random, max_trials: 1, objective: val_loss}
                ensemble: {gbt: {n_estimators: 20, max_depth: 3}}
                """.formatted(train, test));
        Path study = tmp.resolve("study");
        CliTest.Run t = run("tune", job.toString(), "--device", "cpu", "--study", study.toString(), "--workers", "1");
        assertEquals(0, t.code(), t.err() + t.out());
        // average: both members carry weight, so the blend below tests the trees' predictions as well as the network's.
        // Three folds: each member's phase one runs on every fold (the trees on that fold's raw columns).
        CliTest.Run e = run("ensemble", "--study", study.toString(), "--top", "1", "--gbt", "--method", "average", "--max-epochs", "4");
        assertEquals(0, e.code(), e.err() + e.out());
        assertTrue(e.out().contains("Weights from out-of-fold predictions"), e.out());

        Path dir = study.resolve("ensemble");
        EnsembleManifest m = EnsembleManifest.read(dir);
        assertEquals(List.of("neural", "gbt"), m.members().stream().map(EnsembleManifest.Member::kind).toList());
        TabularPreprocessor pre = TabularPreprocessor.load(dir.resolve(PredictCommand.PREPROCESSOR_FILE));
        assertEquals(List.of(pre.featureCount()), m.featureShape(), "the network member is built on the preprocessed features");
        assertNotEquals(3, pre.featureCount());
        assertEquals(EnsembleCommand.RAW_COLUMNS, m.members().get(1).recipe().get("features"));
        assertNull(m.members().get(0).recipe().get("features"));
        try (XgbModel trees = XgbModel.load(dir.resolve(m.members().get(1).file()), Task.BINARY, 3, 2,
                new TreeColumns(List.of("income", "city", "age"), TYPES))) {
            assertEquals(TYPES, trees.boosterFeatureTypes());
        }

        Path out = tmp.resolve("p.csv");
        CliTest.Run p = run("predict", "--model", dir.toString(), "--data", test.toString(), "--out", out.toString());
        assertEquals(0, p.code(), p.err() + p.out());
        List<String> lines = Files.readAllLines(out);
        assertEquals("row,prediction,p_yes", lines.getFirst());
        assertEquals(151, lines.size());

        // The ensemble's own test evaluation: its members' kept test predictions, blended with the manifest's weights.
        Map<String, Predictions> kept = keptTestPredictions(study);
        List<Predictions> members = new ArrayList<>();
        double[] w = new double[m.members().size()];
        for (int i = 0; i < w.length; i++) {
            members.add(kept.get(m.members().get(i).name()));
            w[i] = m.members().get(i).weight();
            assertTrue(w[i] > 0, "member " + i + " weight " + w[i]);
        }
        Predictions blend = Predictions.blend(members, w);
        assertEquals(150, blend.rows());
        for (int i = 0; i < blend.rows(); i++) {
            double printed = Double.parseDouble(lines.get(i + 1).split(",")[2]);
            // %.6f rounds to within 5e-7; a member fed other features would differ by far more.
            assertEquals(blend.get(i, 0), printed, 6e-7, "row " + i);
        }
    }

    /** Every fitted member's test predictions as the study keeps them, by member name. */
    @SuppressWarnings("unchecked")
    private static Map<String, Predictions> keptTestPredictions(Path study) throws Exception {
        Map<String, Predictions> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + study.resolve(StudyStore.DB_FILE));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT data FROM blobs WHERE name LIKE 'member:%'")) {
            while (rs.next()) {
                Map<String, Object> m = (Map<String, Object>) Json.parse(new String(rs.getBytes(1), StandardCharsets.UTF_8));
                Map<String, Object> t = (Map<String, Object>) m.get("test");
                out.put((String) m.get("name"), Predictions.decode(Task.parse((String) t.get("task"), "kept"), ((Number) t.get("rows")).intValue(),
                        ((Number) t.get("width")).intValue(), (String) t.get("float32_le_base64")));
            }
        }
        return out;
    }
}
