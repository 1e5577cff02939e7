package dev.tuna.tune;

import dev.tuna.backend.Backend;
import dev.tuna.data.Dataset;
import dev.tuna.data.Safetensors;
import dev.tuna.nn.Model;
import dev.tuna.spec.JobSpec;
import dev.tuna.tensor.Shape;
import dev.tuna.train.Callback;
import dev.tuna.train.EarlyStopping;
import dev.tuna.train.Evaluation;
import dev.tuna.train.History;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Retrains a winning configuration the way the seed notebook does: first find the best epoch (train on the
 * training split with early stopping on val_loss, patience 10, up to 50 epochs; the best epoch is the one with
 * the lowest val_loss), then train a fresh model on training + validation data for int(1.2 x best epoch)
 * epochs (20% more data, 20% more epochs) and score it once on the test set. The test set is touched here and
 * only here: the search chose among configurations by their validation scores, so those scores are biased
 * upwards, and only data that no choice was made on gives an honest estimate.
 */
public final class Retrainer {
    public record Result(int bestEpoch, double bestValLoss, int finalEpochs, Evaluation test, Path model) {}

    /** Looks at the models along the way (an ensemble takes their predictions). */
    public interface Observer {
        Observer NONE = new Observer() {};

        /** In the first phase, whenever val_loss reaches a new low: the model trained on the training split alone. */
        default void onNewBestEpoch(int epoch, Trainer trainer) {}

        /** After the second phase: the model trained on training + validation data. */
        default void onFinalModel(Trainer trainer) {}
    }

    private final HyperModel hyperModel;
    private final JobSpec base;
    private final SearchSpace space;
    private final Backend backend;
    private final int maxEpochs;
    private final int patience;

    public Retrainer(HyperModel hyperModel, JobSpec base, SearchSpace space, Backend backend, int maxEpochs, int patience) {
        if (maxEpochs <= 0) throw new IllegalArgumentException("max epochs " + maxEpochs + ": expected a positive integer");
        if (patience < 0) throw new IllegalArgumentException("patience " + patience + ": expected 0 or more");
        this.hyperModel = hyperModel;
        this.base = base;
        this.space = space;
        this.backend = backend;
        this.maxEpochs = maxEpochs;
        this.patience = patience;
    }

    /** The 1-based epoch with the lowest val_loss (the first of equals). */
    public static int bestEpoch(double[] valLoss) {
        int best = -1;
        for (int i = 0; i < valLoss.length; i++) if (!Double.isNaN(valLoss[i]) && (best < 0 || valLoss[i] < valLoss[best])) best = i;
        if (best < 0) throw new IllegalArgumentException("no finite val_loss to choose a best epoch from");
        return best + 1;
    }

    /** The seed notebook's arithmetic: int(1.2 x best epoch), at least one epoch. */
    public static int finalEpochs(int bestEpoch) { return Math.max(1, (int) (1.2 * bestEpoch)); }

    /**
     * Both phases for one configuration; train + validation = all, in that order. The model trained on all the
     * data is saved to modelFile with the configuration in its metadata.
     */
    public Result retrain(Map<String, Object> values, long seed, Dataset train, Dataset validation, Dataset all, Dataset test,
                          Shape inputShape, int numClasses, Path modelFile, Map<String, String> metadata, ProgressListener progress) {
        return retrain(values, seed, train, validation, all, test, inputShape, numClasses, modelFile, metadata, progress, Observer.NONE);
    }

    public Result retrain(Map<String, Object> values, long seed, Dataset train, Dataset validation, Dataset all, Dataset test,
                          Shape inputShape, int numClasses, Path modelFile, Map<String, String> metadata, ProgressListener progress,
                          Observer observer) {
        if (replicas == null) return retrain(null, backend, values, seed, train, validation, all, test, inputShape, numClasses, modelFile, metadata, progress, observer);
        return replicas.run((c, be) -> c.rank() == 0
                ? retrain(c, be, values, seed, train, validation, all, test, inputShape, numClasses, modelFile, metadata, progress, observer)
                : retrain(c, be, values, seed, train, validation, all, test, inputShape, numClasses, null, metadata, ProgressListener.SILENT, Observer.NONE)).getFirst();
    }

    private dev.tuna.task.Task task = dev.tuna.task.Task.CLASSIFICATION;
    private List<dev.tuna.metrics.Metric> metrics = List.of();

