package dev.tuna.trees;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Dataset;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XGBoost members for binary and regression tasks: the objective the task needs, early stopping, and real learning. */
class XgbTasksTest {
    @TempDir
    Path tmp;

    static final double NOISE = 0.3;

    /** y = 2 sin(2 x0) + x1^2 - x2 + noise(NOISE), x uniform in [-2, 2]^4; feature 3 is noise. */
    static Dataset curve(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Arena arena = Arena.ofShared();
        Tensor x = Tensor.empty(Shape.of(n, 4), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.F32, arena);
        for (int i = 0; i < n; i++) {
            double[] v = new double[4];
            for (int j = 0; j < 4; j++) x.setFloat((long) i * 4 + j, (float) (v[j] = rng.nextDouble() * 4 - 2));
            y.setFloat(i, (float) (2 * Math.sin(2 * v[0]) + v[1] * v[1] - v[2] + rng.nextGaussian() * NOISE));
        }
        return new Dataset(x, y, 0, null, arena);
    }

    /** Two overlapping classes in 5 features, class 1 in 30% of the rows, shifted along features 0 and 1. */
    static Dataset twoClasses(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Arena arena = Arena.ofShared();
        Tensor x = Tensor.empty(Shape.of(n, 5), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        for (int i = 0; i < n; i++) {
            int c = rng.nextDouble() < 0.3 ? 1 : 0;
            y.setInt(i, c);
            for (int j = 0; j < 5; j++) x.setFloat((long) i * 5 + j, (float) ((j < 2 ? c * 1.5 : 0) + rng.nextGaussian()));
        }
        return new Dataset(x, y, 2, null, arena);
    }

    static double std(float[] v) {
        double m = 0, s = 0;
        for (float x : v) m += x;
        m /= v.length;
        for (float x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / v.length);
    }

    @Test
    void theObjectiveAndEvalMetricFollowTheTask() {
        TreeSpec spec = TreeSpec.defaults("gbt");
        var c = spec.params(Task.CLASSIFICATION, 5, 3, 1, 1);
        assertEquals("multi:softprob", c.get("objective"));
        assertEquals("mlogloss", c.get("eval_metric"));
        assertEquals(3, c.get("num_class"));
        var b = spec.params(Task.BINARY, 5, 2, 1, 1);
        assertEquals("binary:logistic", b.get("objective"));
        assertEquals("logloss", b.get("eval_metric"));
        assertTrue(!b.containsKey("num_class"));
        var r = spec.params(Task.REGRESSION, 5, 0, 1, 1);
        assertEquals("reg:squarederror", r.get("objective"));
        assertEquals("rmse", r.get("eval_metric"));
        assertTrue(!r.containsKey("num_class"));
    }

    @Test
    void regressionTreesFitACurveWellBelowTheLabelsSpreadAndStopEarly() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        try (Dataset train = curve(1500, seed); Dataset val = curve(500, seed + 1); Dataset test = curve(500, seed + 2)) {
            assertEquals(Task.REGRESSION, XgbModel.impliedTask(train));
            TreeSpec spec = new TreeSpec("gbt", 400, 4, 0.3, 1, 1, 1, 1, 1, 0, 0, 64, 10);
            double[] lastValLoss = {Double.NaN};
            try (XgbModel m = XgbModel.fit(spec, Task.REGRESSION, train, val, 0, 1, (r, logs, pv, last) -> {
                assertEquals(Task.REGRESSION, pv.task());
                assertEquals(1, pv.width());
                assertEquals(Math.sqrt(logs.get("val_loss")), logs.get("val_rmse"), 1e-12);
                lastValLoss[0] = logs.get("val_loss");
                return true;
            })) {
                assertTrue(m.stoppedEarly(), "400 rounds of depth 4 at 0.3 overfit 1500 rows: stopped after " + m.rounds());
                float[] y = test.labels().values();
                Predictions p = m.predict(test.x());
                double rmse = Scores.rmse(p, y), sd = std(y);
                System.out.printf("test RMSE %.4f, label std %.4f, noise %.2f%n", rmse, sd, NOISE);
                assertTrue(rmse < 0.3 * sd, "RMSE " + rmse + " against the labels' std " + sd);
                assertTrue(Scores.r2(p, y) > 0.9, "R2 " + Scores.r2(p, y));
                assertEquals(Scores.mse(m.bestValidation(), val.labels().values()), minValLoss(spec, train, val), 1e-12);

                Path file = tmp.resolve("r.ubj");
                m.save(file);
                try (XgbModel back = XgbModel.load(file, Task.REGRESSION, 4, 0)) {
                    assertArrayEquals(p.p(), back.predict(test.x()).p(), "a loaded regressor predicts the same values");
                }
            }
            TreeSpec forest = new TreeSpec("random_forest", 30, 8, 1, 0.632, 1, TreeSpec.SQRT_FEATURES, 1, 1e-5, 0, 0, 64, 0);
            try (XgbModel m = XgbModel.fit(forest, Task.REGRESSION, train, val, 0, 1, null)) {
                double rmse = Scores.rmse(m.predict(test.x()), test.labels().values());
                assertTrue(rmse < 0.6 * std(test.labels().values()), "forest RMSE " + rmse);
            }
        }
    }

