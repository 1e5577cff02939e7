package dev.tuna.tune;

import dev.tuna.tune.study.TrialRow;
import java.util.Comparator;
import java.util.List;

/**
 * What a search optimises: a metric from the training logs (val_accuracy, val_loss, ...) and a direction.
 * The direction is inferred for accuracy-like (max) and loss- or error-like (min) names and required otherwise.
 */
public record Objective(String metric, boolean maximize) {

    public static Objective of(String metric, String direction) {
        if (metric == null || metric.isBlank()) throw new IllegalArgumentException("objective: expected a metric name such as val_accuracy");
        if (direction == null || direction.isBlank() || direction.equals("auto")) {
            Boolean inferred = infer(metric);
            if (inferred == null) {
                throw new IllegalArgumentException("objective '" + metric + "': cannot tell whether to maximise or minimise it; set direction: max or min");
            }
            return new Objective(metric, inferred);
        }
        return switch (direction) {
            case "max", "maximize" -> new Objective(metric, true);
            case "min", "minimize" -> new Objective(metric, false);
            default -> throw new IllegalArgumentException("direction '" + direction + "': expected max or min");
        };
    }

    /**
     * The direction of the metrics registry for the names it knows (val_auc max, val_rmse min, loss min); otherwise
     * true for accuracy-like names, false for loss- or error-like names (what an external program reports), null
     * when unknown.
     */
    public static Boolean infer(String metric) {
        Boolean known = dev.tuna.metrics.Metrics.maximize(metric);
        if (known != null) return known;
        String m = metric.toLowerCase(java.util.Locale.ROOT);
        if (m.endsWith("loss") || m.contains("error") || m.endsWith("mse") || m.endsWith("mae")) return false;
        if (m.endsWith("accuracy") || m.endsWith("acc") || m.endsWith("auc") || m.endsWith("precision") || m.endsWith("recall") || m.endsWith("f1")) return true;
        return null;
    }

    /** The objective a study was made with (recorded by tuna tune); a study without one is bad input. */
    public static Objective of(dev.tuna.tune.study.StudyStore store) {
        String m = store.meta("objective"), d = store.meta("direction");
        if (m == null || d == null) {
            throw new dev.tuna.errors.BadInputException(store.dir() + ": the study has no objective recorded; was it made by tuna tune?");
        }
        return Objective.of(m, d);
    }

    /** The value oracles maximise: the metric itself, or its negation when minimising; NaN stays NaN. */
    public double score(double value) { return maximize ? value : -value; }

    /** Whether a is better than b (NaN is never better). */
    public boolean better(double a, double b) {
        if (Double.isNaN(a)) return false;
        if (Double.isNaN(b)) return true;
        return maximize ? a > b : a < b;
    }

    public String direction() { return maximize ? "max" : "min"; }

    /** The top complete trials by this objective, best first; equal values keep trial order. */
    public List<TrialRow> best(List<TrialRow> trials, int top) {
        Comparator<TrialRow> byValue = Comparator.comparingDouble(TrialRow::objective);
        if (maximize) byValue = byValue.reversed();
        return trials.stream().filter(r -> r.state() == TrialState.COMPLETE && !Double.isNaN(r.objective()))
                .sorted(byValue.thenComparingInt(TrialRow::number)).limit(top).toList();
    }
}
