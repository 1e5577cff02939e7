package dev.tuna.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small random forest for regression (Breiman 2001): bagged regression trees grown on bootstrap samples,
 * each split chosen among a random subset of the columns by the largest drop in squared error, leaves no
 * smaller than {@code minLeaf}. It exists for {@link ParameterImportance}, which needs out-of-bag predictions,
 * so the forest remembers which rows each tree did not see. Studies have tens to hundreds of trials, so the
 * plain O(n log n) per node split search is fast enough; everything is seeded and deterministic.
 */
public final class RandomForestRegressor {
    private final int trees;
    private final int minLeaf;
    private final int featuresPerSplit;
    private final long seed;
    private final List<Tree> forest = new ArrayList<>();
    private final List<boolean[]> inBag = new ArrayList<>();
    private int columns = -1;

    /**
     * @param trees            how many trees
     * @param minLeaf          the fewest rows a leaf may hold (larger smooths the fit on few trials)
     * @param featuresPerSplit columns tried at each split (at most the column count; fewer decorrelates trees)
     * @param seed             the seed for bootstrap samples and column subsets
     */
    public RandomForestRegressor(int trees, int minLeaf, int featuresPerSplit, long seed) {
        if (trees <= 0 || minLeaf <= 0 || featuresPerSplit <= 0) {
            throw new IllegalArgumentException("trees, minLeaf and featuresPerSplit must be positive");
        }
        this.trees = trees;
        this.minLeaf = minLeaf;
        this.featuresPerSplit = featuresPerSplit;
        this.seed = seed;
    }

    /** Fits the forest to rows x (one double[] per row, all the same length) and targets y. */
    public RandomForestRegressor fit(double[][] x, double[] y) {
        if (x.length != y.length || x.length == 0) throw new IllegalArgumentException("x and y must be non-empty and of equal length");
        columns = x[0].length;
        forest.clear();
        inBag.clear();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = x.length;
        for (int t = 0; t < trees; t++) {
            int[] rows = new int[n];
            boolean[] seen = new boolean[n];
            for (int i = 0; i < n; i++) {
                rows[i] = rng.nextInt(n);
                seen[rows[i]] = true;
            }
            Tree tree = new Tree();
            tree.grow(x, y, rows, 0, n, rng);
            forest.add(tree);
            inBag.add(seen);
        }
        return this;
    }

    /** The forest's prediction for one row: the mean over all trees. */
    public double predict(double[] row) {
        double s = 0;
        for (Tree t : forest) s += t.predict(row);
        return s / forest.size();
    }

    /**
     * The out-of-bag mean squared error on x, y (the rows the forest was fitted on, possibly with a column
     * shuffled): each row is predicted only by the trees whose bootstrap sample left it out, so this estimates
     * the error on unseen configurations. Rows that every tree saw are skipped; NaN if that is all of them.
     */
    public double oobMse(double[][] x, double[] y) {
        if (forest.isEmpty()) throw new IllegalStateException("fit the forest first");
        double sse = 0;
        int counted = 0;
        for (int i = 0; i < x.length; i++) {
            double s = 0;
            int k = 0;
            for (int t = 0; t < forest.size(); t++) {
                if (inBag.get(t)[i]) continue;
                s += forest.get(t).predict(x[i]);
                k++;
            }
            if (k == 0) continue;
            double e = s / k - y[i];
            sse += e * e;
            counted++;
        }
        return counted == 0 ? Double.NaN : sse / counted;
    }

    /** One regression tree in flat arrays: node i splits on feature[i] at threshold[i], or is a leaf (feature -1). */
    private final class Tree {
        private int[] feature = new int[16];
        private double[] threshold = new double[16];
        private int[] left = new int[16];
        private int[] right = new int[16];
        private double[] value = new double[16];
        private int size;

        private int newNode() {
            if (size == feature.length) {
                int m = size * 2;
                feature = Arrays.copyOf(feature, m);
                threshold = Arrays.copyOf(threshold, m);
                left = Arrays.copyOf(left, m);
                right = Arrays.copyOf(right, m);
                value = Arrays.copyOf(value, m);
            }
            return size++;
        }

        /** Grows the subtree over rows[from, to) and returns its node index. */
        int grow(double[][] x, double[] y, int[] rows, int from, int to, SplittableRandom rng) {
            int node = newNode();
            int n = to - from;
            double sum = 0, sumSq = 0;
            for (int i = from; i < to; i++) {
                sum += y[rows[i]];
                sumSq += y[rows[i]] * y[rows[i]];
            }
            feature[node] = -1;
            value[node] = sum / n;
            double parentSse = sumSq - sum * sum / n;
            if (n < 2 * minLeaf || parentSse <= 1e-15 * Math.max(1, sumSq)) return node;

            // A random subset of the columns (partial Fisher-Yates), so that trees differ beyond their samples.
            int[] cols = new int[columns];
            for (int j = 0; j < columns; j++) cols[j] = j;
            int tries = Math.min(featuresPerSplit, columns);
            for (int j = 0; j < tries; j++) {
                int k = j + rng.nextInt(columns - j);
                int tmp = cols[j];
                cols[j] = cols[k];
                cols[k] = tmp;
            }
            int bestFeature = -1;
            double bestThreshold = 0, bestSse = parentSse;
            Integer[] order = new Integer[n];
            for (int c = 0; c < tries; c++) {
                int f = cols[c];
                for (int i = 0; i < n; i++) order[i] = rows[from + i];
                Arrays.sort(order, (a, b) -> Double.compare(x[a][f], x[b][f]));
                double ls = 0, lq = 0;
                for (int i = 0; i < n - 1; i++) {
                    double v = y[order[i]];
                    ls += v;
                    lq += v * v;
                    int nl = i + 1, nr = n - nl;
                    if (nl < minLeaf || nr < minLeaf) continue;
                    double a = x[order[i]][f], b = x[order[i + 1]][f];
                    if (a == b) continue; // rows with equal values must fall on the same side
                    double rs = sum - ls, rq = sumSq - lq;
                    double sse = (lq - ls * ls / nl) + (rq - rs * rs / nr);
                    if (sse < bestSse - 1e-12 * Math.abs(bestSse)) {
                        bestSse = sse;
                        bestFeature = f;
                        bestThreshold = a + (b - a) / 2;
                    }
                }
            }
            if (bestFeature < 0) return node;
            // Partition rows[from, to) in place around the threshold.
            int mid = from;
            for (int i = from; i < to; i++) {
                if (x[rows[i]][bestFeature] <= bestThreshold) {
                    int tmp = rows[i];
                    rows[i] = rows[mid];
                    rows[mid] = tmp;
                    mid++;
                }
            }
            feature[node] = bestFeature;
            threshold[node] = bestThreshold;
            int l = grow(x, y, rows, from, mid, rng);
            int r = grow(x, y, rows, mid, to, rng);
            left[node] = l;
            right[node] = r;
            return node;
        }

        double predict(double[] row) {
            int i = 0;
            while (feature[i] >= 0) i = row[feature[i]] <= threshold[i] ? left[i] : right[i];
            return value[i];
        }
    }
}
