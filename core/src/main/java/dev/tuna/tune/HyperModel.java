package dev.tuna.tune;

import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizer;
import dev.tuna.optim.Optimizers;
import dev.tuna.spec.JobSpec;
import dev.tuna.tensor.Shape;
import java.util.Map;

/**
 * Builds one trial's model, optimizer and training settings from its hyperparameters. The YAML spec is one
 * hypermodel ({@link SpecHyperModel}); the built-in MLP and CNN are others; a researcher writes their own in
 * Java and runs it with the same tuner:
 *
 * <pre>{@code
 * HyperModel mine = (hp, input, classes, seed) -> Model.build(List.of(new Flatten(),
 *         new Dense((int) hp.intRange("units", 32, 512, 32, "linear"), "relu"), new OutputHead(classes)), input, seed);
 * }</pre>
 */
@FunctionalInterface
public interface HyperModel {
    Model build(HyperParameters hp, Shape inputShape, int numClasses, long seed);

    /** The optimizer; by default the "optimizer" and "learning_rate" hyperparameters when declared, else Adam with Keras' defaults. */
    default Optimizer optimizer(HyperParameters hp, Model model) {
        String name = hp.values().containsKey("optimizer") ? String.valueOf(hp.get("optimizer")) : "adam";
        Map<String, Object> options = hp.values().containsKey("learning_rate") ? Map.of("learning_rate", hp.get("learning_rate")) : Map.of();
        return Optimizers.create(name, options, model.arena());
    }

    /** The tree ensemble this configuration trains instead of a network (a spec with type gbt or random_forest), or null. */
    default dev.tuna.trees.TreeSpec trees(HyperParameters hp) { return null; }

    /**
     * Takes the input columns that hold category indices, to be embedded by the model's first layer (tabular data with
     * {@code embedding} columns). A model tuna builds from the job file puts a {@link dev.tuna.nn.CategoryEmbedding}
     * first; by default a hypermodel refuses them, as it would read the indices as numbers.
     */
    default void useInputEmbeddings(java.util.List<dev.tuna.nn.CategoryEmbedding.Column> columns) {
        if (!columns.isEmpty()) {
            throw new dev.tuna.errors.BadInputException("data.columns: embedding columns need a model built from the job file; "
                    + getClass().getName() + " does not take them (override useInputEmbeddings, or use one_hot)");
        }
    }

    /**
     * Takes a regression's training-label mean and standard deviation, for a model tuna builds from the job file to
     * end with a {@link dev.tuna.nn.TargetScale}; by default a hypermodel's outputs are the labels' units as it makes
     * them.
     */
    default void useTargetScale(double mean, double std) {}

    /** The training settings (epochs, batch size, early stopping); by default the spec's. */
    default JobSpec.TrainSpec train(HyperParameters hp, JobSpec.TrainSpec base) { return base; }

    /**
     * Puts the hyperparameters that a configuration reads into the space (without training). By default it
     * builds the model and optimizer under those values and closes them again.
     */
    default void declare(SearchSpace space, Map<String, Object> values, Shape inputShape, int numClasses, JobSpec.TrainSpec base) {
        HyperParameters hp = new HyperParameters(space, values);
        try (Model m = build(hp, inputShape, numClasses, 0)) {
            optimizer(hp, m);
            train(hp, base);
        }
    }
}
