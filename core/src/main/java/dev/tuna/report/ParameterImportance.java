package dev.tuna.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * How much each hyperparameter matters to the objective, by permutation importance over a random forest.
 *
 * <p>Method: each configuration becomes a row of numeric columns, one per hyperparameter that varies (numbers as
 * they are, log10 for a positive parameter spanning more than two decades; categories and booleans as their rank
 * by mean objective, so that a tree can separate good from bad categories with few splits; a missing value,
 * from an inactive conditional parameter, as a value below all others). A {@link RandomForestRegressor} (100
 * bagged trees, bootstrap samples, a third of the columns tried per split, leaves of at least 2 trials, seeded)
 * is fitted to the objective. A column's importance is the mean increase of the forest's out-of-bag mean
 * squared error when that column alone is shuffled (5 shuffles), clipped at 0; the shares are the importances
 * normalised to sum 1. Out-of-bag errors, rather than the training fit, keep a parameter the forest merely
 * memorised from looking important. When no column raises the error the shares are equal and
 * {@link Result#signal()} is false. Parameters that never vary are left out: they cannot explain anything.
 */
public final class ParameterImportance {
    /** The fewest complete trials worth fitting a forest to. */
    public static final int MIN_TRIALS = 4;
    static final int TREES = 100;
    static final int MIN_LEAF = 2;
    static final int SHUFFLES = 5;

    /** The method in two sentences, for the report page. */
    public static final String METHOD = "Each trial's hyperparameters are encoded as numbers (log10 for a positive parameter spanning more than"
            + " two decades, categories by their rank in mean objective, an inactive conditional parameter as a value below all others),"
            + " and a random forest of " + TREES + " regression trees (bootstrap samples, a third of the parameters tried per split,"
            + " leaves of at least " + MIN_LEAF + " trials, fixed seed) is fitted to the objective. A parameter's importance is the mean"
            + " increase of the forest's out-of-bag squared error when that parameter's column is shuffled (" + SHUFFLES
            + " shuffles), clipped at 0 and normalised so that the shares sum to 1.";

    private ParameterImportance() {}

    /**
     * The analysis: shares (sum 1, best first), the raw out-of-bag MSE increases, the unshuffled out-of-bag MSE,
     * and whether any parameter raised the error (false: the shares are equal because nothing stood out).
     */
    public record Result(Map<String, Double> shares, Map<String, Double> mseIncrease, double oobMse, boolean signal) {}

    /**
     * The importance shares of the hyperparameters that vary, largest first, non-negative and summing to 1.
     * configs are the trials' hyperparameter values (Long, Double, String, Boolean; a missing key is an inactive
     * parameter), objective their metric values. Throws IllegalArgumentException saying why when
     * {@link #unavailable} gives a reason.
     */
    public static Map<String, Double> of(List<Map<String, Object>> configs, double[] objective, long seed) {
        return analyse(configs, objective, seed).shares();
    }

    /** Why the importance cannot be computed for these trials, or empty when it can. */
    public static Optional<String> unavailable(List<Map<String, Object>> configs, double[] objective) {
        if (configs.size() != objective.length) throw new IllegalArgumentException(configs.size() + " configurations but " + objective.length + " objective values");
        for (double v : objective) if (!Double.isFinite(v)) throw new IllegalArgumentException("objective values must be finite, got " + v);
        if (configs.size() < MIN_TRIALS) {
            return Optional.of("needs at least " + MIN_TRIALS + " complete trials, the study has " + configs.size());
        }
        if (varying(configs).isEmpty()) return Optional.of("no hyperparameter takes more than one value across the complete trials");
        return Optional.empty();
    }

    /** The full analysis (see {@link Result}). */
    public static Result analyse(List<Map<String, Object>> configs, double[] objective, long seed) {
        unavailable(configs, objective).ifPresent(why -> {
            throw new IllegalArgumentException("parameter importance " + why);
        });
        List<String> names = varying(configs);
        int n = configs.size(), p = names.size();
        double[][] x = new double[n][p];
        for (int j = 0; j < p; j++) {
            double[] col = encode(configs, objective, names.get(j));
            for (int i = 0; i < n; i++) x[i][j] = col[i];
        }
        RandomForestRegressor forest = new RandomForestRegressor(TREES, MIN_LEAF, Math.max(1, (int) Math.ceil(p / 3.0)), seed).fit(x, objective);
        double base = forest.oobMse(x, objective);
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        Map<String, Double> increase = new LinkedHashMap<>();
        double total = 0;
        double[][] shuffled = new double[n][];
        for (int j = 0; j < p; j++) {
            double sum = 0;
            for (int r = 0; r < SHUFFLES; r++) {
                for (int i = 0; i < n; i++) shuffled[i] = x[i].clone();
                for (int i = n - 1; i > 0; i--) { // Fisher-Yates over column j only
                    int k = rng.nextInt(i + 1);
                    double t = shuffled[i][j];
                    shuffled[i][j] = shuffled[k][j];
                    shuffled[k][j] = t;
                }
                sum += forest.oobMse(shuffled, objective) - base;
            }
            double inc = Double.isFinite(sum) ? Math.max(0, sum / SHUFFLES) : 0;
            increase.put(names.get(j), inc);
            total += inc;
        }
        boolean signal = total > 0;
        Map<String, Double> shares = new LinkedHashMap<>();
        final double sum = total;
        increase.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()))
                .forEach(e -> shares.put(e.getKey(), signal ? e.getValue() / sum : 1.0 / p));
        return new Result(shares, increase, base, signal);
    }

    /** The hyperparameters, in first-seen order, that take more than one value (absent counts as a value). */
    static List<String> varying(List<Map<String, Object>> configs) {
        Set<String> all = new LinkedHashSet<>();
        for (Map<String, Object> c : configs) all.addAll(c.keySet());
        List<String> out = new ArrayList<>();
        for (String name : all) {
            Set<Object> seen = new LinkedHashSet<>();
            for (Map<String, Object> c : configs) seen.add(c.containsKey(name) ? normal(c.get(name)) : Missing.VALUE);
            if (seen.size() > 1) out.add(name);
        }
        return out;
    }

    /** Whether a numeric parameter is best seen on a log scale: all values positive, spanning more than two decades. */
    public static boolean logScale(List<Double> values) {
        if (values.isEmpty()) return false;
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            if (!(v > 0)) return false;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return max / min > 100;
    }

    /** One parameter's column; see the class comment for the encoding. */
    static double[] encode(List<Map<String, Object>> configs, double[] objective, String name) {
        int n = configs.size();
        double[] col = new double[n];
        boolean numeric = configs.stream().allMatch(c -> !c.containsKey(name) || c.get(name) instanceof Number);
        if (numeric) {
            List<Double> present = new ArrayList<>();
            for (Map<String, Object> c : configs) if (c.containsKey(name)) present.add(((Number) c.get(name)).doubleValue());
            boolean log = logScale(present);
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (double v : present) {
                double e = log ? Math.log10(v) : v;
                min = Math.min(min, e);
                max = Math.max(max, e);
            }
            double missing = min - Math.max(1, max - min); // below every real value, so one split isolates it
            for (int i = 0; i < n; i++) {
                Object v = configs.get(i).get(name);
                col[i] = v == null ? missing : log ? Math.log10(((Number) v).doubleValue()) : ((Number) v).doubleValue();
            }
            return col;
        }
        // Categories ranked by their mean objective: a tree then needs one split to separate good from bad ones.
        Map<Object, double[]> stats = new LinkedHashMap<>(); // category -> {sum, count}
        for (int i = 0; i < n; i++) {
            Object v = configs.get(i).get(name);
            if (v == null) continue;
            double[] s = stats.computeIfAbsent(normal(v), k -> new double[2]);
            s[0] += objective[i];
            s[1]++;
        }
        List<Object> ranked = new ArrayList<>(stats.keySet());
        ranked.sort(Comparator.comparingDouble((Object k) -> stats.get(k)[0] / stats.get(k)[1]).thenComparing(String::valueOf));
        for (int i = 0; i < n; i++) {
            Object v = configs.get(i).get(name);
            col[i] = v == null ? -1 : ranked.indexOf(normal(v));
        }
        return col;
    }

    /** Mixed Long/Double values of one category compare by value (JSON gives 1 back as Long, 1.5 as Double). */
    private static Object normal(Object v) {
        return v instanceof Number num && !(v instanceof Double) ? (Object) num.doubleValue() : Objects.requireNonNullElse(v, Missing.VALUE);
    }

    private enum Missing { VALUE }
}
