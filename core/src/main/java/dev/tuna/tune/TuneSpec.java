package dev.tuna.tune;

import dev.tuna.errors.BadInputException;
import dev.tuna.spec.SpecNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code tune:} section of a job: the oracle and its settings, the objective and its direction, the trial
 * budget, executions per trial, the failure limit and the number of parallel workers. Command-line flags
 * override it field by field.
 *
 * <pre>
 * tune: {oracle: bayesian, max_trials: 20, executions_per_trial: 2, objective: val_accuracy}
 * tune: {oracle: {name: hyperband, factor: 3, max_epochs: 27}, objective: {name: val_loss, direction: min}}
 * </pre>
 */
public record TuneSpec(String oracle, Map<String, Object> oracleSettings, Objective objective, int maxTrials,
                       int executionsPerTrial, int maxConsecutiveFailedTrials, int workers, Long seed) {

    /**
     * Whether the trainer logs a metric of this name: the loss or accuracy, or a metric of the registry (computed
     * for the objective even when the job's metrics: does not list it), on the training data or with val_.
     */
    public static boolean recorded(String metric) {
        String base = metric.startsWith(dev.tuna.metrics.Metrics.VALIDATION_PREFIX) ? metric.substring(4) : metric;
        return base.equals("loss") || base.equals("accuracy") || dev.tuna.metrics.Metrics.names().contains(base)
                || base.matches("top[1-9][0-9]*_accuracy");
    }
    /** KerasTuner's default trial budget (Hyperband's budget is its brackets, so it has none by default). */
    public static final int DEFAULT_MAX_TRIALS = 10;

    /** The trial budget: max_trials when set, else 10, or unlimited for Hyperband. */
    public int trialBudget() {
        if (maxTrials > 0) return maxTrials;
        return oracle.equals("hyperband") ? Integer.MAX_VALUE : DEFAULT_MAX_TRIALS;
    }

    public static TuneSpec from(SpecNode root) {
        SpecNode t = root.get("tune");
        if (t.isNull()) return new TuneSpec("random", Map.of(), new Objective("val_accuracy", true), 0, 1, 3, 0, null);
        t.checkKeys(Set.of("oracle", "max_trials", "executions_per_trial", "objective", "direction", "max_consecutive_failed_trials", "workers", "seed"));
        OracleChoice oc = oracle(t);
        String oracle = oc.name();
        Map<String, Object> settings = oc.settings();
        String[] md = objectiveAndDirection(t, "val_accuracy");
        String metric = md[0], direction = md[1];
        Objective objective = objective(metric, direction, root.file() + ": tune.objective");
        int workers;
        SpecNode w = t.get("workers");
        if (w.isNull() || "auto".equals(w.raw())) workers = 0;
        else workers = w.asPositiveInt();
        int maxFailed = t.get("max_consecutive_failed_trials").asPositiveInt(3);
        return new TuneSpec(oracle, settings, objective, t.get("max_trials").asPositiveInt(0),
                t.get("executions_per_trial").asPositiveInt(1), maxFailed, workers, t.has("seed") ? t.get("seed").asLong() : null);
    }

    /** A tune section's oracle: its name and settings. */
    public record OracleChoice(String name, Map<String, Object> settings) {}

    /** tune.oracle: a name (random when absent) or {name: NAME, SETTING: value, ...}; an unknown name is refused. */
    public static OracleChoice oracle(SpecNode t) {
        String oracle;
        Map<String, Object> settings = new LinkedHashMap<>();
        SpecNode o = t.get("oracle");
        if (o.isMap()) {
            oracle = o.require("name").asString();
            settings.putAll(o.asMap());
            settings.remove("name");
        } else {
            oracle = o.asString("random");
        }
        if (!dev.tuna.tune.oracle.Oracles.NAMES.contains(oracle)) {
            throw (o.isMap() ? o.get("name") : o).error("expected random, grid, bayesian, genetic or hyperband");
        }
        return new OracleChoice(oracle, settings);
    }

    /**
     * tune.objective as a name or {name, direction}, and the direction (null when neither it nor tune.direction says
     * one); the objective is {@code dflt} when absent, required when dflt is null.
     */
    public static String[] objectiveAndDirection(SpecNode t, String dflt) {
        SpecNode obj = dflt == null ? t.require("objective") : t.get("objective");
        String metric;
        String direction = t.get("direction").asString(null);
        if (obj.isMap()) {
            obj.checkKeys(Set.of("name", "direction"));
            metric = obj.require("name").asString();
            if (obj.has("direction")) direction = obj.get("direction").asString();
        } else {
            metric = dflt == null ? obj.asString() : obj.asString(dflt);
        }
        return new String[] {metric, direction};
    }

    /** The objective for a metric the trainer reports, with its direction given or inferred. */
    public static Objective objective(String metric, String direction, String where) {
        if (!recorded(metric)) {
            throw new BadInputException(where + ": '" + metric + "' is not a metric tuna records; expected loss, accuracy or one of "
                    + dev.tuna.metrics.Metrics.names() + ", on the training data or with val_ (val_loss, val_auc)");
        }
        try {
            return Objective.of(metric, direction);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": " + e.getMessage());
        }
    }

    public TuneSpec withOracle(String o) { return new TuneSpec(o, o.equals(oracle) ? oracleSettings : Map.of(), objective, maxTrials, executionsPerTrial, maxConsecutiveFailedTrials, workers, seed); }

    public TuneSpec withMaxTrials(int n) { return new TuneSpec(oracle, oracleSettings, objective, n, executionsPerTrial, maxConsecutiveFailedTrials, workers, seed); }

    public TuneSpec withExecutions(int k) { return new TuneSpec(oracle, oracleSettings, objective, maxTrials, k, maxConsecutiveFailedTrials, workers, seed); }

    public TuneSpec withObjective(Objective o) { return new TuneSpec(oracle, oracleSettings, o, maxTrials, executionsPerTrial, maxConsecutiveFailedTrials, workers, seed); }

    public TuneSpec withWorkers(int w) { return new TuneSpec(oracle, oracleSettings, objective, maxTrials, executionsPerTrial, maxConsecutiveFailedTrials, w, seed); }
}
