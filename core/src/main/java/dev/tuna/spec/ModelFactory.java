package dev.tuna.spec;

import dev.tuna.autograd.F;
import dev.tuna.errors.BadInputException;
import dev.tuna.nn.Activation;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.BatchNormalization;
import dev.tuna.nn.Conv2D;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Dropout;
import dev.tuna.nn.Flatten;
import dev.tuna.nn.Initializer;
import dev.tuna.nn.Layer;
import dev.tuna.nn.MaxPool2D;
import dev.tuna.nn.Model;
import dev.tuna.nn.Residual;
import dev.tuna.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns a spec's layer list into a model. An MLP flattens its input first; both types end with a
 * {@link OutputHead}, one logit per class, which flattens a CNN's images itself.
 */
public final class ModelFactory {
    private ModelFactory() {}

    public static Model build(JobSpec.ModelSpec spec, Shape inputShape, int numClasses, long seed) {
        return build(spec, inputShape, numClasses, seed, List.of(), null);
    }

    /**
     * The model, its first layer embedding the given input columns (category indices of tabular data) when there are
     * any; {@code numClasses} is the number of outputs.
     */
    public static Model build(JobSpec.ModelSpec spec, Shape inputShape, int numClasses, long seed, List<dev.tuna.nn.CategoryEmbedding.Column> embeddings,
                              dev.tuna.nn.TargetScale targetScale) {
        if (spec.isTrees()) throw new IllegalStateException("model type " + spec.type() + " is trained by XGBoost, not built as a network");
        try {
            List<Layer> layers = new ArrayList<>();
            if (!embeddings.isEmpty()) layers.add(new dev.tuna.nn.CategoryEmbedding(embeddings));
            layers.addAll(parse(spec, inputShape));
            layers.add(new OutputHead(numClasses));
            if (targetScale != null) layers.add(targetScale);
            return Model.build(layers, inputShape, seed);
        } catch (IllegalArgumentException e) {
            String file = spec.layers().isEmpty() ? "spec" : spec.layers().getFirst().file();
            throw new BadInputException(file + ": model.layers: " + e.getMessage());
        }
    }

    /** The spec's layers, after a flatten for an MLP over images. */
    private static List<Layer> parse(JobSpec.ModelSpec spec, Shape inputShape) {
        List<Layer> layers = new ArrayList<>();
        if (spec.type().equals("mlp") && inputShape.rank() > 1) layers.add(new Flatten());
        for (SpecNode n : spec.layers()) layers.add(layer(n));
        return layers;
    }

    private static final Set<String> KINDS = Set.of("dense", "conv2d", "max_pool2d", "max_pooling2d", "batch_norm",
            "batch_normalization", "dropout", "activation", "flatten", "residual");

    /** One entry of a layers list: a mapping with exactly one key naming the layer type. */
    public static Layer layer(SpecNode n) {
        if (!n.isMap() || n.asMap().size() != 1) throw n.error("expected one layer, e.g. {dense: {units: 64, activation: relu}}");
        String kind = n.asMap().keySet().iterator().next();
        if (!KINDS.contains(kind)) throw new BadInputException(n.file() + ": " + n.path() + "." + kind + ": unknown layer; expected one of " + new java.util.TreeSet<>(KINDS));
        SpecNode a = n.get(kind);
        try {
            return switch (kind) {
                case "dense" -> {
                    if (!a.isMap()) yield new Dense(a.asPositiveInt(), null);
                    a.checkKeys(Set.of("units", "activation", "use_bias", "kernel_initializer"));
                    yield new Dense(a.require("units").asPositiveInt(), activation(a.get("activation")), a.get("use_bias").asBool(true),
                            initializer(a.get("kernel_initializer")));
                }
                case "conv2d" -> {
                    a.checkKeys(Set.of("filters", "kernel_size", "strides", "padding", "activation", "use_bias", "kernel_initializer"));
                    yield new Conv2D(a.require("filters").asPositiveInt(), a.get("kernel_size").asPositiveInt(3), a.get("strides").asPositiveInt(1),
                            padding(a.get("padding")), activation(a.get("activation")), a.get("use_bias").asBool(true),
                            initializer(a.get("kernel_initializer")));
                }
                case "max_pool2d", "max_pooling2d" -> {
                    if (!a.isMap()) yield new MaxPool2D(a.isNull() ? 2 : a.asPositiveInt());
                    a.checkKeys(Set.of("pool_size", "strides", "padding"));
                    int pool = a.get("pool_size").asPositiveInt(2);
                    yield new MaxPool2D(pool, a.get("strides").asPositiveInt(pool), padding(a.get("padding")));
                }
                case "batch_norm", "batch_normalization" -> {
                    if (a.isNull()) yield new BatchNormalization();
                    a.checkKeys(Set.of("momentum", "epsilon", "sync"));
                    yield new BatchNormalization((float) a.get("momentum").asDouble(0.99, BatchNormalization.MOMENTUM),
                            (float) a.get("epsilon").asDouble(1e-3, BatchNormalization.EPSILON), a.get("sync").asBool(false));
                }
                case "dropout" -> {
                    if (a.isMap()) a.checkKeys(Set.of("rate"));
                    double rate = (a.isMap() ? a.require("rate") : a).asDouble(Dropout.RATE);
                    yield new Dropout((float) rate);
                }
                case "activation" -> new Activation(activation(a));
                case "flatten" -> new Flatten();
                case "residual" -> {
                    a.checkKeys(Set.of("layers", "activation"));
                    List<Layer> block = new ArrayList<>();
                    for (SpecNode c : a.require("layers").asList()) block.add(layer(c));
                    yield new Residual(block, activation(a.get("activation")));
                }
                default -> throw new IllegalStateException(kind);
            };
        } catch (IllegalArgumentException e) {
            throw new BadInputException(n.file() + ": " + n.path() + "." + kind + ": " + e.getMessage());
        }
    }

    // Named settings are checked through SpecNode.read, so every choice of a searched one is checked before any trial.

    private static String activation(SpecNode n) {
        return n.isNull() ? null : n.read(c -> {
            String s = c.asString();
            F.checkActivation(s);
            return s;
        });
    }

    private static String padding(SpecNode n) {
        return n.isNull() ? "valid" : n.read(c -> {
            String s = c.asString();
            if (!s.equals("valid") && !s.equals("same")) throw c.error("expected valid or same");
            return s;
        });
    }

    private static Initializer initializer(SpecNode n) {
        return n.isNull() ? Initializer.parse("glorot_uniform") : n.read(c -> Initializer.parse(c.asString()));
    }
}
