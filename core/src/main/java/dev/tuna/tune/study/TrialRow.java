package dev.tuna.tune.study;

import dev.tuna.tune.TrialState;
import java.util.Map;

/**
 * One trial as the study database holds it. {@code objective} is the raw metric value (not oriented; NaN unless
 * COMPLETE); {@code worker} is the id of the worker that last claimed it; times are epoch milliseconds, with
 * {@code finishedMillis} 0 until the trial completes or fails; {@code attempts} counts claims (1 for a trial
 * that ran once, 2 after one requeue or release); {@code reason} says why it failed, or why it was last
 * requeued or released (cleared on completion). JSON maps give numbers back as Long or Double.
 */
public record TrialRow(int number, TrialState state, Map<String, Object> values, Map<String, Object> meta, double objective,
                       Map<String, Object> summary, String worker, long startedMillis, long finishedMillis, long heartbeatMillis,
                       long seed, String checkpoint, String reason, int attempts) {
    public TrialRow {
        values = JdbcStudyStore.readOnly(values);
        meta = JdbcStudyStore.readOnly(meta);
        summary = JdbcStudyStore.readOnly(summary);
    }

    /** Whether this trial was asked ({@code tuna ask}): run by a program outside tuna, open until it is told. */
    public boolean asked() { return WorkerLiveness.isAsked(worker); }
}
