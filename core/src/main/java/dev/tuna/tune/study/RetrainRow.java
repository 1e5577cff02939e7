package dev.tuna.tune.study;

import java.util.Map;

/**
 * The result of retraining a tuned trial's configuration (written by {@code tuna retrain}): its rank among the
 * retrained trials, the epoch count it was retrained for and the best epoch, its test metrics, where the model
 * was saved, and anything else as JSON ({@code extra}). One row per trial; writing it again replaces it.
 */
public record RetrainRow(int trial, int rank, int bestEpoch, int epochs, double testAccuracy, double testLoss, String modelPath,
                         Map<String, Object> extra) {
    public RetrainRow {
        extra = JdbcStudyStore.readOnly(extra);
    }
}
