package dev.tuna.trees;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Dataset;
import dev.tuna.errors.BadInputException;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XGBoost through its Java library: training, early stopping, the forest, saving and loading, and the spec. */
class XgbModelTest {
    @TempDir
    Path tmp;

    /** Three classes in 5 features: class c shifts feature c; features 3 and 4 are noise. */
    static Dataset blobs(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Arena arena = Arena.ofShared();
        Tensor x = Tensor.empty(Shape.of(n, 5), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            y.setInt(i, c);
            for (int j = 0; j < 5; j++) x.setFloat((long) i * 5 + j, (float) ((j == c ? 2.0 : 0) + rng.nextGaussian() * 0.7));
        }
        return new Dataset(x, y, 3, null, arena);
    }

    static int[] labels(Dataset d) { return d.y().toIntArray(); }

    @Test
    void boostedTreesLearnAndReportEveryRound() {
        long seed = System.nanoTime();
        try (Dataset train = blobs(600, seed); Dataset val = blobs(300, seed + 1)) {
            TreeSpec spec = new TreeSpec("gbt", 20, 3, 0.3, 1, 1, 1, 1, 1, 0, 0, 64, 0);
            List<Double> losses = new ArrayList<>();
            try (XgbModel m = XgbModel.fit(spec, train, val, 0, 1, (r, logs, pv, last) -> {
                losses.add(logs.get("loss"));
                assertEquals(logs.get("val_accuracy"), Scores.accuracy(pv, labels(val)), 1e-12);
                return true;
            })) {
                assertEquals(20, losses.size());
                assertEquals(20, m.rounds());
                assertTrue(losses.getLast() < losses.getFirst(), "training loss falls: " + losses);
                Predictions p = m.predict(val.x());
                assertTrue(Scores.accuracy(p, labels(val)) > 0.85, "val accuracy " + Scores.accuracy(p, labels(val)));
                for (int i = 0; i < p.rows(); i++) {
                    double s = 0;
                    for (int c = 0; c < 3; c++) s += p.get(i, c);
                    assertEquals(1.0, s, 1e-5);
                }
                Path file = tmp.resolve("m.ubj");
                m.save(file);
                try (XgbModel back = XgbModel.load(file, Task.CLASSIFICATION, 5, 3)) {
                    assertArrayEquals(p.p(), back.predict(val.x()).p(), "a loaded model predicts the same");
                }
            }
        }
    }

    @Test
    void theListenerStopsBoostingAndAForestIsOneRound() {
        try (Dataset train = blobs(300, 3); Dataset val = blobs(100, 4)) {
            TreeSpec spec = TreeSpec.defaults("gbt");
            try (XgbModel m = XgbModel.fit(spec, train, val, 0, 1, (r, logs, pv, last) -> r + 1 < 3)) {
                assertEquals(3, m.rounds());
            }
            TreeSpec forest = new TreeSpec("random_forest", 10, 4, 1, 0.632, 1, TreeSpec.SQRT_FEATURES, 1, 1e-5, 0, 0, 64, 0);
            int[] calls = {0};
            try (XgbModel m = XgbModel.fit(forest, train, val, 0, 1, (r, logs, pv, last) -> ++calls[0] > 0)) {
                assertEquals(1, calls[0]);
                assertTrue(Scores.accuracy(m.predict(val.x()), labels(val)) > 0.8);
            }
        }
    }

    @Test
    void boostingStopsWhenValLossStopsImprovingAndKeepsTheBestRound() {
        // Deep trees at a high learning rate on few noisy rows overfit within a few rounds.
        try (Dataset train = blobs(120, 21); Dataset val = blobs(300, 22)) {
            TreeSpec spec = new TreeSpec("gbt", 200, 8, 1.0, 1, 1, 1, 0, 0, 0, 0, 64, 3);
            List<Double> valLoss = new ArrayList<>();
            boolean[] sawLast = {false};
            try (XgbModel m = XgbModel.fit(spec, train, val, 0, 1, (r, logs, pv, last) -> {
                valLoss.add(logs.get("val_loss"));
                sawLast[0] = last;
                return true;
            })) {
                assertTrue(m.stoppedEarly() && m.rounds() < 200, "stopped after " + m.rounds() + " rounds: " + valLoss);
                assertTrue(sawLast[0], "the listener was told which round was the last");
                int best = 0;
                for (int i = 1; i < valLoss.size(); i++) if (valLoss.get(i) < valLoss.get(best)) best = i;
                assertEquals(best + 1, m.bestRound());
                assertEquals(m.rounds(), m.bestRound() + 3, "three rounds without improvement");
                assertEquals(valLoss.get(best), Scores.logLoss(m.bestValidation(), labels(val)), 1e-12);
            }
        }
    }

