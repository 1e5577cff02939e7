package dev.tuna.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EnsembleWeightsTest {

    /** Random probability rows (normalised exponentials of a random sharpness), fresh per seed. */
    static Predictions randomMember(SplittableRandom rng, int rows, int classes, int[] labels, double skill) {
        float[] p = new float[rows * classes];
        for (int i = 0; i < rows; i++) {
            double total = 0;
            double[] e = new double[classes];
            for (int c = 0; c < classes; c++) {
                double logit = rng.nextGaussian() + (c == labels[i] ? skill * (0.5 + rng.nextDouble()) : 0);
                total += e[c] = Math.exp(logit);
            }
            for (int c = 0; c < classes; c++) p[i * classes + c] = (float) (e[c] / total);
        }
        return new Predictions(Task.CLASSIFICATION, rows, classes, p);
    }

    static int[] randomLabels(SplittableRandom rng, int rows, int classes) {
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) y[i] = rng.nextInt(classes);
        return y;
    }

    @Test
    void everyMethodGivesNonNegativeWeightsSummingToOne() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        for (int trial = 0; trial < 5; trial++) {
            int rows = 50 + rng.nextInt(200), classes = 2 + rng.nextInt(5), members = 1 + rng.nextInt(6);
            int[] y = randomLabels(rng, rows, classes);
            List<Predictions> val = new ArrayList<>();
            for (int m = 0; m < members; m++) val.add(randomMember(rng, rows, classes, y, rng.nextDouble() * 3));
            for (EnsembleWeights.Method method : EnsembleWeights.Method.values()) {
                double[] w = EnsembleWeights.fit(method, val, Labels.classes(y), rng.nextLong());
                assertEquals(members, w.length);
                double sum = 0;
                for (double x : w) {
                    assertTrue(x >= 0, method + " gave a negative weight " + x);
                    sum += x;
                }
                assertEquals(1.0, sum, 1e-12, method + " weights sum");
            }
        }
    }

    @Test
    void caruanaGivesAllWeightToAMemberThatIsBetterOnEveryRow() {
        // Member 0 gives every row's label a higher probability than the others do, so any mixture lowers each
        // row's label probability: every greedy pick is member 0, and the answer is exactly [1, 0, 0].
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        int rows = 120, classes = 3;
        int[] y = randomLabels(rng, rows, classes);
        float[][] p = new float[3][rows * classes];
        for (int i = 0; i < rows; i++) {
            double strong = 0.6 + 0.3 * rng.nextDouble();
            double[] q = {strong, strong - 0.1 - 0.2 * rng.nextDouble(), 1.0 / classes};
            for (int m = 0; m < 3; m++) {
                for (int c = 0; c < classes; c++) p[m][i * classes + c] = (float) (c == y[i] ? q[m] : (1 - q[m]) / (classes - 1));
            }
        }
        List<Predictions> val = List.of(new Predictions(Task.CLASSIFICATION, rows, classes, p[0]), new Predictions(Task.CLASSIFICATION, rows, classes, p[1]),
                new Predictions(Task.CLASSIFICATION, rows, classes, p[2]));
        assertArrayEquals(new double[] {1, 0, 0}, EnsembleWeights.caruana(val, Labels.classes(y), 50), 0);
    }

    @Test
    void caruanaFindsTheLogLossOptimalMixtureOfTwoComplementaryMembers() {
        // Two members, each sure on its own part of the rows and unsure on the rest. Their log-loss-optimal mixture
        // weight w* is found by a float64 grid search; greedy selection with 50 picks lands within a pick or two.
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        int rows = 400;
        int[] y = randomLabels(rng, rows, 2);
        double share = 0.25 + 0.5 * rng.nextDouble();
        float[] a = new float[rows * 2], b = new float[rows * 2];
        for (int i = 0; i < rows; i++) {
            boolean aKnows = i < share * rows;
            double qa = aKnows ? 0.95 : 0.3, qb = aKnows ? 0.3 : 0.95;
            a[i * 2 + y[i]] = (float) qa;
            a[i * 2 + 1 - y[i]] = (float) (1 - qa);
            b[i * 2 + y[i]] = (float) qb;
            b[i * 2 + 1 - y[i]] = (float) (1 - qb);
        }
        List<Predictions> val = List.of(new Predictions(Task.CLASSIFICATION, rows, 2, a), new Predictions(Task.CLASSIFICATION, rows, 2, b));
        double bestW = 0, bestLoss = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= 100000; k++) {
            double w = k / 100000.0;
            double loss = 0;
            for (int i = 0; i < rows; i++) loss -= Math.log(w * a[i * 2 + y[i]] + (1 - w) * b[i * 2 + y[i]]);
            if (loss < bestLoss) {
                bestLoss = loss;
                bestW = w;
            }
        }
        double[] w = EnsembleWeights.caruana(val, Labels.classes(y), 50);
        assertEquals(bestW, w[0], 0.05, "Caruana's weight against the float64 optimum " + bestW);
        assertTrue(w[0] > 0 && w[1] > 0, "both members are needed");
    }

    @Test
    void caruanaAndRandomAreNeverWorseOnValidationThanTheirBaselines() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        int rows = 300, classes = 4;
        int[] y = randomLabels(rng, rows, classes);
        List<Predictions> val = new ArrayList<>();
        for (int m = 0; m < 5; m++) val.add(randomMember(rng, rows, classes, y, 0.5 + m * 0.4));
        double bestSingle = Double.POSITIVE_INFINITY;
        for (Predictions p : val) bestSingle = Math.min(bestSingle, Scores.logLoss(p, y));
        Labels l = Labels.classes(y);
        double caruana = Scores.logLoss(Predictions.blend(val, EnsembleWeights.caruana(val, l, 50)), y);
        double average = Scores.logLoss(Predictions.blend(val, EnsembleWeights.average(5)), y);
        double random = Scores.logLoss(Predictions.blend(val, EnsembleWeights.random(val, l, 500, rng.nextLong())), y);
        assertTrue(caruana <= bestSingle + 1e-6, "caruana " + caruana + " vs best single " + bestSingle);
        assertTrue(random <= average + 1e-6, "random " + random + " vs average " + average);
    }

    @Test
    void randomSearchIsReproducibleForASeed() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        int[] y = randomLabels(rng, 100, 3);
        List<Predictions> val = List.of(randomMember(rng, 100, 3, y, 1), randomMember(rng, 100, 3, y, 2), randomMember(rng, 100, 3, y, 0.5));
        assertArrayEquals(EnsembleWeights.random(val, Labels.classes(y), 300, 7), EnsembleWeights.random(val, Labels.classes(y), 300, 7));
    }

    @Test
    void badInputIsRefused() {
        int[] y = {0, 1};
        Predictions p = new Predictions(Task.CLASSIFICATION, 2, 2, new float[] {0.5f, 0.5f, 0.2f, 0.8f});
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.caruana(List.of(), Labels.classes(y), 10));
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.caruana(List.of(p), Labels.classes(new int[] {0, 1, 1}), 10));
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.caruana(List.of(p), Labels.classes(new int[] {0, 2}), 10));
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.caruana(List.of(p), Labels.values(new float[] {0, 1}), 10));
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.Method.parse("best"));
        assertThrows(IllegalArgumentException.class, () -> Predictions.blend(List.of(p), new double[] {-1}));
    }

    @Test
    void caruanaOnSquaredErrorGivesAllWeightToAMemberCloserOnEveryRow() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = 200;
        float[] y = new float[rows], good = new float[rows], bad = new float[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = (float) (rng.nextGaussian() * 5);
            double e = 0.1 + rng.nextDouble();
            // Same side, farther: any mixture lands between the two, farther from the truth than the good one.
            good[i] = (float) (y[i] + e);
            bad[i] = (float) (y[i] + e * (2 + rng.nextDouble()));
        }
        List<Predictions> val = List.of(new Predictions(Task.REGRESSION, rows, 1, bad), new Predictions(Task.REGRESSION, rows, 1, good));
        assertArrayEquals(new double[] {0, 1}, EnsembleWeights.caruana(val, Labels.values(y), 50), 0);
    }

    @Test
    void caruanaOnSquaredErrorMixesTwoMembersWithIndependentErrorsAndBeatsBoth() {
        // Two regressors with independent errors of variances s1 and s2: the MSE-optimal mixture weight on the first
        // is s2 / (s1 + s2); it is found by a float64 grid search on the same rows, and greedy selection with 50
        // picks lands within two picks. The blend's MSE is below both members'.
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = 2000;
        float[] y = new float[rows], a = new float[rows], b = new float[rows];
        double sa = 0.5 + rng.nextDouble(), sb = 0.5 + rng.nextDouble();
        for (int i = 0; i < rows; i++) {
            y[i] = (float) (rng.nextGaussian() * 4);
            a[i] = (float) (y[i] + rng.nextGaussian() * sa);
            b[i] = (float) (y[i] + rng.nextGaussian() * sb);
        }
        List<Predictions> val = List.of(new Predictions(Task.REGRESSION, rows, 1, a), new Predictions(Task.REGRESSION, rows, 1, b));
        Labels l = Labels.values(y);
        double bestW = 0, bestLoss = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= 10000; k++) {
            double w = k / 10000.0, loss = 0;
            for (int i = 0; i < rows; i++) {
                double e = w * a[i] + (1 - w) * b[i] - y[i];
                loss += e * e;
            }
            if (loss < bestLoss) {
                bestLoss = loss;
                bestW = w;
            }
        }
        double[] w = EnsembleWeights.caruana(val, l, 50);
        assertEquals(bestW, w[0], 0.04, "Caruana's weight against the float64 optimum " + bestW);
        Predictions blend = Predictions.blend(val, w);
        double mse = Scores.mse(blend, y);
        assertTrue(mse < Scores.mse(val.get(0), y) && mse < Scores.mse(val.get(1), y), "the mixture beats both members: " + mse);
        // The blend is the exact weighted average of the values, and its loss is what the selection reports.
        double ref = 0;
        for (int i = 0; i < rows; i++) {
            double v = w[0] * a[i] + w[1] * b[i];
            assertEquals(v, blend.p()[i], Math.ulp((float) v), "row " + i);
            ref += (v - y[i]) * (v - y[i]);
        }
        assertEquals(ref / rows, EnsembleWeights.loss(val, l, w), 1e-12 * ref);
    }

    @Test
    void binaryMembersAreWeightedOnTheLogLossOfTheirBlendedProbabilityOfOne() {
        // Two binary members each sure on its own part of the rows: the blend of p(1) is what is scored, so the
        // optimum of the float64 grid (on the probability of each row's label) is where Caruana lands.
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = 400;
        int[] y = randomLabels(rng, rows, 2);
        double share = 0.25 + 0.5 * rng.nextDouble();
        float[] a = new float[rows], b = new float[rows];
        for (int i = 0; i < rows; i++) {
            boolean aKnows = i < share * rows;
            double qa = aKnows ? 0.95 : 0.3, qb = aKnows ? 0.3 : 0.95;
            a[i] = (float) (y[i] == 1 ? qa : 1 - qa);
            b[i] = (float) (y[i] == 1 ? qb : 1 - qb);
        }
        List<Predictions> val = List.of(new Predictions(Task.BINARY, rows, 1, a), new Predictions(Task.BINARY, rows, 1, b));
        double bestW = 0, bestLoss = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= 10000; k++) {
            double w = k / 10000.0, loss = 0;
            for (int i = 0; i < rows; i++) {
                double p1 = w * a[i] + (1 - w) * b[i];
                loss -= Math.log(y[i] == 1 ? p1 : 1 - p1);
            }
            if (loss < bestLoss) {
                bestLoss = loss;
                bestW = w;
            }
        }
        double[] w = EnsembleWeights.caruana(val, Labels.classes(y), 50);
        assertEquals(bestW, w[0], 0.05, "Caruana's weight against the float64 optimum " + bestW);
        double blended = Scores.logLoss(Predictions.blend(val, w), y);
        assertTrue(blended < Scores.logLoss(val.get(0), y) && blended < Scores.logLoss(val.get(1), y), "the mixture beats both: " + blended);
    }

    @Test
    void droppedMembersAreThoseAtWeightZeroAndOneMorePickWouldNotHaveHelped() {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = 300, classes = 4;
        int[] y = randomLabels(rng, rows, classes);
        List<Predictions> val = new ArrayList<>();
        // Two good members and a nearly useless one, which ensemble selection leaves out.
        val.add(randomMember(rng, rows, classes, y, 2.5));
        val.add(randomMember(rng, rows, classes, y, 0.01));
        val.add(randomMember(rng, rows, classes, y, 2.0));
        Labels l = Labels.classes(y);
        EnsembleWeights.Selection s = EnsembleWeights.caruanaSelection(val, l, 50);
        List<EnsembleWeights.Dropped> dropped = EnsembleWeights.dropped(val, l, s);
        List<Integer> zero = new ArrayList<>();
        for (int j = 0; j < 3; j++) if (s.weights()[j] == 0) zero.add(j);
        assertEquals(zero, dropped.stream().map(EnsembleWeights.Dropped::member).toList());
        assertTrue(zero.contains(1), "the useless member is dropped: " + java.util.Arrays.toString(s.weights()));
        for (int j = 0; j < 3; j++) assertEquals(s.weights()[j] * s.bag(), Math.rint(s.weights()[j] * s.bag()), 1e-9, "weights are picks over the bag");
        for (EnsembleWeights.Dropped d : dropped) {
            assertEquals(Scores.logLoss(val.get(d.member()), y), d.alone(), 1e-9);
            assertEquals(Scores.logLoss(Predictions.blend(val, s.weights()), y), d.blend(), 1e-6);
            assertEquals(1.0 / (s.bag() + 1), d.share(), 1e-15);
            if (s.bag() < 50) assertTrue(d.withOneMorePick() >= d.blend(), "greedy would have picked it: " + d);
        }
    }
}
