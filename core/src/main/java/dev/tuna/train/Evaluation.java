package dev.tuna.train;

import java.util.Map;

/**
 * Mean loss over a data set, accuracy (NaN for a regressor) and the trainer's other metrics by name (without the
 * {@code val_} prefix).
 */
public record Evaluation(double loss, double accuracy, int samples, Map<String, Double> metrics) {
    public Evaluation {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics)); // in the job's order
    }

    public Evaluation(double loss, double accuracy, int samples) { this(loss, accuracy, samples, Map.of()); }
}
