package dev.tuna.tune.oracle;

import dev.tuna.tune.Oracle;
import java.util.List;
import java.util.Map;

/** Builds an oracle from its name and settings (the YAML {@code tune.oracle} section). */
public final class Oracles {
    private Oracles() {}

    /** The oracle names, in the order error messages list them. */
    public static final List<String> NAMES = List.of("random", "grid", "bayesian", "genetic", "hyperband");

    /**
     * name: random (no settings), grid (no settings), bayesian, genetic (population_size, tournament_size,
     * crossover_rate, mutation_rate, elitism, mutation_scale) or hyperband (factor, max_epochs, min_epochs,
     * hyperband_iterations; max_epochs defaults to maxEpochs, the spec's training epochs). Unknown names,
     * unknown settings and bad values are IllegalArgumentExceptions naming them.
     */
    public static Oracle create(String name, long seed, Map<String, Object> settings, int maxEpochs) {
        Map<String, Object> s = settings == null ? Map.of() : settings;
        return switch (name == null ? "" : name) {
            case "random" -> {
                new OracleSettings("random", s, List.of());
                yield new RandomOracle(seed);
            }
            case "grid" -> {
                new OracleSettings("grid", s, List.of());
                yield new GridOracle();
            }
            case "genetic" -> new GeneticOracle(seed, s);
            case "hyperband" -> new HyperbandOracle(seed, s, maxEpochs);
            case "bayesian" -> BayesianOracle.fromSettings(seed, settings);
            default -> throw new IllegalArgumentException("oracle '" + name + "': expected random, grid, bayesian, genetic or hyperband");
        };
    }
}
