package dev.tuna.ensemble;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Ways to weight ensemble members from their validation predictions alone. Each takes the members' predictions on
 * the validation rows and the validation labels, and returns non-negative weights summing to 1, chosen on the
 * task's loss ({@link Scores#loss}): log-loss of the weighted average of probabilities for classification and
 * binary, mean squared error of the weighted average of values for regression. Nothing here can see a test set:
 * the caller scores the result on it afterwards.
 *
 * <p>Both losses depend on a row only through one number of the blend, the probability of its label or its value,
 * which is the same weighted average of the members' numbers; so every method first reduces each member to that
 * number per row ({@code q[m][i]}), and a candidate weighting then costs members x rows operations.
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

    /**
     * Weights, and the size of the bag they stand for: ensemble selection's kept picks, the number of members for
     * the average, {@link #DEFAULT_ROUNDS} for random weights. One more pick of a member gives it 1 / (bag + 1).
     */
    public record Selection(double[] weights, int bag) {}

    /** A member given weight 0: its validation loss alone, the blend's, and the blend's with one more pick of it. */
    public record Dropped(int member, double alone, double blend, double withOneMorePick, double share) {}

    public static double[] fit(Method method, List<Predictions> validation, Labels labels, long seed) {
        return select(method, validation, labels, seed).weights();
    }

    public static Selection select(Method method, List<Predictions> validation, Labels labels, long seed) {
        return switch (method) {
            case AVERAGE -> new Selection(average(validation.size()), validation.size());
            case CARUANA -> caruanaSelection(validation, labels, DEFAULT_ROUNDS);
            case RANDOM -> new Selection(random(validation, labels, DEFAULT_SAMPLES, seed), DEFAULT_ROUNDS);
        };
    }

    public static double[] average(int members) {
        if (members <= 0) throw new IllegalArgumentException("no members to weight");
        double[] w = new double[members];
        Arrays.fill(w, 1.0 / members);
        return w;
    }

    /** The weights of {@link #caruanaSelection}. */
    public static double[] caruana(List<Predictions> validation, Labels labels, int rounds) {
        return caruanaSelection(validation, labels, rounds).weights();
    }

    /**
     * Ensemble selection (Caruana, Niculescu-Mizil, Crew and Ksikes, ICML 2004), as auto-sklearn and AutoGluon
     * run it: start from an empty bag; {@code rounds} times, add the member (with replacement) whose addition gives
     * the bag's averaged predictions the lowest validation loss, ties to the lower index. Then keep the shortest
     * prefix of those picks with the lowest loss (AutoGluon's use_best), so the result is never worse on validation
     * than the best single member, which is always the first pick. A member's weight is the number of times it was
     * picked over the prefix's length; picking with replacement lets a strong member count several times, and a
     * member that never helps gets weight 0.
     */
    public static Selection caruanaSelection(List<Predictions> validation, Labels labels, int rounds) {
        if (rounds <= 0) throw new IllegalArgumentException("rounds " + rounds + ": expected a positive integer");
        Reduced d = reduce(validation, labels);
        int m = d.q.length, n = labels.rows();
        double[] sum = new double[n];
        int[] order = new int[rounds];
        int bestLength = 0;
        double bestPrefixLoss = Double.POSITIVE_INFINITY;
        for (int r = 0; r < rounds; r++) {
            int best = -1;
            double bestLoss = Double.POSITIVE_INFINITY;
            for (int j = 0; j < m; j++) {
                double loss = 0;
                for (int i = 0; i < n; i++) loss += d.rowLoss(i, (sum[i] + d.q[j][i]) / (r + 1));
                if (loss < bestLoss) {
                    bestLoss = loss;
                    best = j;
                }
            }
            order[r] = best;
            for (int i = 0; i < n; i++) sum[i] += d.q[best][i];
            if (bestLoss < bestPrefixLoss) {
                bestPrefixLoss = bestLoss;
                bestLength = r + 1;
            }
        }
        int[] picks = new int[m];
        for (int r = 0; r < bestLength; r++) picks[order[r]]++;
        double[] w = new double[m];
        for (int j = 0; j < m; j++) w[j] = (double) picks[j] / bestLength;
        return new Selection(w, bestLength);
    }

    /**
     * Random search over the weight simplex, the seed notebook's suggestion: {@code samples} weightings drawn
     * uniformly from the simplex (normalised exponentials, i.e. Dirichlet(1, ..., 1)), plus the plain average as
     * the first candidate; the one with the lowest validation loss wins.
     */
    public static double[] random(List<Predictions> validation, Labels labels, int samples, long seed) {
        if (samples <= 0) throw new IllegalArgumentException("samples " + samples + ": expected a positive integer");
        Reduced d = reduce(validation, labels);
        int m = d.q.length;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] best = average(m);
        double bestLoss = d.loss(best);
        double[] w = new double[m];
        for (int s = 0; s < samples; s++) {
            double total = 0;
            for (int j = 0; j < m; j++) total += w[j] = -Math.log(1 - rng.nextDouble());
            for (int j = 0; j < m; j++) w[j] /= total;
            double l = d.loss(w);
            if (l < bestLoss) {
                bestLoss = l;
                best = w.clone();
            }
        }
        return best;
    }

    /** The task's validation loss of the blend with weights w (summing to 1). */
    public static double loss(List<Predictions> validation, Labels labels, double[] w) {
        Reduced d = reduce(validation, labels);
        if (w.length != d.q.length) throw new IllegalArgumentException(w.length + " weights for " + d.q.length + " members");
        return d.loss(w);
    }

    /**
     * Why each member of weight 0 has it, in numbers: its validation loss alone, the chosen blend's, and the blend's
     * if the member took one more pick (share 1 / (bag + 1), the others scaled down to make room). For ensemble
     * selection the last is never below the blend's unless every round was kept: otherwise the greedy step would
     * have picked it.
     */
    public static List<Dropped> dropped(List<Predictions> validation, Labels labels, Selection s) {
        Reduced d = reduce(validation, labels);
        double[] w = s.weights();
        double blend = d.loss(w), share = 1.0 / (s.bag() + 1);
        List<Dropped> out = new ArrayList<>();
        for (int j = 0; j < w.length; j++) {
            if (w[j] != 0) continue;
            double[] alone = new double[w.length], more = new double[w.length];
            alone[j] = 1;
            for (int k = 0; k < w.length; k++) more[k] = (1 - share) * w[k];
            more[j] = share;
            out.add(new Dropped(j, d.loss(alone), blend, d.loss(more), share));
        }
        return out;
    }

    /** Each member reduced to one number per row (q[m][i]), and the loss of a row as a function of the blend's number. */
    private record Reduced(Task task, double[][] q, float[] values) {
        double rowLoss(int i, double blended) {
            if (values == null) return -Math.log(Scores.clip(blended));
            double e = blended - values[i];
            return e * e;
        }

        double loss(double[] w) {
            int n = q[0].length;
            double s = 0;
            for (int i = 0; i < n; i++) {
                double b = 0;
                for (int j = 0; j < q.length; j++) b += w[j] * q[j][i];
                s += rowLoss(i, b);
            }
            return s / n;
        }
    }

    /** q[m][i]: member m's probability of row i's label, or its value for regression. */
    private static Reduced reduce(List<Predictions> members, Labels labels) {
        if (members.isEmpty()) throw new IllegalArgumentException("no members to weight");
        Task task = members.getFirst().task();
        if (task.classifies() != labels.isClasses()) {
            throw new IllegalArgumentException(task.id() + " members weighted on " + (labels.isClasses() ? "class" : "value") + " labels");
        }
        int n = labels.rows();
        double[][] q = new double[members.size()][];
        for (int m = 0; m < members.size(); m++) {
            Predictions p = members.get(m);
            if (p.task() != task) throw new IllegalArgumentException("member " + m + " predicts " + p.task().id() + ", member 0 " + task.id());
            if (p.rows() != n) throw new IllegalArgumentException("member " + m + " has " + p.rows() + " rows for " + n + " labels");
            if (n == 0) throw new IllegalArgumentException("no validation rows to weight members on");
            q[m] = new double[n];
            if (!task.classifies()) {
                for (int i = 0; i < n; i++) q[m][i] = p.get(i, 0);
                continue;
            }
            int classes = task == Task.BINARY ? 2 : p.width();
            for (int i = 0; i < n; i++) {
                int y = labels.classes()[i];
                if (y < 0 || y >= classes) throw new IllegalArgumentException("label " + y + " outside [0, " + classes + ")");
                q[m][i] = p.probability(i, y);
            }
        }
        return new Reduced(task, q, labels.isClasses() ? null : labels.values());
    }
}
