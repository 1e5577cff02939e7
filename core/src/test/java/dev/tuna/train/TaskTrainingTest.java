package dev.tuna.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.distribute.BucketedGradientSync;
import dev.tuna.distribute.Communicator;
import dev.tuna.distribute.InProcessGroup;
import dev.tuna.distribute.Mirrored;
import dev.tuna.metrics.Metrics;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Layer;
import dev.tuna.nn.Model;
import dev.tuna.nn.TargetScale;
import dev.tuna.optim.Optimizers;
import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.loss.Losses;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Training for every task: the loss it descends, the metrics it logs, the outputs it predicts. */
class TaskTrainingTest {
    /** y = 1000 + 50 (x0 - 0.5 x1 + 0.25 x2) + noise (sd 2): labels far from unit scale, as prices and counts are. */
    private static Dataset regression(int n, long seed, Arena a) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.empty(Shape.of(n, 4), DType.F32, a), y = Tensor.empty(Shape.of(n), DType.F32, a);
        for (int i = 0; i < n; i++) {
            double[] f = new double[4];
            for (int j = 0; j < 4; j++) x.setFloat(i * 4L + j, (float) (f[j] = rng.nextGaussian()));
            y.setFloat(i, (float) (1000 + 50 * (f[0] - 0.5 * f[1] + 0.25 * f[2]) + 2 * rng.nextGaussian()));
        }
        return new Dataset(x, y, 0, List.of(), null);
    }

    /** Class 1 when x0 + x1 + noise > 0. */
    private static Dataset binary(int n, long seed, Arena a) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.empty(Shape.of(n, 4), DType.F32, a), y = Tensor.empty(Shape.of(n), DType.I32, a);
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < 4; j++) {
                double v = rng.nextGaussian();
                x.setFloat(i * 4L + j, (float) v);
                if (j < 2) s += v;
            }
            y.setInt(i, s + 0.3 * rng.nextGaussian() > 0 ? 1 : 0);
        }
        return new Dataset(x, y, 2, List.of("no", "yes"), null);
    }

    private static List<Layer> layers(TargetScale scale) {
        List<Layer> l = new ArrayList<>(List.of(new Dense(16, "relu"), new OutputHead(1)));
        if (scale != null) l.add(scale);
        return l;
    }

    @Test
    void aRegressorWithItsLabelsScaleLearnsInTheLabelsUnitsAndLogsItsMetrics() {
        long seed = System.nanoTime();
        System.out.println("aRegressorWithItsLabelsScaleLearnsInTheLabelsUnitsAndLogsItsMetrics seed " + seed);
        try (Arena a = Arena.ofShared()) {
            Dataset train = regression(600, seed, a), val = regression(200, seed + 1, a);
            float[] y = train.labels().values();
            double mean = 0, ss = 0;
            for (float v : y) mean += v / (double) y.length;
            for (float v : y) ss += (v - mean) * (v - mean);
            double std = Math.sqrt(ss / y.length);
            TaskSetup setup = TaskSetup.of(Task.REGRESSION, null, Metrics.parseAll(List.of("rmse", "r2"), Task.REGRESSION));
            try (Model m = Model.build(layers(new TargetScale(mean, std)), Shape.of(4), seed);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of("learning_rate", 0.01), m.arena()), Backends.cpu(), seed).setTask(setup)) {
                History h = t.fit(train, val, 30, 32, List.of(), ProgressListener.SILENT);
                Map<String, Double> last = h.epochs().getLast();
                assertFalse(last.containsKey("accuracy") || last.containsKey("val_accuracy"), "a regressor has no accuracy: " + last.keySet());
                // The loss is MSE in the labels' units, and rmse is its root over the same rows.
                assertEquals(Math.sqrt(last.get("val_loss")), last.get("val_rmse"), 1e-3 * last.get("val_rmse"));
                assertTrue(last.get("val_rmse") < 0.15 * std, "val_rmse " + last.get("val_rmse") + " against the labels' sd " + std);
                assertTrue(last.get("val_r2") > 0.97, "val_r2 " + last.get("val_r2"));
                // predict gives the values themselves: their rmse against the labels is the logged one.
                try (Arena p = Arena.ofConfined()) {
                    Predictions pr = Predictions.of(Task.REGRESSION, t.predict(val.x(), 64, p));
                    assertEquals(last.get("val_rmse"), Metrics.named("rmse").compute(pr, val.labels()), 1e-3 * last.get("val_rmse"));
                }
                assertTrue(m.stateDict().containsKey("target_scale/offset"), "the scale is model state: " + m.stateDict().keySet());
            }
            // Without the scale the same network and learning rate are still far from the labels after as many epochs.
            try (Model m = Model.build(layers(null), Shape.of(4), seed);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of("learning_rate", 0.01), m.arena()), Backends.cpu(), seed)
                         .setTask(TaskSetup.of(Task.REGRESSION, null, List.of()))) {
                History h = t.fit(train, val, 30, 32, List.of(), ProgressListener.SILENT);
                assertTrue(Math.sqrt(h.epochs().getLast().get("val_loss")) > 2 * std, "unscaled: " + h.epochs().getLast());
            }
        }
    }

    @Test
    void aBinaryModelHasOneLogitPredictsProbabilitiesAndItsMetricsAgreeWithItsPredictions() {
        long seed = System.nanoTime();
        System.out.println("aBinaryModelHasOneLogitPredictsProbabilitiesAndItsMetricsAgreeWithItsPredictions seed " + seed);
        try (Arena a = Arena.ofShared()) {
            Dataset train = binary(600, seed, a), val = binary(300, seed + 1, a);
            TaskSetup setup = TaskSetup.of(Task.BINARY, "binary_crossentropy", Metrics.parseAll(List.of("auc", "log_loss"), Task.BINARY));
            try (Model m = Model.build(layers(null), Shape.of(4), seed);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of("learning_rate", 0.01), m.arena()), Backends.cpu(), seed).setTask(setup)) {
                History h = t.fit(train, val, 15, 32, List.of(), ProgressListener.SILENT);
                Map<String, Double> first = h.epochs().getFirst(), last = h.epochs().getLast();
                assertTrue(last.get("loss") < first.get("loss"), "the loss went down: " + first.get("loss") + " -> " + last.get("loss"));
                assertTrue(last.get("val_accuracy") > 0.85 && last.get("val_auc") > 0.92, last.toString());
                // Binary cross-entropy on logits is the log-loss of the sigmoid's probabilities.
                assertEquals(last.get("val_loss"), last.get("val_log_loss"), 1e-4);
                try (Arena p = Arena.ofConfined()) {
                    Tensor out = t.predict(val.x(), 64, p);
                    assertEquals(List.of(300, 1), List.of(out.dim(0), out.dim(1)));
                    Predictions pr = Predictions.of(Task.BINARY, out);
                    for (float v : pr.p()) assertTrue(v >= 0 && v <= 1, "a probability (float32 rounds p > 1 - 6e-8 to 1): " + v);
                    assertEquals(last.get("val_auc"), Metrics.named("auc").compute(pr, val.labels()), 1e-9);
                }
            }
        }
    }

    @Test
    void mirroredReplicasScoreEveryRowOnceSoTheirMetricsAreOneTrainersOnItsOwnPredictions() {
        long seed = System.nanoTime();
        System.out.println("mirroredReplicasScoreEveryRowOnceSoTheirMetricsAreOneTrainersOnItsOwnPredictions seed " + seed);
        try (Arena a = Arena.ofShared()) {
            // 203 validation rows: 3 replicas evaluate 67, 68 and 68 of them.
            Dataset train = binary(250, seed, a), val = binary(203, seed + 1, a);
            TaskSetup setup = TaskSetup.of(Task.BINARY, null, Metrics.parseAll(List.of("auc", "f1"), Task.BINARY));
            List<Communicator> group = InProcessGroup.create(3);
            List<double[]> out = Mirrored.run(group, c -> {
                try (Model m = Model.build(layers(null), Shape.of(4), seed);
                     BucketedGradientSync sync = new BucketedGradientSync(c, 2048);
                     Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), seed, sync).setTask(setup)) {
                    History h = t.fit(train, val, 3, 32, List.of(), ProgressListener.SILENT);
                    Map<String, Double> last = h.epochs().getLast();
                    // The group's model, whole, on every validation row: what the gathered metrics must equal.
                    try (Arena p = Arena.ofConfined(); Trainer alone = new Trainer(m, null, Backends.cpu(), seed).setTask(setup)) {
                        Predictions pr = Predictions.of(Task.BINARY, alone.predict(val.x(), 64, p));
                        Labels y = val.labels();
                        return new double[] {last.get("val_auc"), Metrics.named("auc").compute(pr, y), last.get("val_f1"), Metrics.named("f1").compute(pr, y),
                                last.get("auc")};
                    }
                }
            });
            for (double[] r : out) {
                assertEquals(r[1], r[0], 1e-6, "val_auc of the gathered rows");
                assertEquals(r[3], r[2], 1e-6, "val_f1 of the gathered rows");
                assertEquals(out.getFirst()[4], r[4], 0.0, "every replica logs the group's training auc");
            }
        }
    }

    @Test
    void aLossThatDoesNotFitTheTaskIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TaskSetup(Task.REGRESSION, Losses.parse("sparse_categorical_crossentropy", Task.CLASSIFICATION), List.of()));
        assertTrue(e.getMessage().contains("does not apply to a regression task"), e.getMessage());
        IllegalArgumentException m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TaskSetup.of(Task.REGRESSION, null, List.of(Metrics.named("auc"))));
        assertTrue(m.getMessage().contains("metric auc does not apply"), m.getMessage());
    }

    @Test
    void aResearchersMetricIsLoggedEachEpochAndIsAnObjectiveWithItsOwnDirection() {
        // The largest absolute error, as a researcher would add it; unique per run, since the registry is global.
        String name = "max_abs_error_" + Long.toHexString(System.nanoTime());
        dev.tuna.metrics.Metric mine = new dev.tuna.metrics.Metric() {
            @Override public String name() { return name; }

            @Override public boolean maximize() { return false; }

            @Override public boolean appliesTo(Task task) { return task == Task.REGRESSION; }

            @Override public double compute(Predictions p, Labels y) {
                double worst = 0;
                for (int i = 0; i < p.rows(); i++) worst = Math.max(worst, Math.abs(p.get(i, 0) - y.get(i)));
                return worst;
            }
        };
        Metrics.register(mine);
        dev.tuna.tune.Objective o = dev.tuna.tune.TuneSpec.objective("val_" + name, null, "job.yaml: tune.objective");
        assertFalse(o.maximize(), "the metric's own direction");
        long seed = System.nanoTime();
        System.out.println("aResearchersMetricIsLoggedEachEpochAndIsAnObjectiveWithItsOwnDirection seed " + seed);
        try (Arena a = Arena.ofShared()) {
            Dataset train = regression(200, seed, a), val = regression(50, seed + 1, a);
            try (Model m = Model.build(layers(new TargetScale(1000, 50)), Shape.of(4), seed);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), seed)
                         .setTask(TaskSetup.of(Task.REGRESSION, null, List.of(Metrics.named(name))))) {
                History h = t.fit(train, val, 2, 32, List.of(), ProgressListener.SILENT);
                Map<String, Double> last = h.epochs().getLast();
                try (Arena p = Arena.ofConfined()) {
                    Predictions pr = Predictions.of(Task.REGRESSION, t.predict(val.x(), 64, p));
                    assertEquals(mine.compute(pr, val.labels()), last.get("val_" + name), 1e-3, "logged as val_" + name);
                }
                assertTrue(last.containsKey(name), "and on the training data: " + last.keySet());
            }
        }
    }
}
