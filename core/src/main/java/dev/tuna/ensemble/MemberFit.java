package dev.tuna.ensemble;

import dev.tuna.data.Dataset;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import dev.tuna.trees.TreeColumns;
import dev.tuna.trees.TreeSpec;
import dev.tuna.trees.XgbModel;
import dev.tuna.tune.Retrainer;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fits one ensemble member in the two phases of {@code tuna retrain}. Phase one trains on the training split alone,
 * stopping early on val_loss; the member's validation predictions come from its best epoch (or boosting round), so
 * they are honest predictions of a model that never trained on those rows. Phase two trains afresh on training +
 * validation data for int(1.2 x best) epochs (or rounds) and predicts the test set: that model is the one the
 * ensemble keeps. The test set is only ever predicted, never trained or chosen on.
 */
public final class MemberFit {
    private MemberFit() {}

    /** The validation predictions of phase one, the test predictions of phase two, and the two lengths. */
    public record Result(Predictions validation, Predictions test, int bestEpoch, int finalEpochs) {}

    private static final int PREDICT_BATCH = 512;

    /** A network configuration through the retrainer (its patience and epoch limit); the final model goes to modelFile. */
    public static Result neural(Retrainer retrainer, Task task, Map<String, Object> values, long seed, Dataset train, Dataset validation,
                                Dataset all, Dataset test, Shape inputShape, int numClasses, Path modelFile, Map<String, String> metadata,
                                ProgressListener progress) {
        Predictions[] val = new Predictions[1];
        Predictions[] tst = new Predictions[1];
        Retrainer.Result r = retrainer.retrain(values, seed, train, validation, all, null, inputShape, numClasses, modelFile, metadata, progress,
                new Retrainer.Observer() {
                    @Override
                    public void onNewBestEpoch(int epoch, Trainer trainer) { val[0] = predict(trainer, validation.x(), task); }

                    @Override
                    public void onFinalModel(Trainer trainer) { tst[0] = predict(trainer, test.x(), task); }
                });
        return new Result(val[0], tst[0], r.bestEpoch(), r.finalEpochs());
    }

    /** Phase one alone for a network: the validation predictions of its best epoch (a fold's out-of-fold rows). */
    public static Predictions neuralValidation(Retrainer retrainer, Task task, Map<String, Object> values, long seed, Dataset train, Dataset validation,
                                               Shape inputShape, int numClasses) {
        Predictions[] val = new Predictions[1];
        retrainer.validationFit(values, seed, train, validation, inputShape, numClasses, new Retrainer.Observer() {
            @Override
            public void onNewBestEpoch(int epoch, Trainer trainer) { val[0] = predict(trainer, validation.x(), task); }
        });
        return val[0];
    }

    /** Phase one alone for trees: the best round's validation predictions. */
    public static Predictions treesValidation(TreeSpec spec, Task task, long seed, Dataset train, Dataset validation) {
        return treesValidation(spec, task, seed, train, validation, null);
    }

    /** Phase one alone for trees on columns of these names and types (null: plain numeric columns). */
    public static Predictions treesValidation(TreeSpec spec, Task task, long seed, Dataset train, Dataset validation, TreeColumns columns) {
        try (XgbModel m = XgbModel.fit(spec, task, train, validation, columns, spec.rounds(), seed, (r, logs, pv, last) -> true)) {
            return m.bestValidation();
        }
    }

    /**
     * A network's predictions for x, the one place where a trainer's output becomes {@link Predictions} (tuna
     * ensemble's members and tuna predict both come here): Trainer.predict gives each task's output after its
     * activation (class probabilities, sigmoid p(1) or the value), which this wraps as it is.
     */
    public static Predictions predict(Trainer trainer, Tensor x, Task task) {
        try (Arena a = Arena.ofConfined()) {
            return Predictions.of(task, trainer.predict(x, PREDICT_BATCH, a));
        }
    }

    /** Listens to boosting rounds (both phases); the default says nothing. */
    public interface RoundProgress {
        void onRound(String phase, int round, int rounds, Map<String, Double> logs);
    }

    /**
     * Trees: boosting stops when val_loss has not improved for early_stopping_rounds and keeps the best round's
     * validation predictions; a forest is one round. The final booster is saved in XGBoost's format.
     */
    public static Result trees(TreeSpec spec, Task task, long seed, Dataset train, Dataset validation, Dataset all, Dataset test, Path modelFile,
                               RoundProgress progress) {
        return trees(spec, task, seed, train, validation, all, test, null, modelFile, progress);
    }

    /** As above, on columns of these names and XGBoost types (null: plain numeric columns), set on every matrix. */
    public static Result trees(TreeSpec spec, Task task, long seed, Dataset train, Dataset validation, Dataset all, Dataset test, TreeColumns columns,
                               Path modelFile, RoundProgress progress) {
        int rounds = spec.rounds();
        Predictions val;
        int best;
        // Phase one's booster only supplies the best round and its validation predictions.
        try (XgbModel m = XgbModel.fit(spec, task, train, validation, columns, rounds, seed, (r, logs, pv, last) -> {
            if (progress != null) progress.onRound("train", r, rounds, logs);
            return true;
        })) {
            val = m.bestValidation();
            best = m.bestRound();
        }
        int finalRounds = spec.forest() ? 1 : Retrainer.finalEpochs(best);
        try (XgbModel m = XgbModel.fit(spec, task, all, null, columns, finalRounds, seed, (r, logs, pv, last) -> {
            if (progress != null) progress.onRound("train+val", r, finalRounds, logs);
            return true;
        })) {
            if (modelFile != null) m.save(modelFile);
            return new Result(val, m.predict(test.x()), best, finalRounds);
        }
    }
}