    /**
     * Feature 0 holds level codes 0..5 whose class is 1 for {0, 2, 3, 5} (no threshold separates them); feature 1 is
     * noise with NaN for a sixth of the rows. Labels are classes of a binary task.
     */
    static Dataset interleavedLevels(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Arena arena = Arena.ofShared();
        Tensor x = Tensor.empty(Shape.of(n, 2), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        for (int i = 0; i < n; i++) {
            int level = rng.nextInt(6);
            x.setFloat(2L * i, level);
            x.setFloat(2L * i + 1, rng.nextInt(6) == 0 ? Float.NaN : (float) rng.nextGaussian());
            y.setInt(i, level == 1 || level == 4 ? 0 : 1);
        }
        return new Dataset(x, y, 2, null, arena);
    }

    @Test
    void categoricalColumnsSplitOnSetsOfLevelsAndASavedBoosterKeepsThem() {
        long seed = System.nanoTime();
        System.out.println("categoricalColumns seed " + seed);
        TreeColumns columns = new TreeColumns(List.of("level", "noise"), List.of("c", "q"));
        TreeSpec stump = new TreeSpec("gbt", 1, 1, 1.0, 1, 1, 1, 0, 0, 0, 0, 64, 0);
        try (Dataset train = interleavedLevels(600, seed); Dataset val = interleavedLevels(300, seed + 1)) {
            try (XgbModel typed = XgbModel.fit(stump, Task.BINARY, train, val, columns, 0, 1, null);
                 XgbModel plain = XgbModel.fit(stump, Task.BINARY, train, val, 0, 1, null)) {
                Predictions p = typed.predict(val.x());
                assertEquals(1.0, Scores.accuracy(p, labels(val)), "one categorical split puts {1, 4} on one side");
                assertTrue(Scores.accuracy(plain.predict(val.x()), labels(val)) < 0.9, "one threshold on the codes cannot");
                assertEquals(List.of("c", "q"), typed.boosterFeatureTypes(), "the booster records the types it was trained with");
                assertEquals(List.of(), plain.boosterFeatureTypes());
                Path file = tmp.resolve("typed.ubj");
                typed.save(file);
                try (XgbModel back = XgbModel.load(file, Task.BINARY, 2, 2, columns)) {
                    assertArrayEquals(p.p(), back.predict(val.x()).p(), "a loaded booster predicts the same");
                    assertEquals(columns, back.columns());
                }
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> XgbModel.load(file, Task.BINARY, 2, 2));
                assertTrue(e.getMessage().contains("[c, q]"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> XgbModel.fit(stump, Task.BINARY, train, val,
                    new TreeColumns(List.of("level"), List.of("c")), 0, 1, null), "one column named for two features");
        }
    }

    @Test
    void aSeededFitIsReproducible() {
        try (Dataset train = blobs(300, 5); Dataset val = blobs(100, 6)) {
            TreeSpec spec = new TreeSpec("gbt", 5, 3, 0.3, 0.7, 0.8, 1, 1, 1, 0, 0, 64, 0);
            try (XgbModel a = XgbModel.fit(spec, train, val, 0, 11, null); XgbModel b = XgbModel.fit(spec, train, val, 0, 11, null)) {
                assertArrayEquals(a.predict(val.x()).p(), b.predict(val.x()).p());
            }
        }
    }

    @Test
    void treeSpecsAreReadFromYamlWithFormsAndCheckedWithTheKeyNamed() {
        JobSpec ok = JobSpec.from(SpecFile.parse("t.yaml", """
                data: fashion-mnist
                model: {type: gbt, n_estimators: 40, max_depth: {int: [2, 8]}, learning_rate: 0.1}
                """, List.of(), HyperResolver.DEFAULTS));
        assertTrue(ok.model().isTrees());
        assertEquals(40, ok.model().trees().nEstimators());
        assertEquals(2, ok.model().trees().maxDepth(), "a form resolves to its default (the low end)");
        assertEquals(0.1, ok.model().trees().learningRate());
        BadInputException e = assertThrows(BadInputException.class, () -> JobSpec.from(SpecFile.parse("t.yaml", """
                data: fashion-mnist
                model: {type: random_forest, max_depth: 40}
                """, List.of(), HyperResolver.DEFAULTS)));
        assertTrue(e.getMessage().startsWith("t.yaml: model.max_depth: expected an integer in [1, 30]"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> JobSpec.from(SpecFile.parse("t.yaml", """
                data: fashion-mnist
                model: {type: gbt, max_leaves: 4}
                """, List.of(), HyperResolver.DEFAULTS)));
        assertTrue(e.getMessage().contains("max_leaves"), e.getMessage());
    }
}
