package dev.tuna.ensemble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EnsembleWeightsTest {

    /** Random probability rows (normalised exponentials of a random sharpness), fresh per seed. */
    static Probabilities randomMember(SplittableRandom rng, int rows, int classes, int[] labels, double skill) {
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
        return new Probabilities(rows, classes, p);
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
            List<Probabilities> val = new ArrayList<>();
            for (int m = 0; m < members; m++) val.add(randomMember(rng, rows, classes, y, rng.nextDouble() * 3));
            for (EnsembleWeights.Method method : EnsembleWeights.Method.values()) {
                double[] w = EnsembleWeights.fit(method, val, y, rng.nextLong());
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
        List<Probabilities> val = List.of(new Probabilities(rows, classes, p[0]), new Probabilities(rows, classes, p[1]),
                new Probabilities(rows, classes, p[2]));
        assertArrayEquals(new double[] {1, 0, 0}, EnsembleWeights.caruana(val, y, 50), 0);
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
        List<Probabilities> val = List.of(new Probabilities(rows, 2, a), new Probabilities(rows, 2, b));
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
        double[] w = EnsembleWeights.caruana(val, y, 50);
        assertEquals(bestW, w[0], 0.05, "Caruana's weight against the float64 optimum " + bestW);
        assertTrue(w[0] > 0 && w[1] > 0, "both members are needed");
    }

    @Test
    void caruanaAndRandomAreNeverWorseOnValidationThanTheirBaselines() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        int rows = 300, classes = 4;
        int[] y = randomLabels(rng, rows, classes);
        List<Probabilities> val = new ArrayList<>();
        for (int m = 0; m < 5; m++) val.add(randomMember(rng, rows, classes, y, 0.5 + m * 0.4));
        double bestSingle = Double.POSITIVE_INFINITY;
        for (Probabilities p : val) bestSingle = Math.min(bestSingle, p.logLoss(y));
        double caruana = Probabilities.blend(val, EnsembleWeights.caruana(val, y, 50)).logLoss(y);
        double average = Probabilities.blend(val, EnsembleWeights.average(5)).logLoss(y);
        double random = Probabilities.blend(val, EnsembleWeights.random(val, y, 500, rng.nextLong())).logLoss(y);
        assertTrue(caruana <= bestSingle + 1e-6, "caruana " + caruana + " vs best single " + bestSingle);
        assertTrue(random <= average + 1e-6, "random " + random + " vs average " + average);
    }

    @Test
    void randomSearchIsReproducibleForASeed() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        int[] y = randomLabels(rng, 100, 3);
        List<Probabilities> val = List.of(randomMember(rng, 100, 3, y, 1), randomMember(rng, 100, 3, y, 2), randomMember(rng, 100, 3, y, 0.5));
        assertArrayEquals(EnsembleWeights.random(val, y, 300, 7), EnsembleWeights.random(val, y, 300, 7));
    }

    @Test
    void badInputIsRefused() {
        int[] y = {0, 1};
        Probabilities p = new Probabilities(2, 2, new float[] {0.5f, 0.5f, 0.2f, 0.8f});
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.caruana(List.of(), y, 10));
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.caruana(List.of(p), new int[] {0, 1, 1}, 10));
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.caruana(List.of(p), new int[] {0, 2}, 10));
        assertThrows(IllegalArgumentException.class, () -> EnsembleWeights.Method.parse("best"));
        assertThrows(IllegalArgumentException.class, () -> Probabilities.blend(List.of(p), new double[] {-1}));
    }
}
