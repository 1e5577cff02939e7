package dev.tuna.tune.ask;

import dev.tuna.tune.Condition;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Objective;
import dev.tuna.tune.Oracle;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.oracle.Oracles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an ask-and-tell study searches, whatever program runs its trials: the hyperparameters, the objective (any
 * name the program reports) and its direction, the oracle and its settings, the seed, the trial budget and the
 * failure limit. Built in Java ({@link #builder()}) or read from a space file ({@link SpaceFile}); a study records
 * it, so later askers need neither.
 *
 * <pre>{@code
 * SearchDefinition d = SearchDefinition.builder()
 *         .floatRange("learning_rate", 1e-4, 1e-1, true).intRange("units", 16, 256).choice("activation", "relu", "tanh")
 *         .objective("val_loss", "min").oracle("bayesian").seed(7).build();
 * }</pre>
 *
 * @param maxTrials the study's trial budget; 0: none (ask and tell go on as long as asked, as Optuna's do)
 */
public record SearchDefinition(List<Hyperparameter> hyperparameters, Objective objective, String oracle, Map<String, Object> oracleSettings,
                               long seed, int maxTrials, int maxConsecutiveFailedTrials) {
    public SearchDefinition {
        hyperparameters = List.copyOf(hyperparameters);
        if (hyperparameters.isEmpty()) throw new IllegalArgumentException("a search needs at least one hyperparameter");
        if (objective == null) throw new IllegalArgumentException("a search needs an objective");
        oracleSettings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(oracleSettings == null ? Map.of() : oracleSettings));
        if (!Oracles.NAMES.contains(oracle)) throw new IllegalArgumentException("oracle '" + oracle + "': expected " + String.join(", ", Oracles.NAMES));
        if (maxTrials < 0) throw new IllegalArgumentException("max_trials " + maxTrials + ": expected a positive integer");
        if (maxConsecutiveFailedTrials < 1) throw new IllegalArgumentException("max_consecutive_failed_trials " + maxConsecutiveFailedTrials + ": expected a positive integer");
        SearchSpace checked = new SearchSpace(hyperparameters); // a name twice, a condition on itself: refused here
        for (Hyperparameter h : hyperparameters) {
            Condition c = h.condition();
            if (c == null) continue;
            Hyperparameter parent = checked.get(c.parent());
            if (parent == null) throw new IllegalArgumentException(h.name() + ": when: no hyperparameter is named '" + c.parent() + "'");
            for (Object v : c.values()) parent.canonical(v);
        }
        Oracles.create(oracle, seed, oracleSettings, 0); // bad oracle settings are refused when the definition is made, not at the first ask
    }

    /** A fresh space of these hyperparameters (a space is mutable; each user gets its own). */
    public SearchSpace space() { return new SearchSpace(hyperparameters); }

    /** The oracle, seeded with the definition's seed. Hyperband needs its max_epochs setting: there is no spec to take it from. */
    public Oracle newOracle() { return Oracles.create(oracle, seed, oracleSettings, 0); }

    /** The same definition with another budget (a rerun may extend a study). */
    public SearchDefinition withMaxTrials(int n) { return new SearchDefinition(hyperparameters, objective, oracle, oracleSettings, seed, n, maxConsecutiveFailedTrials); }

    public SearchDefinition withOracle(String name, Map<String, Object> settings) {
        return new SearchDefinition(hyperparameters, objective, name, settings, seed, maxTrials, maxConsecutiveFailedTrials);
    }

    public SearchDefinition withObjective(Objective o) { return new SearchDefinition(hyperparameters, o, oracle, oracleSettings, seed, maxTrials, maxConsecutiveFailedTrials); }

    public SearchDefinition withSeed(long s) { return new SearchDefinition(hyperparameters, objective, oracle, oracleSettings, s, maxTrials, maxConsecutiveFailedTrials); }

    public static Builder builder() { return new Builder(); }

    /** Builds a definition in Java; every method adds or sets one thing and returns the builder. */
    public static final class Builder {
        private final List<Hyperparameter> hps = new ArrayList<>();
        private Objective objective;
        private String oracle = "random";
        private Map<String, Object> settings = Map.of();
        private long seed = 1;
        private int maxTrials;
        private int maxFailed = 3;

        private Builder() {}

        /** An integer range [lo, hi], step 1, linear. */
        public Builder intRange(String name, long lo, long hi) { return add(Hyperparameter.intRange(name, lo, hi, 1, Hyperparameter.Sampling.LINEAR, null, null)); }

        /** An integer range with a step (additive; multiplicative with log sampling, e.g. 32, 64, 128 for step 2). */
        public Builder intRange(String name, long lo, long hi, long step, boolean log) {
            return add(Hyperparameter.intRange(name, lo, hi, log ? (step > 1 ? step : 0) : Math.max(1, step), log ? Hyperparameter.Sampling.LOG : Hyperparameter.Sampling.LINEAR, null, null));
        }

        /** A float range [lo, hi], linear or log-scaled. */
        public Builder floatRange(String name, double lo, double hi, boolean log) {
            return add(Hyperparameter.floatRange(name, lo, hi, 0, log ? Hyperparameter.Sampling.LOG : Hyperparameter.Sampling.LINEAR, null, null));
        }

        public Builder choice(String name, Object... values) { return add(Hyperparameter.choice(name, List.of(values), null, null)); }

        public Builder bool(String name) { return add(Hyperparameter.bool(name, false, null)); }

        /** A value every trial gets as it is (handed to the program with the searched ones). */
        public Builder fixed(String name, Object value) { return add(Hyperparameter.fixed(name, value, null)); }

        /** Any hyperparameter, conditional ones included ({@code h.withCondition(new Condition("optimizer", List.of("sgd")))}). */
        public Builder add(Hyperparameter h) {
            hps.add(h);
            return this;
        }

        /** The objective's name and direction (max or min; auto infers it from names like val_loss or accuracy). */
        public Builder objective(String name, String direction) {
            objective = Objective.of(name, direction);
            return this;
        }

        public Builder oracle(String name) { return oracle(name, Map.of()); }

        /** The oracle and its settings, as the YAML {@code tune.oracle} mapping gives them. */
        public Builder oracle(String name, Map<String, Object> oracleSettings) {
            oracle = name;
            settings = oracleSettings;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder maxTrials(int n) {
            maxTrials = n;
            return this;
        }

        public Builder maxConsecutiveFailedTrials(int n) {
            maxFailed = n;
            return this;
        }

        public SearchDefinition build() { return new SearchDefinition(hps, objective, oracle, settings, seed, maxTrials, maxFailed); }
    }
}
