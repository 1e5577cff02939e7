package dev.tuna.train;

import dev.tuna.metrics.Metric;
import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The predictions a trainer makes over one pass of a data set, kept on the heap with the labels in the order the rows
 * were visited (the shuffled order while training), so that metrics which need every row (AUC, F1, R2) are scored at
 * the end of the pass. Mirrored replicas each fill their rows and add up the rest (zeros elsewhere, so the sum is
 * exact), after which every replica scores the same figures.
 */
final class EpochPredictions {
    private final Labels labels;
    private final int rows, width;
    private final float[] p;
    private int[] visitClasses;
    private float[] visitValues;

    EpochPredictions(Labels labels, int rows, int width) {
        this.labels = labels;
        this.rows = rows;
        this.width = width;
        this.p = new float[Math.multiplyExact(rows, width)];
    }

    /** A pass in row order (evaluation). */
    void startInOrder() {
        Arrays.fill(p, 0f);
        visitClasses = labels.classes();
        visitValues = labels.values();
    }

    /** A pass that visits row order[i] at position i (a training epoch). */
    void startEpoch(int[] order) {
        Arrays.fill(p, 0f);
        if (labels.isClasses()) {
            int[] c = labels.classes(), v = new int[rows];
            for (int i = 0; i < rows; i++) v[i] = c[order[i]];
            visitClasses = v;
            visitValues = null;
        } else {
            float[] c = labels.values(), v = new float[rows];
            for (int i = 0; i < rows; i++) v[i] = c[order[i]];
            visitValues = v;
            visitClasses = null;
        }
    }

    /** The activated outputs (a host or device tensor already copied to the host) of positions [at, at + count). */
    void put(int at, int count, Tensor hostOrDevice) {
        float[] f = hostOrDevice.toFloatArray();
        if (f.length != count * width) throw new IllegalStateException(f.length + " predictions for " + count + " rows of width " + width);
        System.arraycopy(f, 0, p, at * width, f.length);
    }

    /** Makes every replica's positions everyone's. */
    void gather(GradientSync sync) { sync.sumStatistics(p); }

    /** The metrics over the pass, named with the prefix ("" or "val_"). */
    Map<String, Double> score(Task task, List<Metric> metrics, String prefix) {
        Predictions pr = new Predictions(task, rows, width, p);
        Labels l = visitClasses != null ? Labels.classes(visitClasses) : Labels.values(visitValues);
        Map<String, Double> out = new LinkedHashMap<>();
        for (Metric m : metrics) out.put(prefix + m.name(), m.compute(pr, l));
        return out;
    }
}
