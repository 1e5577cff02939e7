package dev.tuna.train;

import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stops training when a monitored metric has not improved for {@code patience} epochs, as Keras'
 * EarlyStopping does; with restoreBestWeights the model ends with the weights of its best epoch.
 * Mode "auto" minimises metrics named like losses and maximises the others. Unlike Keras, which restores
 * only when it stopped early, the best weights are restored at the end of every fit: a model that ran all its
 * epochs and got worse at the end should not be kept at its worse weights.
 */
public final class EarlyStopping implements Callback {
    private final String monitor;
    private final boolean maximize;
    private final int patience;
    private final double minDelta;
    private final boolean restoreBestWeights;
    private double best;
    private int bestEpoch;
    private int wait;
    private Arena snapshotArena;
    private LinkedHashMap<String, Tensor> snapshot;

    public EarlyStopping(String monitor, String mode, int patience, double minDelta, boolean restoreBestWeights) {
        if (patience < 0) throw new IllegalArgumentException("early_stopping patience " + patience + ": expected 0 or more");
        this.monitor = monitor;
        this.maximize = switch (mode) {
            case "max" -> true;
            case "min" -> false;
            case "auto" -> {
                Boolean max = dev.tuna.tune.Objective.infer(monitor);
                yield max != null ? max : !(monitor.endsWith("loss") || monitor.contains("error"));
            }
            default -> throw new IllegalArgumentException("early_stopping mode '" + mode + "': expected auto, min or max");
        };
        this.patience = patience;
        this.minDelta = Math.abs(minDelta);
        this.restoreBestWeights = restoreBestWeights;
    }

    /** A new callback with the same settings and no state (for another replica of a mirrored trainer). */
    public EarlyStopping freshCopy() { return new EarlyStopping(monitor, maximize ? "max" : "min", patience, minDelta, restoreBestWeights); }

    @Override
    public void onTrainBegin(Trainer trainer) {
        best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        bestEpoch = -1;
        wait = 0;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        Double v = logs.get(monitor);
        if (v == null) throw new IllegalArgumentException("early_stopping monitor '" + monitor + "' is not a metric; have " + logs.keySet());
        boolean improved = maximize ? v > best + minDelta : v < best - minDelta;
        if (improved || bestEpoch < 0) {
            best = v;
            bestEpoch = epoch;
            wait = 0;
            if (restoreBestWeights) saveSnapshot(trainer);
        } else if (++wait >= patience) {
            trainer.requestStop();
        }
    }

    private void saveSnapshot(Trainer trainer) {
        if (snapshotArena == null) {
            snapshotArena = dev.tuna.tensor.NativeMemory.shared();
            snapshot = new LinkedHashMap<>();
            for (var e : trainer.model().stateDict().entrySet()) {
                snapshot.put(e.getKey(), Tensor.empty(e.getValue().shape(), e.getValue().dtype(), snapshotArena));
            }
        }
        for (var e : trainer.model().stateDict().entrySet()) trainer.backend().copyInto(e.getValue(), snapshot.get(e.getKey()));
    }

    @Override
    public void onTrainEnd(Trainer trainer, History history) {
        if (bestEpoch >= 0) history.setBestEpoch(bestEpoch);
        if (snapshot != null) {
            trainer.model().loadStateDict(snapshot, trainer.backend());
            snapshotArena.close();
            snapshotArena = null;
            snapshot = null;
        }
    }

    public String monitor() { return monitor; }

    /** The best value seen and its 0-based epoch. */
    public double best() { return best; }

    public int bestEpoch() { return bestEpoch; }
}
