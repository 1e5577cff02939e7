package dev.tuna.trees;

import dev.tuna.backend.cpu.CpuParallel;
import dev.tuna.data.Dataset;
import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.java.util.BigDenseMatrix;

/**
 * Trees trained by XGBoost (the real library, through its Java binding) on a data set's flattened features, for
 * one {@link Task}: a classifier (class probabilities), a binary classifier (p(1)) or a regressor (the value).
 * The features go from native memory to native memory, never onto the Java heap (a 60000 x 784 float array would
 * be 188 MB of a 512 MB heap). The booster is closed with the model; its native memory does not outlive it.
 */
public final class XgbModel implements AutoCloseable {
    /** What training observed after each boosting round (train metrics come from XGBoost's cached predictions). */
    public interface RoundListener {
        /**
         * After round r (0-based): logs holds loss and val_loss (the task's loss: log-loss, or mean squared error
         * for regression) and beside them accuracy and val_accuracy for classifiers, rmse and val_rmse for
         * regression; validation the predictions on the validation rows (null without validation data), last
         * whether boosting ends here (the round limit or early stopping); return false to stop.
         */
        boolean onRound(int round, Map<String, Double> logs, Predictions validation, boolean last);
    }

    private final Booster booster;
    private final Task task;
    private final int classes;
    private final int features;
    /** Set on every matrix this booster predicts on; null: plain numeric columns without names. */
    private final TreeColumns columns;
    private int bestRound;
    private double bestLoss = Double.POSITIVE_INFINITY;
    private Predictions bestValidation;
    private boolean stoppedEarly;

    private XgbModel(Booster booster, Task task, int features, int classes, TreeColumns columns) {
        if (columns != null && columns.size() != features) {
            throw new IllegalArgumentException(columns.size() + " feature names and types for trees on " + features + " features");
        }
        this.booster = booster;
        this.task = task;
        this.features = features;
        this.classes = classes;
        this.columns = columns;
    }

    public Task task() { return task; }

    public int classes() { return classes; }

    public int features() { return features; }

    /** The column names and types set on its matrices, null when it takes plain numeric columns. */
    public TreeColumns columns() { return columns; }

    /** The feature types the booster itself records (and saves), empty when it was trained without types. */
    public java.util.List<String> boosterFeatureTypes() {
        try {
            // A booster trained without types answers an array of nulls (one per feature), or none at all.
            String[] t = booster.getFeatureTypes();
            if (t == null || java.util.Arrays.stream(t).anyMatch(java.util.Objects::isNull)) return java.util.List.of();
            return java.util.List.of(t);
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost: " + e.getMessage(), e);
        }
    }

    public int rounds() {
        try {
            return booster.getNumBoostedRound();
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost: " + e.getMessage(), e);
        }
    }

    /** The 1-based round with the lowest val_loss (the first of equals), 0 when trained without validation data. */
    public int bestRound() { return bestRound; }

    /** The validation predictions after {@link #bestRound()}, null without validation data. */
    public Predictions bestValidation() { return bestValidation; }

    /** Whether boosting stopped because val_loss had not improved for early_stopping_rounds. */
    public boolean stoppedEarly() { return stoppedEarly; }

    /**
     * The task a data set implies when no job names one: regression for value labels, else classification (what
     * every tree model was before tasks). Binary is never implied, as two classes train either way.
     */
    public static Task impliedTask(Dataset d) { return d.hasValueLabels() ? Task.REGRESSION : Task.CLASSIFICATION; }

    /** {@link #fit(TreeSpec, Task, Dataset, Dataset, int, long, RoundListener)} for the {@link #impliedTask} of train. */
    public static XgbModel fit(TreeSpec spec, Dataset train, Dataset validation, int rounds, long seed, RoundListener listener) {
        return fit(spec, impliedTask(train), train, validation, rounds, seed, listener);
    }

