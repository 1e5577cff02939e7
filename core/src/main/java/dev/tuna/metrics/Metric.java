package dev.tuna.metrics;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;

/**
 * A figure of merit computed over a whole set of rows (training or validation, each epoch): what {@code metrics:}
 * in a job file names, what a study can take as its objective ({@code val_} + name) and what early stopping can
 * monitor. A Java researcher implements this and registers it with {@link Metrics#register(Metric)}.
 */
public interface Metric {
    /** The name in job files and logs, e.g. {@code auc}; the validation figure is logged as {@code val_auc}. */
    String name();

    /** Whether larger is better (an objective or early stopping on it then maximises). */
    boolean maximize();

    /** Whether the metric means anything for models of this task (AUC does not for a regressor). */
    boolean appliesTo(Task task);

    /** The metric over all rows; NaN where it is undefined (AUC with one class present). */
    double compute(Predictions predictions, Labels labels);
}