    /** The lowest val_loss over the rounds the same fit runs (a second, identical fit). */
    private static double minValLoss(TreeSpec spec, Dataset train, Dataset val) {
        double[] min = {Double.POSITIVE_INFINITY};
        try (XgbModel m = XgbModel.fit(spec, Task.REGRESSION, train, val, 0, 1, (r, logs, pv, last) -> {
            min[0] = Math.min(min[0], logs.get("val_loss"));
            return true;
        })) {
            return min[0];
        }
    }

    @Test
    void binaryTreesGiveOneProbabilityPerRowAndBeatTheBaseRate() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        try (Dataset train = twoClasses(1200, seed); Dataset val = twoClasses(400, seed + 1); Dataset test = twoClasses(600, seed + 2)) {
            TreeSpec spec = new TreeSpec("gbt", 200, 3, 0.3, 1, 1, 1, 1, 1, 0, 0, 64, 10);
            try (XgbModel m = XgbModel.fit(spec, Task.BINARY, train, val, 0, 1, (r, logs, pv, last) -> {
                assertEquals(Scores.logLoss(pv, val.labels().classes()), logs.get("val_loss"), 1e-12);
                return true;
            })) {
                int[] y = test.labels().classes();
                Predictions p = m.predict(test.x());
                assertEquals(Task.BINARY, p.task());
                assertEquals(1, p.width());
                for (float q : p.p()) assertTrue(q > 0 && q < 1, "p(1) " + q);
                double rate = 0;
                for (int c : y) rate += c;
                rate /= y.length;
                double baseLoss = -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));
                double auc = Scores.auc(p, y), loss = Scores.logLoss(p, y), acc = Scores.accuracy(p, y);
                System.out.printf("binary: AUC %.4f, log-loss %.4f (base rate %.4f), accuracy %.4f (majority %.4f)%n", auc, loss, baseLoss, acc,
                        Math.max(rate, 1 - rate));
                assertTrue(auc > 0.85, "AUC " + auc);
                assertTrue(loss < 0.8 * baseLoss, "log-loss " + loss + " against the base rate's " + baseLoss);
                assertTrue(acc > Math.max(rate, 1 - rate), "accuracy " + acc + " beats always guessing the majority");
                Path file = tmp.resolve("b.ubj");
                m.save(file);
                try (XgbModel back = XgbModel.load(file, Task.BINARY, 5, 2)) {
                    assertArrayEquals(p.p(), back.predict(test.x()).p());
                }
            }
        }
    }

    @Test
    void labelsThatDoNotFitTheTaskAreRefused() {
        try (Dataset values = curve(50, 1); Dataset classes = XgbModelTest.blobs(50, 2)) {
            TreeSpec spec = TreeSpec.defaults("gbt");
            assertTrue(assertThrows(IllegalArgumentException.class, () -> XgbModel.fit(spec, Task.CLASSIFICATION, values, null, 1, 1, null))
                    .getMessage().contains("class labels"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> XgbModel.fit(spec, Task.REGRESSION, classes, null, 1, 1, null))
                    .getMessage().contains("value labels"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> XgbModel.fit(spec, Task.BINARY, classes, null, 1, 1, null))
                    .getMessage().contains("2 classes"));
        }
    }
}
