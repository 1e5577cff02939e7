package dev.tuna.tune;

import dev.tuna.errors.BadInputException;
import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizer;
import dev.tuna.optim.Optimizers;
import dev.tuna.spec.HyperForm;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.ModelFactory;
import dev.tuna.spec.SpecFile;
import dev.tuna.spec.SpecNode;
import dev.tuna.tensor.Shape;
import java.util.List;
import java.util.Map;

/**
 * A YAML job as a hypermodel: every hyperparameter form in it ({int: ..}, {float: ..}, {choice: ..},
 * {bool: ..}, with {@code when:}) is declared to the trial's {@link HyperParameters} as the spec is read, and
 * resolves to the trial's value. The spec is re-read per trial (it is small), so the model, the optimizer and
 * the training settings (batch size included) can all be searched.
 */
public final class SpecHyperModel implements HyperModel {
    private final String file;
    /** The YAML parsed once; each trial resolves its forms over this tree, which reading never changes. */
    private final Map<String, Object> spec;

    public SpecHyperModel(String file, String text, List<String> overrides) {
        this.file = file;
        this.spec = SpecFile.parseRaw(file, text, overrides);
    }

    /** The job with this trial's values, every form it meets declared in hp's space. */
    public JobSpec resolve(HyperParameters hp) { return resolve(hp, new java.util.ArrayList<>()); }

    private JobSpec resolve(HyperParameters hp, List<HyperForm> met) {
        return JobSpec.from(new SpecNode(file, "", spec, form -> {
            met.add(form);
            try {
                Object v = hp.value(toHyperparameter(file, form));
                // Inactive in this configuration (its when: does not hold): the key reads as absent, not as its default.
                // A parent not declared yet (met later in the file) decides nothing: the default stands in meanwhile.
                boolean inactive = !hp.values().containsKey(form.name()) && form.whenParent() != null && hp.space().get(form.whenParent()) != null;
                return inactive ? null : v;
            } catch (IllegalArgumentException e) {
                throw new BadInputException(file + ": " + form.path() + ": " + e.getMessage());
            }
        }));
    }

    /** Reads the spec under these values so that the hyperparameters on their branch are in the space. */
    public void declare(SearchSpace space, Map<String, Object> values) {
        List<HyperForm> met = new java.util.ArrayList<>();
        resolve(new HyperParameters(space, values), met);
        for (HyperForm f : met) checkCondition(f, space);
    }

    /**
     * A when: naming no hyperparameter, or a value its parent never takes, leaves the form never active, silently;
     * once the spec is read (a parent may come after its child) both are refused, before any trial trains.
     */
    private void checkCondition(HyperForm f, SearchSpace space) {
        if (f.whenParent() == null) return;
        Hyperparameter parent = space.get(f.whenParent());
        String at = file + ": " + f.path() + ".when." + f.whenParent() + ": ";
        if (parent == null) {
            List<String> names = space.all().stream().map(Hyperparameter::name).filter(n -> !n.equals(f.name())).toList();
            throw new BadInputException(at + "no hyperparameter is named '" + f.whenParent() + "'; expected one of " + names);
        }
        for (Object v : f.whenValues()) {
            try {
                parent.canonical(v);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(at + "expected values that " + f.whenParent() + " can take (" + parent.describe() + "), got '" + v + "'");
            }
        }
    }

    /** Reading the spec is enough: no model is built. */
    @Override
    public void declare(SearchSpace space, Map<String, Object> values, Shape inputShape, int numClasses, JobSpec.TrainSpec base) {
        declare(space, values);
    }

    /** A spec's hyperparameter form as a search-space dimension; a bad one is refused naming the file and key. */
    public static Hyperparameter toHyperparameter(String file, HyperForm f) {
        try {
            Condition when = f.whenParent() == null ? null : new Condition(f.whenParent(), f.whenValues());
            Hyperparameter.Sampling s = Hyperparameter.Sampling.parse(f.sampling());
            return switch (f.kind()) {
                case INT -> Hyperparameter.intRange(f.name(), (long) f.lo(), (long) f.hi(), (long) f.step(), s, f.dflt(), when);
                case FLOAT -> Hyperparameter.floatRange(f.name(), f.lo(), f.hi(), f.step(), s, f.dflt(), when);
                case CHOICE -> Hyperparameter.choice(f.name(), f.choices(), f.dflt(), when);
                case BOOL -> Hyperparameter.bool(f.name(), Boolean.TRUE.equals(f.dflt()), when);
            };
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": " + f.path() + ": " + e.getMessage());
        }
    }

    @Override
    public dev.tuna.trees.TreeSpec trees(HyperParameters hp) { return resolve(hp).model().trees(); }

    private java.util.List<dev.tuna.nn.CategoryEmbedding.Column> inputEmbeddings = java.util.List.of();

    @Override
    public void useInputEmbeddings(java.util.List<dev.tuna.nn.CategoryEmbedding.Column> columns) { inputEmbeddings = java.util.List.copyOf(columns); }

    /** A regression's label mean and standard deviation (NaN: not a regression). */
    private double targetMean = Double.NaN, targetStd = Double.NaN;

    @Override
    public void useTargetScale(double mean, double std) {
        targetMean = mean;
        targetStd = std;
    }

    @Override
    public Model build(HyperParameters hp, Shape inputShape, int numClasses, long seed) {
        return ModelFactory.build(resolve(hp).model(), inputShape, numClasses, seed, inputEmbeddings,
                Double.isNaN(targetMean) ? null : new dev.tuna.nn.TargetScale(targetMean, targetStd));
    }

    @Override
    public Optimizer optimizer(HyperParameters hp, Model model) {
        JobSpec job = resolve(hp);
        try {
            return Optimizers.create(job.model().optimizer(), job.model().optimizerOptions(), model.arena());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": model.optimizer: " + e.getMessage());
        }
    }

    @Override
    public JobSpec.TrainSpec train(HyperParameters hp, JobSpec.TrainSpec base) { return resolve(hp).train(); }
}
