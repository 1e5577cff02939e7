package dev.tuna.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-epoch metrics of a fit, as Keras' History: loss, accuracy, val_loss, val_accuracy, time. */
public final class History {
    private final List<Map<String, Double>> epochs = new ArrayList<>();
    private int bestEpoch = -1;
    private boolean stoppedEarly;

    void add(Map<String, Double> logs) { epochs.add(new LinkedHashMap<>(logs)); }

    public List<Map<String, Double>> epochs() { return List.copyOf(epochs); }

    /** Values of one metric, one per epoch. */
    public double[] series(String metric) {
        double[] out = new double[epochs.size()];
        for (int i = 0; i < out.length; i++) out[i] = epochs.get(i).getOrDefault(metric, Double.NaN);
        return out;
    }

    public double last(String metric) { return epochs.isEmpty() ? Double.NaN : epochs.getLast().getOrDefault(metric, Double.NaN); }

    public int epochCount() { return epochs.size(); }

    /** 0-based epoch whose weights were kept by early stopping with restore_best_weights, else -1. */
    public int bestEpoch() { return bestEpoch; }

    void setBestEpoch(int e) { bestEpoch = e; }

    public boolean stoppedEarly() { return stoppedEarly; }

    void setStoppedEarly(boolean s) { stoppedEarly = s; }
}
