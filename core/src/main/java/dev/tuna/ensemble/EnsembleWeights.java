package dev.tuna.ensemble;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Ways to weight ensemble members from their validation predictions alone. Each takes the members'
 * probabilities on the validation rows and the validation labels, and returns non-negative weights summing to 1.
 * Nothing here can see a test set: the caller scores the result on it afterwards.
 *
 * <p>Log-loss depends on a row only through the probability of its label, so every method first reduces each
 * member to that column ({@code q[m][i]}); a candidate weighting then costs members x rows operations.
 */
public final class EnsembleWeights {
    private EnsembleWeights() {}

    public enum Method {
        AVERAGE, CARUANA, RANDOM;

        public static Method parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + s + "': expected average, caruana or random");
            }
        }

        public String id() { return name().toLowerCase(Locale.ROOT); }
    }

    /** auto-sklearn's ensemble size: the number of greedy picks, so weights are multiples of 1/50. */
    public static final int DEFAULT_ROUNDS = 50;
    /** Random weightings tried on the simplex. */
    public static final int DEFAULT_SAMPLES = 2000;

    public static double[] fit(Method method, List<Probabilities> validation, int[] labels, long seed) {
        return switch (method) {
            case AVERAGE -> average(validation.size());
            case CARUANA -> caruana(validation, labels, DEFAULT_ROUNDS);
            case RANDOM -> random(validation, labels, DEFAULT_SAMPLES, seed);
        };
    }

    public static double[] average(int members) {
        if (members <= 0) throw new IllegalArgumentException("no members to weight");
        double[] w = new double[members];
        java.util.Arrays.fill(w, 1.0 / members);
        return w;
    }

    /**
     * Ensemble selection (Caruana, Niculescu-Mizil, Crew and Ksikes, ICML 2004), as auto-sklearn and AutoGluon
     * run it: start from an empty bag; {@code rounds} times, add the member (with replacement) whose addition gives
     * the bag's averaged probabilities the lowest validation log-loss, ties to the lower index. Then keep the
     * shortest prefix of those picks with the lowest loss (AutoGluon's use_best), so the result is never worse on
     * validation than the best single member, which is always the first pick. A member's weight is the number of
     * times it was picked over the prefix's length; picking with replacement lets a strong member count several
     * times, and a member that never helps gets weight 0.
     */
    public static double[] caruana(List<Probabilities> validation, int[] labels, int rounds) {
        if (rounds <= 0) throw new IllegalArgumentException("rounds " + rounds + ": expected a positive integer");
        double[][] q = labelColumns(validation, labels);
        int m = q.length, n = labels.length;
        double[] sum = new double[n];
        int[] order = new int[rounds];
        int bestLength = 0;
        double bestPrefixLoss = Double.POSITIVE_INFINITY;
        for (int r = 0; r < rounds; r++) {
            int best = -1;
            double bestLoss = Double.POSITIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                double loss = 0;
                for (int i = 0; i < n; i++) loss -= Math.log(Probabilities.clip((sum[i] + q[j][i]) / (r + 1)));
                if (loss < bestLoss) {
                    bestLoss = loss;
                    best = j;
                }
            }
            order[r] = best;
            for (int i = 0; i < n; i++) sum[i] += q[best][i];
            if (bestLoss < bestPrefixLoss) {
                bestPrefixLoss = bestLoss;
                bestLength = r + 1;
            }
        }
        int[] picks = new int[m];
        for (int r = 0; r < bestLength; r++) picks[order[r]]++;
        double[] w = new double[m];
        for (int j = 0; j < m; j++) w[j] = (double) picks[j] / bestLength;
        return w;
    }

    /**
     * Random search over the weight simplex, the seed notebook's suggestion: {@code samples} weightings drawn
     * uniformly from the simplex (normalised exponentials, i.e. Dirichlet(1, ..., 1)), plus the plain average as
     * the first candidate; the one with the lowest validation log-loss wins.
     */
    public static double[] random(List<Probabilities> validation, int[] labels, int samples, long seed) {
        if (samples <= 0) throw new IllegalArgumentException("samples " + samples + ": expected a positive integer");
        double[][] q = labelColumns(validation, labels);
        int m = q.length;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] best = average(m);
        double bestLoss = loss(q, best);
        double[] w = new double[m];
        for (int s = 0; s < samples; s++) {
            double total = 0;
            for (int j = 0; j < m; j++) total += w[j] = -Math.log(1 - rng.nextDouble());
            for (int j = 0; j < m; j++) w[j] /= total;
            double l = loss(q, w);
            if (l < bestLoss) {
                bestLoss = l;
                best = w.clone();
            }
        }
        return best;
    }

    /** Validation log-loss of the weighted blend, from the label columns. */
    static double loss(double[][] q, double[] w) {
        int n = q[0].length;
        double s = 0;
        for (int i = 0; i < n; i++) {
            double p = 0;
            for (int j = 0; j < q.length; j++) p += w[j] * q[j][i];
            s -= Math.log(Probabilities.clip(p));
        }
        return s / n;
    }

    /** q[m][i]: member m's probability of row i's label. */
    private static double[][] labelColumns(List<Probabilities> members, int[] labels) {
        if (members.isEmpty()) throw new IllegalArgumentException("no members to weight");
        double[][] q = new double[members.size()][];
        for (int m = 0; m < members.size(); m++) {
            Probabilities p = members.get(m);
            if (p.rows() != labels.length) throw new IllegalArgumentException("member " + m + " has " + p.rows() + " rows for " + labels.length + " labels");
            if (p.rows() == 0) throw new IllegalArgumentException("no validation rows to weight members on");
            q[m] = new double[labels.length];
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= p.classes()) throw new IllegalArgumentException("label " + labels[i] + " outside [0, " + p.classes() + ")");
                q[m][i] = p.get(i, labels[i]);
            }
        }
        return q;
    }
}