    /**
     * Trains up to {@code rounds} rounds (or spec.rounds() when rounds <= 0) on train for a task, scoring validation
     * (when given) after every round. With validation data, boosting stops when val_loss has not improved for the
     * spec's early_stopping_rounds (when positive). The listener sees each round and can stop it too.
     */
    public static XgbModel fit(TreeSpec spec, Task task, Dataset train, Dataset validation, int rounds, long seed, RoundListener listener) {
        return fit(spec, task, train, validation, null, rounds, seed, listener);
    }

    /**
     * As {@link #fit(TreeSpec, Task, Dataset, Dataset, int, long, RoundListener)}, with the columns' names and types
     * (null: plain numeric columns) set on the training and validation matrices and kept for prediction.
     */
    public static XgbModel fit(TreeSpec spec, Task task, Dataset train, Dataset validation, TreeColumns columns, int rounds, long seed,
                               RoundListener listener) {
        int classes = Math.max(train.numClasses(), validation == null ? 0 : validation.numClasses());
        checkData(task, train, classes);
        if (validation != null) checkData(task, validation, classes);
        int features = Math.toIntExact(train.x().shape().rowSize());
        if (columns != null && columns.size() != features) {
            throw new IllegalArgumentException(columns.size() + " feature names and types for data of " + features + " features");
        }
        int toRun = rounds > 0 ? rounds : spec.rounds();
        DMatrix dtrain = null, dval = null;
        try {
            dtrain = matrix(train.x(), train.y(), columns);
            dval = validation == null ? null : matrix(validation.x(), validation.y(), columns);
            Booster b = XGBoost.train(dtrain, spec.params(task, features, classes, seed, CpuParallel.threadsHere()), 0, Map.of(), null, null);
            XgbModel model = new XgbModel(b, task, features, classes, columns);
            Labels yTrain = train.labels(), yVal = validation == null ? null : validation.labels();
            try {
                for (int r = 0; r < toRun; r++) {
                    b.update(dtrain, r);
                    Map<String, Double> logs = new LinkedHashMap<>();
                    Predictions pv = null;
                    log(logs, "", Predictions.ofRows(task, b.predict(dtrain)), yTrain);
                    if (dval != null) {
                        pv = Predictions.ofRows(task, b.predict(dval));
                        log(logs, "val_", pv, yVal);
                        if (model.bestValidation == null || logs.get("val_loss") < model.bestLoss) {
                            model.bestLoss = logs.get("val_loss");
                            model.bestRound = r + 1;
                            model.bestValidation = pv;
                        }
                        model.stoppedEarly = spec.earlyStoppingRounds() > 0 && r + 1 - model.bestRound >= spec.earlyStoppingRounds();
                    }
                    boolean last = r + 1 == toRun || model.stoppedEarly;
                    if (listener != null && !listener.onRound(r, logs, pv, last)) break;
                    if (last) break;
                }
                return model;
            } catch (RuntimeException | XGBoostError e) {
                model.close();
                throw e;
            }
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost: " + e.getMessage(), e);
        } finally {
            if (dtrain != null) dtrain.dispose();
            if (dval != null) dval.dispose();
        }
    }

    /** The task's loss, and accuracy for classifiers or RMSE for regression (which orders rounds as the loss does). */
    private static void log(Map<String, Double> logs, String prefix, Predictions p, Labels y) {
        double loss = Scores.loss(p, y);
        logs.put(prefix + "loss", loss);
        if (p.task().classifies()) logs.put(prefix + "accuracy", Scores.accuracy(p, y.classes()));
        else logs.put(prefix + "rmse", Math.sqrt(loss));
    }

