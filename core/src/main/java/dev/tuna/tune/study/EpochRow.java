package dev.tuna.tune.study;

import java.util.Map;

/** The metrics of one epoch of one execution of a trial (a metric that was NaN or infinite reads back as NaN). */
public record EpochRow(int trial, int execution, int epoch, Map<String, Double> metrics) {
    public EpochRow {
        metrics = JdbcStudyStore.readOnly(metrics);
    }
}
