package dev.tuna.spec;

import dev.tuna.data.Dataset;
import dev.tuna.data.Split;
import dev.tuna.errors.BadInputException;
import dev.tuna.errors.Range;
import dev.tuna.optim.Optimizers;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One job as its YAML describes it: the data, the validation split, the model and the training settings,
 * every value checked and every hyperparameter resolved.
 */
public record JobSpec(DataSpec data, ValidationSpec validation, ModelSpec model, TrainSpec train, dev.tuna.task.Task task,
                      List<String> metrics, SpecNode root) {

    /**
     * data: fashion-mnist, or {train, test, format, label, train_labels, test_labels}; a CSV with {@code tabular}
     * settings (non-null) is read as a table of numeric and categorical columns and preprocessed.
     */
    public record DataSpec(String builtin, String train, String trainLabels, String test, String testLabels, String format, String label,
                           TabularSpec tabular) {}

    /**
     * data: {tabular: true, columns: {NAME: standardize|none|one_hot|embedding|drop}, types: {NAME: numeric|categorical},
     * impute: mean|median, max_one_hot_levels: N}: any of these keys makes a CSV tabular.
     */
    public record TabularSpec(dev.tuna.data.tabular.TabularPreprocessor.Options options, Map<String, dev.tuna.data.tabular.ColumnType> types) {
        /** The column types to read with: those given, and those the treatments imply. */
        public Map<String, dev.tuna.data.tabular.ColumnType> readTypes() {
            Map<String, dev.tuna.data.tabular.ColumnType> t = new java.util.LinkedHashMap<>(options.impliedTypes());
            t.putAll(types);
            return t;
        }
    }

    private static final Set<String> TABULAR_KEYS = Set.of("tabular", "columns", "types", "impute", "max_one_hot_levels");

    /**
     * validation: {last: N} or {fraction: f}; {@code file} and {@code defaulted} (no validation section, so last is
     * the default 10000) let a split that does not fit the data say where the number came from.
     */
    public record ValidationSpec(int last, double fraction, String file, boolean defaulted, int folds) {
        public ValidationSpec(int last, double fraction, String file, boolean defaulted) { this(last, fraction, file, defaulted, 0); }

        /** What validation.last must be, in the same words whether it is refused as read (0) or against the data (too large). */
        static final String LAST_EXPECTED = "expected a positive integer smaller than the number of training examples";

        /**
         * The training set split as this section says; a split that does not fit the data names the file and the key.
         * With folds, the last fold's split (its last rows held out).
         */
        public Split split(Dataset full) {
            if (folds > 0) {
                if (full.size() < 2L * folds) {
                    throw new BadInputException(file + ": validation.folds: " + folds + " folds need at least " + 2 * folds + " training examples, "
                            + full.size() + " here");
                }
                int lo = dev.tuna.data.Folds.start(full.size(), folds, folds - 1);
                return Split.last(full, full.size() - lo);
            }
            if (last > 0) {
                if (last >= full.size()) {
                    throw new BadInputException(file + ": validation.last: " + LAST_EXPECTED + ", " + full.size() + " here, got '" + last + "'"
                            + (defaulted ? " (the default, as the file has no validation section; set validation: {last: N} or {fraction: F})" : ""));
                }
                return Split.last(full, last);
            }
            try {
                return Split.fraction(full, fraction);
            } catch (BadInputException e) {
                throw new BadInputException(file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * model: {type: mlp|cnn, layers: [...], optimizer, learning_rate}, or a built-in's settings instead of layers
     * ({@link BuiltinModels}); or {type: gbt|random_forest, XGBoost's parameters} for trees ({@code trees} non-null).
     */
    public record ModelSpec(String type, List<SpecNode> layers, String optimizer, Map<String, Object> optimizerOptions,
                            dev.tuna.trees.TreeSpec trees) {
        public boolean isTrees() { return trees != null; }
    }

    /**
     * train: {epochs, batch_size, seed, loss, early_stopping: {monitor, mode, patience, min_delta, restore_best_weights}};
     * loss null means the task's default.
     */
    public record TrainSpec(int epochs, int batchSize, long seed, EarlyStop earlyStopping, String loss) {}

    public record EarlyStop(String monitor, String mode, int patience, double minDelta, boolean restoreBestWeights) {}

    private static final Set<String> TOP = Set.of("data", "validation", "model", "train", "tune", "ensemble", "name", "description", "task", "metrics");

    public static JobSpec from(SpecNode root) {
        root.checkKeys(TOP);
        SpecNode t = root.get("task");
        dev.tuna.task.Task task = t.isNull() ? null : t.read(c -> {
            try {
                return dev.tuna.task.Task.parse(c.asString(), "task");
            } catch (IllegalArgumentException e) {
                throw c.error("expected classification, binary or regression");
            }
        });
        List<String> metrics = metrics(root.get("metrics"));
        TrainSpec train = train(root.get("train"));
        if (train.earlyStopping() != null) checkMonitor(root.get("train").get("early_stopping").get("monitor"), train.earlyStopping().monitor(), metrics);
        return new JobSpec(data(root.require("data")), validation(root.get("validation")), model(root.require("model")), train, task, metrics, root);
    }

    /**
     * metrics: [name, ...]: checked against the metrics registry here, and against the task once the data has said
     * it; null when the key is absent (the task's default metrics).
     */
    private static List<String> metrics(SpecNode n) {
        if (n.isNull()) return null;
        List<String> out = new java.util.ArrayList<>();
        for (SpecNode m : n.asList()) {
            String name = m.asString();
            try {
                dev.tuna.metrics.Metrics.named(name);
            } catch (IllegalArgumentException e) {
                throw m.error(e.getMessage());
            }
            if (out.contains(name)) throw m.error("metric '" + name + "' listed twice");
            out.add(name);
        }
        return List.copyOf(out);
    }

    /** An early-stopping monitor is the loss, accuracy or a metric (computed for it if not listed), on the training or the validation data. */
    private static void checkMonitor(SpecNode at, String monitor, List<String> metrics) {
        if (dev.tuna.tune.TuneSpec.recorded(monitor)) return;
        throw at.error("expected loss, accuracy or a metric (" + dev.tuna.metrics.Metrics.names() + "), optionally with val_, e.g. val_loss");
    }

    private static DataSpec data(SpecNode n) {
        if (!n.isMap()) {
            String s = n.asString();
            if (!s.equals("fashion-mnist")) throw n.error("expected fashion-mnist or {train: PATH, test: PATH, format: idx|csv|npy}");
            return new DataSpec(s, null, null, null, null, null, null, null);
        }
        Set<String> keys = new java.util.HashSet<>(Set.of("train", "test", "format", "label", "train_labels", "test_labels"));
        keys.addAll(TABULAR_KEYS);
        n.checkKeys(keys);
        String format = n.get("format").asString(null);
        if (format != null && !Set.of("idx", "csv", "npy").contains(format)) throw n.get("format").error("expected idx, csv or npy");
        String train = n.require("train").asString();
        TabularSpec tabular = tabular(n);
        if (tabular != null) {
            String fmt = format != null ? format : dev.tuna.data.DataSources.inferFormat(java.nio.file.Path.of(train));
            if (!"csv".equals(fmt)) throw n.get("format").error("tabular data is read from csv files, not " + fmt);
            if (n.get("label").isNull()) throw n.error("tabular data needs label: the name of the label column");
        }
        return new DataSpec(null, train, n.get("train_labels").asString(null), n.get("test").asString(null),
                n.get("test_labels").asString(null), format, n.get("label").asString(null), tabular);
    }

    private static TabularSpec tabular(SpecNode n) {
        if (TABULAR_KEYS.stream().noneMatch(n::has)) return null;
        if (n.has("tabular") && !n.get("tabular").asBool()) {
            for (String k : TABULAR_KEYS) if (!k.equals("tabular") && n.has(k)) throw n.get(k).error("is a tabular setting, but tabular is false");
            return null;
        }
        var opts = dev.tuna.data.tabular.TabularPreprocessor.Options.DEFAULT;
        SpecNode cols = n.get("columns");
        if (!cols.isNull()) {
            for (String c : cols.asMap().keySet()) {
                SpecNode v = cols.get(c);
                try {
                    opts = opts.withTreatment(c, dev.tuna.data.tabular.Treatment.parse(v.asString(), v.path()));
                } catch (IllegalArgumentException e) {
                    throw v.error("expected standardize, none, one_hot, embedding or drop");
                }
            }
        }
        Map<String, dev.tuna.data.tabular.ColumnType> types = new java.util.LinkedHashMap<>();
        SpecNode ts = n.get("types");
        if (!ts.isNull()) {
            for (String c : ts.asMap().keySet()) {
                SpecNode v = ts.get(c);
                try {
                    types.put(c, dev.tuna.data.tabular.ColumnType.parse(v.asString(), v.path()));
                } catch (IllegalArgumentException e) {
                    throw v.error("expected numeric or categorical");
                }
            }
        }
        if (!n.get("impute").isNull()) {
            SpecNode v = n.get("impute");
            try {
                opts = opts.withImpute(dev.tuna.data.tabular.TabularPreprocessor.Impute.parse(v.asString(), v.path()));
            } catch (IllegalArgumentException e) {
                throw v.error("expected mean or median");
            }
        }
        if (!n.get("max_one_hot_levels").isNull()) opts = opts.withMaxOneHotLevels(n.get("max_one_hot_levels").asPositiveInt(0));
        return new TabularSpec(opts, types);
    }

    private static ValidationSpec validation(SpecNode n) {
        if (n.isNull()) return new ValidationSpec(10000, 0, n.file(), true);
        n.checkKeys(Set.of("last", "fraction", "folds"));
        if (n.has("folds")) {
            if (n.has("last") || n.has("fraction")) throw n.error("expected one of {last: N}, {fraction: F} or {folds: K}");
            int k = n.get("folds").read(c -> {
                int v = c.asInt();
                if (v < dev.tuna.data.Folds.MIN || v > dev.tuna.data.Folds.MAX) throw c.error("expected " + dev.tuna.data.Folds.MIN + " to " + dev.tuna.data.Folds.MAX + " folds");
                return v;
            });
            return new ValidationSpec(0, 0, n.file(), false, k);
        }
        if (n.has("last") == n.has("fraction")) throw n.error("expected exactly one of {last: N}, {fraction: F} or {folds: K}");
        if (n.has("last")) {
            int last = n.get("last").asInt();
            if (last <= 0) throw n.get("last").error(ValidationSpec.LAST_EXPECTED);
            return new ValidationSpec(last, 0, n.file(), false);
        }
        double f = n.get("fraction").asDouble();
        if (!(f > 0 && f < 1)) throw n.get("fraction").error("expected a fraction between 0 and 1");
        return new ValidationSpec(0, f, n.file(), false);
    }

    private static ModelSpec model(SpecNode n) {
        String type = n.get("type").asString("mlp");
        if (dev.tuna.trees.TreeSpec.KINDS.contains(type)) {
            Map<String, Object> rest = new java.util.LinkedHashMap<>(n.asMap());
            rest.remove("type");
            return new ModelSpec(type, List.of(), null, Map.of(), dev.tuna.trees.TreeSpec.from(type, n.derived(n.path(), rest)));
        }
        if (!type.equals("mlp") && !type.equals("cnn")) throw n.get("type").error("expected mlp, cnn, gbt or random_forest");
        Set<String> keys = new java.util.HashSet<>(Set.of("type", "layers", "optimizer", "learning_rate"));
        boolean builtin = !n.has("layers");
        if (builtin) keys.addAll(type.equals("mlp") ? BuiltinModels.MLP_KEYS : BuiltinModels.CNN_KEYS);
        n.checkKeys(keys);
        List<SpecNode> layers = builtin ? BuiltinModels.layers(n, type) : n.require("layers").asList();
        for (SpecNode l : layers) ModelFactory.layer(l); // reports a bad layer now, before any data is loaded
        SpecNode opt = n.get("optimizer");
        String optName;
        Map<String, Object> options = new java.util.LinkedHashMap<>();
        if (opt.isNull()) {
            optName = "adam";
        } else if (opt.isMap()) {
            optName = optimizerName(opt.require("name"));
            Set<String> allowed = Optimizers.options(optName);
            for (String k : opt.asMap().keySet()) {
                SpecNode c = opt.get(k);
                // A conditional setting inactive here (its when: names another optimizer) resolves to null: leave it out.
                if (k.equals("name") || c.isNull()) continue;
                if (!allowed.contains(k)) {
                    throw new BadInputException(n.file() + ": " + c.path() + ": unknown key for optimizer " + optName + "; expected one of "
                            + new java.util.TreeSet<>(allowed));
                }
                options.put(k, optimizerOption(c, k));
            }
        } else {
            optName = optimizerName(opt);
        }
        if (!n.get("learning_rate").isNull()) options.put("learning_rate", optimizerOption(n.get("learning_rate"), "learning_rate"));
        return new ModelSpec(type, layers, optName, options, null);
    }

    private static String optimizerName(SpecNode n) {
        return n.read(c -> {
            String s = c.asString();
            if (!Optimizers.NAMES.contains(s)) throw c.error("expected sgd, adam, adamw or rmsprop");
            return s;
        });
    }

    /** An optimizer setting checked against its range as it is read (Optimizers holds the ranges), forms included. */
    private static Object optimizerOption(SpecNode n, String key) {
        Range r = Optimizers.range(key);
        return r == null ? (Object) n.asBool() : (Object) n.asDouble(r);
    }

    private static TrainSpec train(SpecNode n) {
        if (n.isNull()) return new TrainSpec(10, 32, 42, null, null);
        n.checkKeys(Set.of("epochs", "batch_size", "seed", "early_stopping", "loss"));
        EarlyStop es = null;
        SpecNode e = n.get("early_stopping");
        if (!e.isNull()) {
            e.checkKeys(Set.of("monitor", "mode", "patience", "min_delta", "restore_best_weights"));
            String monitor = e.get("monitor").asString("val_loss");
            String mode = e.get("mode").asString("auto");
            if (!Set.of("auto", "min", "max").contains(mode)) throw e.get("mode").error("expected auto, min or max");
            int patience = e.get("patience").isNull() ? 0 : e.get("patience").read(p -> {
                int v = p.asInt();
                if (v < 0) throw p.error("expected 0 or more");
                return v;
            });
            es = new EarlyStop(monitor, mode, patience, e.get("min_delta").asDouble(0), e.get("restore_best_weights").asBool(false));
        }
        String loss = n.get("loss").read(c -> {
            String name = c.asString(null);
            if (name != null && !dev.tuna.train.loss.Losses.exists(name)) throw c.error("unknown loss; expected one of " + dev.tuna.train.loss.Losses.names());
            return name;
        });
        return new TrainSpec(n.get("epochs").asPositiveInt(10), n.get("batch_size").asPositiveInt(32), n.get("seed").asLong0(42), es, loss);
    }
}