    /** The task and metrics models are trained for (a classifier until set); each model's loss is its train.loss. */
    public void setTask(dev.tuna.task.Task task, List<dev.tuna.metrics.Metric> metrics) {
        this.task = task;
        this.metrics = List.copyOf(metrics);
    }

    /**
     * Phase one alone: trains on train, stopping early on validation's val_loss, and tells the observer of each new
     * best epoch (an ensemble takes its out-of-fold predictions there); no final model.
     */
    public Result validationFit(Map<String, Object> values, long seed, Dataset train, Dataset validation, Shape inputShape, int numClasses,
                                Observer observer) {
        if (replicas == null) return retrain(null, backend, values, seed, train, validation, null, null, inputShape, numClasses, null, Map.of(), ProgressListener.SILENT, observer);
        return replicas.run((c, be) -> retrain(c, be, values, seed, train, validation, null, null, inputShape, numClasses, null, Map.of(),
                ProgressListener.SILENT, c.rank() == 0 ? observer : Observer.NONE)).getFirst();
    }

    /** The mirrored replicas that train each model together; null: one trainer on the backend given at construction. */
    private dev.tuna.distribute.ReplicaGroup replicas;

    /** Trains each model on a mirrored group ({@code --device cpu:0,1}, {@code cuda:0,1}); null for one trainer. */
    public void setReplicas(dev.tuna.distribute.ReplicaGroup group) { replicas = group; }

    /**
     * Both phases on one trainer (comm null) or as one replica of a mirrored group: every replica trains and takes
     * part in the test evaluation; only rank 0 is given the observer, the progress and the model file.
     */
    private Result retrain(dev.tuna.distribute.Communicator comm, Backend backend, Map<String, Object> values, long seed, Dataset train, Dataset validation,
                           Dataset all, Dataset test, Shape inputShape, int numClasses, Path modelFile, Map<String, String> metadata,
                           ProgressListener progress, Observer observer) {
        HyperParameters hp = new HyperParameters(space, space.normalize(values));
        int best;
        double bestLoss;
        int batch;
        try (Model model = hyperModel.build(hp, inputShape, numClasses, seed);
             dev.tuna.distribute.BucketedGradientSync sync = comm == null ? null : new dev.tuna.distribute.BucketedGradientSync(comm, backend);
             Trainer trainer = new Trainer(model, hyperModel.optimizer(hp, model), backend, seed, sync)) {
            JobSpec.TrainSpec ts = hyperModel.train(hp, base.train());
            trainer.setTask(dev.tuna.train.TaskSetup.of(task, ts.loss(), metrics));
            batch = ts.batchSize();
            Callback watch = new Callback() {
                double low = Double.POSITIVE_INFINITY;

                @Override
                public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer t) {
                    double vl = logs.getOrDefault("val_loss", Double.NaN);
                    if (vl < low) {
                        low = vl;
                        observer.onNewBestEpoch(epoch + 1, t);
                    }
                }
            };
            List<Callback> es = List.of(watch, new EarlyStopping("val_loss", "min", patience, 0, false));
            History h = trainer.fit(train, validation, maxEpochs, batch, es, progress);
            double[] vl = h.series("val_loss");
            best = bestEpoch(vl);
            bestLoss = vl[best - 1];
        }
        if (all == null) return new Result(best, bestLoss, 0, null, null); // phase one only (see validationFit)
        int epochs = finalEpochs(best);
        HyperParameters hp2 = new HyperParameters(space, space.normalize(values));
        try (Model model = hyperModel.build(hp2, inputShape, numClasses, seed);
             dev.tuna.distribute.BucketedGradientSync sync = comm == null ? null : new dev.tuna.distribute.BucketedGradientSync(comm, backend);
             Trainer trainer = new Trainer(model, hyperModel.optimizer(hp2, model), backend, seed, sync)) {
            trainer.setTask(dev.tuna.train.TaskSetup.of(task, hyperModel.train(hp2, base.train()).loss(), metrics));
            trainer.fit(all, null, epochs, batch, List.of(), progress);
            observer.onFinalModel(trainer);
            Evaluation t = test == null ? null : trainer.evaluate(test, 512);
            if (modelFile != null) {
                java.util.Map<String, String> meta = new java.util.LinkedHashMap<>(metadata);
                meta.put("format", "tuna");
                meta.put("values", dev.tuna.data.Json.write(hp2.values()));
                meta.put("epochs", String.valueOf(epochs));
                Safetensors.write(modelFile, trainer.hostStateDict(), meta);
            }
            return new Result(best, bestLoss, epochs, t, modelFile);
        }
    }
}
