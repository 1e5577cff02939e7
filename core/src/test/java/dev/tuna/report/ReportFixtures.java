package dev.tuna.report;

import dev.tuna.data.Json;
import dev.tuna.task.Task;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.study.StudyStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A study written straight through StudyStore's API, as tuna tune would leave it, without training: random
 * learning_rate (log-uniform), units and optimizer (momentum only for sgd), an objective that depends mostly on
 * the learning rate, per-epoch metrics for two executions, two failed trials and optionally an ensemble.json.
 */
final class ReportFixtures {
    private ReportFixtures() {}

    static void study(Path dir, int trials, long seed, boolean ensemble) {
        study(dir, trials, seed, Task.CLASSIFICATION, ensemble ? ensembleJson() : null);
    }

    /**
     * A study of the task: objective val_accuracy (classification), val_auc (binary) or val_rmse (regression, minimised),
     * per-epoch metrics as the trainer logs them for that task, and ensembleJson as the study's ensemble.json when not null.
     */
    static void study(Path dir, int trials, long seed, Task task, String ensembleJson) {
        SplittableRandom rng = new SplittableRandom(seed);
        try (StudyStore s = StudyStore.open(dir, false)) {
            s.putMeta("objective", switch (task) {
                case CLASSIFICATION -> "val_accuracy";
                case BINARY -> "val_auc";
                case REGRESSION -> "val_rmse";
            });
            s.putMeta("direction", task == Task.REGRESSION ? "min" : "max");
            s.putMeta("spec_file", "/tmp/specs/<fixture> & co.yaml");
            s.putMeta("oracle", "random {}");
            for (int t = 0; t < trials; t++) {
                Map<String, Object> v = new LinkedHashMap<>();
                double lr = Math.pow(10, -4 + 3 * rng.nextDouble());
                v.put("learning_rate", lr);
                v.put("units", (long) (16 << rng.nextInt(4)));
                String opt = List.of("adam", "sgd", "rmsprop").get(rng.nextInt(3));
                v.put("optimizer", opt);
                if (opt.equals("sgd")) v.put("momentum", Math.round(rng.nextDouble() * 90) / 100.0);
                int n = s.claim(x -> Proposal.of(v), k -> 1000L + k).trial().number();
                if (t == 5 || t == 17) {
                    s.addEpoch(n, 0, 0, Map.of("loss", Double.NaN, "val_loss", Double.NaN));
                    s.fail(n, "diverged: loss is NaN");
                    continue;
                }
                double d = Math.log10(lr) + 2.5;
                double score = 0.88 - 0.05 * d * d + 0.004 * rng.nextGaussian();
                // A regressor's RMSE falls as the classifier's accuracy rises: 0.4 at the best learning rate.
                double objective = task == Task.REGRESSION ? 0.4 + 2 * (0.88 - score) : score;
                int epochs = 10;
                for (int e = 0; e < 2; e++) {
                    for (int ep = 0; ep < epochs; ep++) {
                        double f = 1 - Math.exp(-(ep + 1) / 2.5);
                        double va = 0.1 + (score - 0.1) * f + 0.003 * rng.nextGaussian();
                        double vl = 0.3 + 2.0 * (1 - f) + 2.0 * (0.88 - score) + 0.01 * rng.nextGaussian();
                        s.addEpoch(n, e, ep, switch (task) {
                            case CLASSIFICATION -> Map.of("loss", vl * 0.9, "accuracy", va + 0.01, "val_loss", vl, "val_accuracy", va, "time", 1.5);
                            case BINARY -> Map.of("loss", vl * 0.9, "accuracy", va + 0.01, "auc", va + 0.05, "val_loss", vl, "val_accuracy", va,
                                    "val_auc", va + 0.04, "time", 1.5);
                            case REGRESSION -> Map.of("loss", vl * vl * 0.9, "rmse", vl * 0.95, "mae", vl * 0.8, "val_loss", vl * vl, "val_rmse", vl,
                                    "val_mae", vl * 0.8, "time", 1.5);
                        });
                    }
                }
                s.complete(n, objective, Map.of("best_epoch", (long) epochs - 1, "epochs_run", (long) epochs), null);
            }
            if (ensembleJson != null) s.putBlob(StudyReport.ENSEMBLE_BLOB, ensembleJson.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * A regression ensemble's summary as tuna ensemble writes it (with its task): RMSE, MAE, R2 and the MSE loss on
     * validation and test; the best single member's test RMSE is 0.5200 and the ensemble's 0.4700.
     */
    static String regressionEnsembleJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("method", "caruana");
        root.put("task", "regression");
        root.put("members", List.of(
                figures(Map.of("name", "reg trial 2", "kind", "neural", "weight", 0.6), 0.50, 0.40, 0.91, 0.52, 0.41, 0.90),
                figures(Map.of("name", "reg trial 4", "kind", "neural", "weight", 0.0), 0.55, 0.44, 0.89, 0.56, 0.45, 0.88),
                figures(Map.of("name", "gbt", "kind", "gbt", "weight", 0.4), 0.58, 0.46, 0.88, 0.61, 0.48, 0.86)));
        root.put("ensemble", figures(Map.of(), 0.45, 0.36, 0.93, 0.47, 0.37, 0.92));
        root.put("average", figures(Map.of(), 0.49, 0.39, 0.92, 0.50, 0.40, 0.91));
        root.put("best_single", "reg trial 2");
        return Json.write(root);
    }

    private static Map<String, Object> figures(Map<String, Object> head, double vRmse, double vMae, double vR2, double tRmse, double tMae, double tR2) {
        Map<String, Object> m = new LinkedHashMap<>(head);
        m.put("val_rmse", vRmse);
        m.put("val_mae", vMae);
        m.put("val_r2", vR2);
        m.put("val_loss", vRmse * vRmse);
        m.put("test_rmse", tRmse);
        m.put("test_mae", tMae);
        m.put("test_r2", tR2);
        m.put("test_loss", tRmse * tRmse);
        return m;
    }

    /**
     * A binary ensemble's summary as tuna ensemble wrote it before it recorded the task: AUC, log-loss and accuracy on
     * validation and test; no best_single, so the report picks the member with the best validation AUC (trial 1, test
     * AUC 0.9000); the ensemble's test AUC is 0.9300.
     */
    static String binaryEnsembleJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("method", "average");
        root.put("members", List.of(
                binary("bin trial 3", "neural", 0.5, 0.90, 0.91, 0.30, 0.88, 0.31, 0.87),
                binary("bin trial 1", "neural", 0.5, 0.92, 0.90, 0.29, 0.86, 0.30, 0.88)));
        root.put("ensemble", binary(null, null, 0, 0.94, 0.93, 0.26, 0.89, 0.27, 0.89));
        return Json.write(root);
    }

    private static Map<String, Object> binary(String name, String kind, double w, double vAuc, double tAuc, double vl, double va, double tl, double ta) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (name != null) {
            m.put("name", name);
            m.put("kind", kind);
            m.put("weight", w);
        }
        m.put("val_auc", vAuc);
        m.put("val_loss", vl);
        m.put("val_accuracy", va);
        m.put("test_auc", tAuc);
        m.put("test_loss", tl);
        m.put("test_accuracy", ta);
        return m;
    }

    static String ensembleJson() {
        return Json.write(Map.of(
                "method", "caruana",
                "members", List.of(
                        member("seed-search trial 3", "neural", 0.42, 0.880, 0.33, 0.870, 0.35),
                        member("seed-search trial 1", "neural", 0.28, 0.878, 0.34, 0.868, 0.36),
                        member("xgboost <depth 6>", "gbt", 0.2, 0.861, 0.39, 0.858, 0.40),
                        member("random forest", "random_forest", 0.1, 0.850, 0.42, 0.846, 0.43)),
                "ensemble", Map.of("val_accuracy", 0.89, "val_loss", 0.30, "test_accuracy", 0.885, "test_loss", 0.32),
                "average", Map.of("val_accuracy", 0.884, "val_loss", 0.31, "test_accuracy", 0.879, "test_loss", 0.33),
                "best_single", "seed-search trial 3"));
    }

    private static Map<String, Object> member(String name, String kind, double w, double va, double vl, double ta, double tl) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("kind", kind);
        m.put("weight", w);
        m.put("val_accuracy", va);
        m.put("val_loss", vl);
        m.put("test_accuracy", ta);
        m.put("test_loss", tl);
        return m;
    }
}