    private static void checkData(Task task, Dataset d, int classes) {
        if (task.classifies() && d.hasValueLabels()) throw new IllegalArgumentException(task.id() + " trees need class labels, the data has values");
        if (!task.classifies() && !d.hasValueLabels()) throw new IllegalArgumentException("regression trees need value labels, the data has classes");
        if (task == Task.CLASSIFICATION && classes < 2) throw new IllegalArgumentException("trees need at least 2 classes, the data has " + classes);
        if (task == Task.BINARY && classes != 2) throw new IllegalArgumentException("binary trees need 2 classes, the data has " + classes);
    }

    /** Predictions for every row of x (any shape [n, ...], flattened): probabilities, p(1) or values by task. */
    public Predictions predict(Tensor x) {
        if (x.shape().rowSize() != features) {
            throw new IllegalArgumentException("the data has " + x.shape().rowSize() + " features per example, the trees expect " + features);
        }
        DMatrix d = null;
        try {
            d = matrix(x, null, columns);
            return Predictions.ofRows(task, booster.predict(d));
        } catch (XGBoostError e) {
            throw new IllegalStateException("XGBoost: " + e.getMessage(), e);
        } finally {
            if (d != null) d.dispose();
        }
    }

    /** XGBoost's own model format (UBJSON), readable by XGBoost in any language. */
    public void save(Path file) {
        try {
            Files.write(file, booster.toByteArray("ubj"));
        } catch (XGBoostError | IOException e) {
            throw new IllegalStateException("cannot save the trees to " + file + ": " + e.getMessage(), e);
        }
    }

    /** A saved booster, trained for task on this many plain numeric features (and classes, for classification). */
    public static XgbModel load(Path file, Task task, int features, int classes) { return load(file, task, features, classes, null); }

    /**
     * A saved booster trained on these columns (null: plain numeric ones). Their types must be those the booster was
     * trained with: categorical codes read as numbers would go down the wrong branches without a word.
     */
    public static XgbModel load(Path file, Task task, int features, int classes, TreeColumns columns) {
        Booster b;
        try {
            b = XGBoost.loadModel(Files.readAllBytes(file));
        } catch (XGBoostError | IOException e) {
            throw new IllegalArgumentException(file + ": not an XGBoost model: " + e.getMessage(), e);
        }
        try {
            XgbModel m = new XgbModel(b, task, features, classes, columns);
            java.util.List<String> saved = m.boosterFeatureTypes();
            java.util.List<String> given = columns == null ? java.util.List.of() : columns.types();
            if ((saved.contains("c") || given.contains("c")) && !saved.equals(given)) {
                throw new IllegalArgumentException(file + ": the trees were trained on feature types " + saved + ", not " + given);
            }
            return m;
        } catch (RuntimeException e) {
            b.dispose();
            throw e;
        }
    }

    @Override
    public void close() { booster.dispose(); }

    /**
     * A dense DMatrix (NaN = missing). The features are copied from the tensor's native memory straight into
     * XGBoost's off-heap dense matrix, which XGBoost then reads; nothing the size of the data touches the Java heap
     * (two tuner workers building 50000 x 784 matrices through the row iterator overflowed a 512 MB heap).
     */
    private static DMatrix matrix(Tensor x, Tensor y, TreeColumns columns) throws XGBoostError {
        int n = x.dim(0);
        int d = Math.toIntExact(x.shape().rowSize());
        BigDenseMatrix dense = new BigDenseMatrix(n, d);
        try {
            long bytes = (long) n * d * Float.BYTES;
            MemorySegment.copy(x.data(), 0, MemorySegment.ofAddress(dense.address).reinterpret(bytes), 0, bytes);
            DMatrix m = new DMatrix(dense, Float.NaN);
            try {
                if (y != null) m.setLabel(y.toFloatArray());
                if (columns != null) {
                    m.setFeatureNames(columns.names().toArray(new String[0]));
                    m.setFeatureTypes(columns.types().toArray(new String[0]));
                }
                return m;
            } catch (XGBoostError | RuntimeException e) {
                m.dispose();
                throw e;
            }
        } finally {
            dense.dispose();
        }
    }
}
