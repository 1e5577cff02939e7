package dev.tuna.train;

import java.util.Map;

/** Receives training progress (the CLI draws Keras-style bars and epoch lines from it). */
public interface ProgressListener {
    ProgressListener SILENT = new ProgressListener() {};

    default void onEpochBegin(int epoch, int epochs, int steps) {}

    /** Running means over the epoch so far. */
    default void onBatchEnd(int step, int steps, double loss, double accuracy) {}

    default void onEpochEnd(int epoch, int epochs, Map<String, Double> logs, double seconds) {}
}
