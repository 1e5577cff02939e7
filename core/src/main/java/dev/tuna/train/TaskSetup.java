package dev.tuna.train;

import dev.tuna.metrics.Metric;
import dev.tuna.task.Task;
import dev.tuna.train.loss.Loss;
import java.util.List;
import java.util.Objects;

/**
 * What a trainer optimises and reports: the task (which decides how outputs become predictions), the loss and the
 * metrics computed each epoch on the training and the validation data beside the loss (and accuracy, which every
 * classifier logs, as it always has).
 */
public record TaskSetup(Task task, Loss loss, List<Metric> metrics) {
    public TaskSetup {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(loss, "loss");
        if (!loss.appliesTo(task)) throw new IllegalArgumentException("loss " + loss.name() + " does not apply to a " + task.id() + " task");
        metrics = List.copyOf(metrics);
        for (Metric m : metrics) {
            if (!m.appliesTo(task)) throw new IllegalArgumentException("metric " + m.name() + " does not apply to a " + task.id() + " task");
        }
    }

    /** The task with the loss a job file names (null: the task's default) and the metrics. */
    public static TaskSetup of(Task task, String loss, List<Metric> metrics) {
        return new TaskSetup(task, loss == null ? dev.tuna.train.loss.Losses.defaultFor(task) : dev.tuna.train.loss.Losses.parse(loss, task), metrics);
    }

    /** Softmax cross-entropy on class indices and accuracy: what tuna trained before it knew other tasks. */
    public static TaskSetup classification() { return new TaskSetup(Task.CLASSIFICATION, new dev.tuna.train.loss.SparseCategoricalCrossentropy(), List.of()); }

    /** Metrics that need the epoch's predictions (accuracy is counted as the steps go, without them). */
    List<Metric> collected() { return metrics.stream().filter(m -> !m.name().equals("accuracy")).toList(); }
}
