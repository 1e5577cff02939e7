package dev.tuna.metrics;

import dev.tuna.task.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The metrics by name: the built-in ones, any a Java researcher registers, and {@code top<k>_accuracy} for any
 * k >= 1, made when named. Trial threads read it concurrently while a researcher may still register: the map is
 * replaced whole under a lock and published through a volatile field, so a read takes no lock and never sees a
 * half-made map.
 *
 * <p>Built in: {@code accuracy}, {@code auc}, {@code precision}, {@code recall}, {@code f1}, {@code log_loss}
 * (classification and binary), {@code top_k_accuracy} and {@code top<k>_accuracy} (classification), {@code mse},
 * {@code rmse}, {@code mae}, {@code r2} (regression). Defaults when a job names none: accuracy for classification,
 * accuracy and auc for binary, rmse and mae for regression.
 */
public final class Metrics {
    /** The prefix under which a metric's figure on the validation rows is logged. */
    public static final String VALIDATION_PREFIX = "val_";

    /** The logged name of the training loss, which is minimised and is not a metric. */
    public static final String LOSS = "loss";

    private static final Pattern TOP_K = Pattern.compile("top([1-9][0-9]{0,5})_accuracy");
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    private static final Object LOCK = new Object();
    private static volatile Map<String, Metric> byName = builtIns();

    private Metrics() {}

    private static Map<String, Metric> builtIns() {
        Map<String, Metric> m = new LinkedHashMap<>();
        for (Metric x : List.of(Accuracy.INSTANCE, TopKAccuracy.KERAS, RocAuc.INSTANCE, ClassRate.PRECISION, ClassRate.RECALL,
                ClassRate.F1, LogLoss.INSTANCE, RegressionMetric.MSE, RegressionMetric.RMSE, RegressionMetric.MAE, RegressionMetric.R2)) {
            m.put(x.name(), x);
        }
        return m;
    }

    /**
     * Adds a metric under its name, so that job files, objectives ({@code val_} + name) and early stopping can name
     * it. Refused (IllegalArgumentException) when the name is taken, is not a letter followed by letters, digits and
     * underscores, starts with {@code val_}, is {@code loss}, or is a {@code top<k>_accuracy} name.
     */
    public static void register(Metric metric) {
        Objects.requireNonNull(metric, "metric");
        String name = metric.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric name '" + name + "': expected a letter followed by letters, digits and underscores");
        }
        if (name.startsWith(VALIDATION_PREFIX) || name.equals(LOSS)) {
            throw new IllegalArgumentException("metric name '" + name + "': '" + LOSS + "' and names starting with '" + VALIDATION_PREFIX
                    + "' are what the logs call the loss and validation figures");
        }
        if (TOP_K.matcher(name).matches()) throw new IllegalArgumentException("metric name '" + name + "' is reserved for top-k accuracy");
        synchronized (LOCK) {
            Metric old = byName.get(name);
            if (old != null) throw new IllegalArgumentException("a metric named '" + name + "' is already registered (" + old.getClass().getName() + ")");
            Map<String, Metric> next = new LinkedHashMap<>(byName);
            next.put(name, metric);
            byName = next;
        }
    }

    /** The metric of that name, or IllegalArgumentException naming it and listing those there are. */
    public static Metric named(String name) {
        Metric m = find(name);
        if (m == null) {
            throw new IllegalArgumentException("unknown metric '" + name + "': expected one of " + String.join(", ", names())
                    + ", or top<k>_accuracy for k >= 1 (top3_accuracy)");
        }
        return m;
    }

    /**
     * The metric of that name for models of this task, or IllegalArgumentException: for an unknown name as
     * {@link #named}, for a known one that does not apply, saying which tasks it applies to and which metrics
     * this task has.
     */
    public static Metric parse(String name, Task task) {
        Metric m = named(name);
        if (!m.appliesTo(task)) {
            String tasks = Arrays.stream(Task.values()).filter(m::appliesTo).map(Task::id).collect(Collectors.joining(", "));
            String forTask = byName.values().stream().filter(x -> x.appliesTo(task)).map(Metric::name).collect(Collectors.joining(", "));
            throw new IllegalArgumentException("metric '" + name + "' does not apply to " + task.id() + " models (it applies to "
                    + (tasks.isEmpty() ? "none" : tasks) + "); for " + task.id() + ": " + forTask);
        }
        return m;
    }

    /** The names registered, built-in ones first, in the order they were added ({@code top<k>_accuracy} aside). */
    public static List<String> names() { return List.copyOf(byName.keySet()); }

    /** The metrics a job on this task logs when it names none. */
    public static List<Metric> defaultsFor(Task task) {
        return switch (task) {
            case CLASSIFICATION -> List.of(Accuracy.INSTANCE);
            case BINARY -> List.of(Accuracy.INSTANCE, RocAuc.INSTANCE);
            case REGRESSION -> List.of(RegressionMetric.RMSE, RegressionMetric.MAE);
        };
    }

    /**
     * Whether a logged figure is better larger: {@code loss} and {@code val_loss} are minimised, a metric's name with
     * or without the {@code val_} prefix goes by {@link Metric#maximize()}; null for a name that is neither.
     */
    public static Boolean maximize(String loggedName) {
        if (loggedName == null) return null;
        String name = loggedName.startsWith(VALIDATION_PREFIX) ? loggedName.substring(VALIDATION_PREFIX.length()) : loggedName;
        if (name.equals(LOSS)) return false;
        Metric m = find(name);
        return m == null ? null : m.maximize();
    }

    private static Metric find(String name) {
        if (name == null) return null;
        Metric m = byName.get(name);
        if (m != null) return m;
        Matcher k = TOP_K.matcher(name);
        return k.matches() ? new TopKAccuracy(Integer.parseInt(k.group(1))) : null;
    }

    /** Several names at once, each as {@link #parse}, none twice; for a job file's {@code metrics:} list. */
    public static List<Metric> parseAll(List<String> names, Task task) {
        List<Metric> out = new ArrayList<>(names.size());
        for (String n : names) {
            Metric m = parse(n, task);
            if (out.stream().anyMatch(x -> x.name().equals(m.name()))) throw new IllegalArgumentException("metric '" + n + "' is listed twice");
            out.add(m);
        }
        return List.copyOf(out);
    }
}
