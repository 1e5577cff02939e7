package dev.tuna.trees;

import dev.tuna.spec.SpecNode;
import dev.tuna.task.Task;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tree ensemble trained by XGBoost, with XGBoost's scikit-learn parameter names. {@code gbt} is gradient
 * boosting: one tree per class (one in all for binary and regression) per round, {@code n_estimators} rounds at
 * most, stopped early when the validation loss (log-loss, or squared error for regression) has not improved for
 * {@code early_stopping_rounds}. {@code random_forest} is one round of
 * {@code n_estimators} parallel trees on bootstrap-sized row samples and per-node feature samples with learning
 * rate 1, as XGBoost's XGBRFClassifier and XGBRFRegressor build it. Each value may be a hyperparameter form, so the tuner searches
 * these like any other space.
 */
public record TreeSpec(String kind, int nEstimators, int maxDepth, double learningRate, double subsample, double colsampleBytree,
                       double colsampleBynode, double minChildWeight, double regLambda, double regAlpha, double gamma, int maxBin,
                       int earlyStoppingRounds) {

    public static final List<String> KINDS = List.of("gbt", "random_forest");
    public static final Set<String> KEYS = Set.of("n_estimators", "max_depth", "learning_rate", "subsample", "colsample_bytree",
            "colsample_bynode", "min_child_weight", "reg_lambda", "reg_alpha", "gamma", "max_bin", "early_stopping_rounds");
    /** colsample_bynode's default for a forest: sqrt(features) / features, computed when the data is known. */
    static final double SQRT_FEATURES = -1;

    public TreeSpec {
        if (!KINDS.contains(kind)) throw new IllegalArgumentException("tree kind '" + kind + "': expected gbt or random_forest");
        check(nEstimators > 0, "n_estimators", nEstimators, "a positive integer");
        check(maxDepth >= 1 && maxDepth <= 30, "max_depth", maxDepth, "an integer in [1, 30]");
        check(learningRate > 0 && learningRate <= 1, "learning_rate", learningRate, "a number in (0, 1]");
        check(subsample > 0 && subsample <= 1, "subsample", subsample, "a number in (0, 1]");
        check(colsampleBytree > 0 && colsampleBytree <= 1, "colsample_bytree", colsampleBytree, "a number in (0, 1]");
        check(colsampleBynode == SQRT_FEATURES || (colsampleBynode > 0 && colsampleBynode <= 1), "colsample_bynode", colsampleBynode, "a number in (0, 1]");
        check(minChildWeight >= 0, "min_child_weight", minChildWeight, "a number >= 0");
        check(regLambda >= 0, "reg_lambda", regLambda, "a number >= 0");
        check(regAlpha >= 0, "reg_alpha", regAlpha, "a number >= 0");
        check(gamma >= 0, "gamma", gamma, "a number >= 0");
        check(maxBin >= 2 && maxBin <= 1024, "max_bin", maxBin, "an integer in [2, 1024]");
        check(earlyStoppingRounds >= 0, "early_stopping_rounds", earlyStoppingRounds, "0 (off) or more");
    }

    /** A setting out of its range: which key, and what it expects (so a spec reader can point at the key in its file). */
    public static final class InvalidSetting extends IllegalArgumentException {
        private final String key;
        private final String expected;

        InvalidSetting(String key, double v, String expected) {
            super(key + " " + (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v)) + ": expected " + expected);
            this.key = key;
            this.expected = expected;
        }

        public String key() { return key; }

        public String expected() { return expected; }
    }

    private static void check(boolean ok, String key, double v, String expected) {
        if (!ok) throw new InvalidSetting(key, v, expected);
    }

    public boolean forest() { return kind.equals("random_forest"); }

    /** XGBoost's defaults for boosting (100 rounds of depth-6 trees at 0.3); a forest of 100 depth-12 trees. */
    public static TreeSpec defaults(String kind) {
        return kind.equals("random_forest")
                ? new TreeSpec(kind, 100, 12, 1.0, 0.632, 1.0, SQRT_FEATURES, 1, 1e-5, 0, 0, 256, 0)
                : new TreeSpec(kind, 100, 6, 0.3, 1.0, 1.0, 1.0, 1, 1, 0, 0, 256, 10);
    }

    /** Reads the keys present in a spec map over the kind's defaults; forms resolve through the node's resolver. */
    public static TreeSpec from(String kind, SpecNode n) {
        TreeSpec d = defaults(kind);
        if (n.isNull()) return d;
        n.checkKeys(KEYS);
        try {
            return new TreeSpec(kind, n.get("n_estimators").asPositiveInt(d.nEstimators), n.get("max_depth").asPositiveInt(d.maxDepth),
                    n.get("learning_rate").asDouble(d.learningRate), n.get("subsample").asDouble(d.subsample),
                    n.get("colsample_bytree").asDouble(d.colsampleBytree), n.get("colsample_bynode").asDouble(d.colsampleBynode),
                    n.get("min_child_weight").asDouble(d.minChildWeight), n.get("reg_lambda").asDouble(d.regLambda),
                    n.get("reg_alpha").asDouble(d.regAlpha), n.get("gamma").asDouble(d.gamma), n.get("max_bin").asPositiveInt(d.maxBin),
                    n.get("early_stopping_rounds").asInt(d.earlyStoppingRounds));
        } catch (InvalidSetting e) {
            throw n.get(e.key()).error("expected " + e.expected());
        }
    }

    /**
     * XGBoost's booster parameters for this spec, for a task, on data with the given number of features and classes
     * (classes matter only for classification). The objective and evaluation metric are XGBoost's names for the
     * task's output and loss: softmax probabilities and multi-class log-loss, p(1) and log-loss, or the value and RMSE.
     */
    public Map<String, Object> params(Task task, int features, int classes, long seed, int threads) {
        Map<String, Object> p = new LinkedHashMap<>();
        switch (task) {
            case CLASSIFICATION -> {
                p.put("objective", "multi:softprob");
                p.put("num_class", classes);
                p.put("eval_metric", "mlogloss");
            }
            case BINARY -> {
                p.put("objective", "binary:logistic");
                p.put("eval_metric", "logloss");
            }
            case REGRESSION -> {
                p.put("objective", "reg:squarederror");
                p.put("eval_metric", "rmse");
            }
        }
        p.put("tree_method", "hist");
        p.put("max_depth", maxDepth);
        p.put("eta", learningRate);
        p.put("subsample", subsample);
        p.put("colsample_bytree", colsampleBytree);
        p.put("colsample_bynode", colsampleBynode == SQRT_FEATURES ? Math.min(1.0, Math.sqrt(features) / features) : colsampleBynode);
        p.put("min_child_weight", minChildWeight);
        p.put("lambda", regLambda);
        p.put("alpha", regAlpha);
        p.put("gamma", gamma);
        p.put("max_bin", maxBin);
        if (forest()) p.put("num_parallel_tree", nEstimators);
        p.put("seed", (int) (seed & 0x7fffffff));
        p.put("nthread", threads);
        p.put("verbosity", 0);
        return p;
    }

    /** Boosting rounds to run: n_estimators for boosting, one round of n_estimators trees for a forest. */
    public int rounds() { return forest() ? 1 : nEstimators; }

    /** The settings as a map (what the ensemble's manifest and a study's trial record). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n_estimators", nEstimators);
        m.put("max_depth", maxDepth);
        m.put("learning_rate", learningRate);
        m.put("subsample", subsample);
        m.put("colsample_bytree", colsampleBytree);
        if (colsampleBynode != SQRT_FEATURES) m.put("colsample_bynode", colsampleBynode);
        m.put("min_child_weight", minChildWeight);
        m.put("reg_lambda", regLambda);
        m.put("reg_alpha", regAlpha);
        m.put("gamma", gamma);
        m.put("max_bin", maxBin);
        m.put("early_stopping_rounds", earlyStoppingRounds);
        return m;
    }
}
