package dev.tuna.tune.ask;

import dev.tuna.errors.BadInputException;
import dev.tuna.spec.HyperForm;
import dev.tuna.spec.SpecFile;
import dev.tuna.spec.SpecNode;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Objective;
import dev.tuna.tune.SpecHyperModel;
import dev.tuna.tune.TuneSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A space file: the hyperparameters of a program that tuna does not train itself, written in the job file's
 * hyperparameter forms, and a {@code tune:} section with the job file's keys (less executions_per_trial):
 *
 * <pre>
 * hyperparameters:
 *   learning_rate: {float: [1.0e-4, 1.0e-1], sampling: log}
 *   units: {int: [16, 256], step: 16}
 *   optimizer: {choice: [adam, sgd]}
 *   momentum: {float: [0.0, 0.99], when: {optimizer: sgd}}
 *   epochs: 20                                   # a plain value: fixed, handed to every trial
 * tune: {oracle: bayesian, objective: {name: val_loss, direction: min}, max_trials: 30, seed: 7}
 * </pre>
 *
 * The objective is any name the program reports; its direction is required unless the name tells it (…loss,
 * …error, …accuracy). Every error names the file and the key.
 */
public final class SpaceFile {
    private static final Set<String> TOP = Set.of("hyperparameters", "tune");
    private static final Set<String> TUNE = Set.of("oracle", "objective", "direction", "max_trials", "seed", "max_consecutive_failed_trials", "workers");

    /** A space file read: the definition, and the number of parallel workers it asks for (0: not said). */
    public record Parsed(SearchDefinition definition, int workers) {}

    private SpaceFile() {}

    /** Reads a space file, with {@code --set key=value} overrides applied as to a job file. */
    public static Parsed read(Path file, List<String> overrides) {
        return parse(file.toString(), SpecFile.read(file), overrides);
    }

    public static Parsed parse(String name, String text, List<String> overrides) {
        SpecNode root = new SpecNode(name, "", SpecFile.parseRaw(name, text, overrides), null);
        if (root.has("model") || root.has("data")) {
            throw new BadInputException(name + ": a job file (it has " + (root.has("model") ? "model:" : "data:") + "); ask, tell and tune --command read a space file"
                    + " with hyperparameters: and tune: (see examples/ask-space.yaml)");
        }
        root.checkKeys(TOP);
        SpecNode hpNode = root.require("hyperparameters");
        List<Hyperparameter> hps = new ArrayList<>();
        for (var e : hpNode.asMap().entrySet()) hps.add(hyperparameter(name, hpNode, e.getKey(), e.getValue()));
        if (hps.isEmpty()) throw hpNode.error("expected at least one hyperparameter");
        SpecNode t = root.get("tune");
        if (t.isNull()) throw new BadInputException(name + ": tune: missing (required: at least tune.objective, the name of what the program reports)");
        t.checkKeys(TUNE);
        // The job file's tune: section, read by the job file's own rules; the objective is required here.
        TuneSpec.OracleChoice oc = TuneSpec.oracle(t);
        String oracle = oc.name();
        Map<String, Object> settings = new LinkedHashMap<>(oc.settings());
        String[] md = TuneSpec.objectiveAndDirection(t, null);
        String metric = md[0], direction = md[1];
        Objective objective;
        try {
            objective = Objective.of(metric, direction);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(name + ": tune.objective: " + e.getMessage());
        }
        SpecNode w = t.get("workers");
        int workers = w.isNull() || "auto".equals(w.raw()) ? 0 : w.asPositiveInt();
        try {
            return new Parsed(new SearchDefinition(hps, objective, oracle, settings, t.has("seed") ? t.get("seed").asLong() : 1,
                    t.get("max_trials").asPositiveInt(0), t.get("max_consecutive_failed_trials").asPositiveInt(3)), workers);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(name + ": " + e.getMessage());
        }
    }

    /** One entry of hyperparameters:, a search form or a plain (fixed) value, named by its key unless it says name:. */
    private static Hyperparameter hyperparameter(String file, SpecNode parent, String key, Object raw) {
        SpecNode at = parent.get(key);
        if (raw instanceof Map<?, ?> || raw instanceof List<?>) {
            HyperForm[] form = new HyperForm[1];
            // A SpecNode parses a form as it is built and hands it to the resolver: the parser of job files, reused.
            new SpecNode(file, at.path(), raw, f -> {
                form[0] = f;
                return f.defaultValue();
            });
            if (form[0] == null) throw at.error("expected a search form ({int: [lo, hi]}, {float: [lo, hi]}, {choice: [...]}, {bool: false}) or a plain value");
            return SpecHyperModel.toHyperparameter(file, form[0]);
        }
        if (raw == null) throw at.error("expected a search form or a value");
        return Hyperparameter.fixed(key, raw, null);
    }
}
