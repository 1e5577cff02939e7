package dev.tuna.report;

import dev.tuna.data.Json;
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
        SplittableRandom rng = new SplittableRandom(seed);
        try (StudyStore s = StudyStore.open(dir, false)) {
            s.putMeta("objective", "val_accuracy");
            s.putMeta("direction", "max");
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
                double objective = 0.88 - 0.05 * d * d + 0.004 * rng.nextGaussian();
                int epochs = 10;
                for (int e = 0; e < 2; e++) {
                    for (int ep = 0; ep < epochs; ep++) {
                        double f = 1 - Math.exp(-(ep + 1) / 2.5);
                        double va = 0.1 + (objective - 0.1) * f + 0.003 * rng.nextGaussian();
                        double vl = 0.3 + 2.0 * (1 - f) + 2.0 * (0.88 - objective) + 0.01 * rng.nextGaussian();
                        s.addEpoch(n, e, ep, Map.of("loss", vl * 0.9, "accuracy", va + 0.01, "val_loss", vl, "val_accuracy", va, "time", 1.5));
                    }
                }
                s.complete(n, objective, Map.of("best_epoch", (long) epochs - 1, "epochs_run", (long) epochs), null);
            }
            if (ensemble) s.putBlob(StudyReport.ENSEMBLE_BLOB, ensembleJson().getBytes(StandardCharsets.UTF_8));
        }
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
