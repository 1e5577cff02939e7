package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Hyperparameter.Sampling;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import dev.tuna.tune.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The gp_hedge portfolio of {@link BayesianOracle} and what it adds: probability of improvement against a float64
 * quadrature, the softmax draw against its probabilities, the gains update against the model's posterior mean,
 * and the portfolio drawing the acquisition whose nominees gained most; plus the length-scale prior of
 * {@link GaussianProcess} against a finite difference. Randomised tests print their seed.
 */
class BayesianHedgeTest {

    @Test
    void probabilityOfImprovementMatchesAQuadratureIntoTheFarTail() {
        long seed = System.nanoTime();
        System.out.println("BayesianHedgeTest seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            double gap = rng.nextDouble(-30, 4), sd = Math.exp(rng.nextDouble(-2, 1));
            // P(mu + sd z > best + xi) = P(z > -gap / sd): the trapezoid rule over the standard normal's upper tail,
            // the density scaled by exp(s^2 / 2) (s the start when positive) so that the far tail does not underflow.
            double from = -gap / sd, shift = 0.5 * Math.max(from, 0) * Math.max(from, 0), h = 1e-4, sum = 0;
            for (double z = from; z <= Math.max(from, 0) + 14; z += h) {
                double a = Math.exp(shift - 0.5 * z * z), b = Math.exp(shift - 0.5 * (z + h) * (z + h));
                sum += 0.5 * (a + b) * h / Math.sqrt(2 * Math.PI);
            }
            double got = BayesianOracle.logProbabilityOfImprovement(gap, sd);
            assertEquals(Math.log(sum) - shift, got, 1e-5 * Math.max(1, Math.abs(got)), "gap " + gap + ", sd " + sd + "; seed " + seed);
        }
        double a = BayesianOracle.logProbabilityOfImprovement(-60, 1), b = BayesianOracle.logProbabilityOfImprovement(-70, 1);
        assertTrue(Double.isFinite(a) && Double.isFinite(b) && a > b, "finite and ordered far in the tail; seed " + seed);
    }

    @Test
    void softmaxDrawFollowsTheSoftmaxProbabilities() {
        long seed = System.nanoTime();
        System.out.println("BayesianHedgeTest seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int rep = 0; rep < 20; rep++) {
            double[] gains = {rng.nextDouble(-5, 5), rng.nextDouble(-5, 5), rng.nextDouble(-5, 5)};
            double eta = rng.nextDouble(0.2, 3);
            double[] p = new double[3];
            double z = 0;
            for (int i = 0; i < 3; i++) z += p[i] = Math.exp(eta * gains[i]);
            for (int i = 0; i < 3; i++) p[i] /= z;
            // The draw is the inverse of the cumulative distribution: count it on a fine grid of uniforms.
            int grid = 100_000;
            int[] counts = new int[3];
            for (int j = 0; j < grid; j++) counts[BayesianOracle.softmaxDraw(gains, eta, (j + 0.5) / grid)]++;
            for (int i = 0; i < 3; i++) assertEquals(p[i], counts[i] / (double) grid, 2.0 / grid, "arm " + i + "; seed " + seed);
        }
        // Gains so large that exp overflows without the shift by the maximum.
        assertEquals(1, BayesianOracle.softmaxDraw(new double[] {900, 1000, 950}, 1, 0.5));
    }

    @Test
    void gainsAddThePosteriorMeanAtTheLastNominees() {
        long seed = System.nanoTime();
        System.out.println("BayesianHedgeTest seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        SearchSpace space = square();
        int n = 12;
        double[][] x = new double[n][];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {rng.nextDouble(), rng.nextDouble()};
            y[i] = Math.sin(4 * x[i][0]) + x[i][1];
        }
        GaussianProcess gp = new GaussianProcess(x, y, new double[] {Math.log(0.4), Math.log(0.6), 0, Math.log(1e-4)});
        double[] stored = {rng.nextDouble(-2, 2), rng.nextDouble(-2, 2), rng.nextDouble(-2, 2)};
        double[][] nominees = new double[3][];
        List<Object> points = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nominees[i] = new double[] {rng.nextDouble(), rng.nextDouble()};
            points.add(List.of(nominees[i][0], nominees[i][1]));
        }
        Map<String, Object> meta = Map.of(BayesianOracle.META_HEDGE_GAINS, List.of(stored[0], stored[1], stored[2]), BayesianOracle.META_HEDGE_POINTS, points);
        List<Trial> trials = new ArrayList<>();
        trials.add(new Trial(0, Map.of("a", 0.5, "b", 0.5), TrialState.COMPLETE, 1, Map.of(BayesianOracle.META_HEDGE_GAINS, List.of(9.0, 9.0, 9.0),
                BayesianOracle.META_HEDGE_POINTS, List.of(List.of(0.1, 0.1), List.of(0.2, 0.2), List.of(0.3, 0.3)))));
        trials.add(new Trial(2, Map.of("a", 0.1, "b", 0.9), TrialState.RUNNING, Double.NaN, meta)); // the latest: its state counts
        trials.add(new Trial(1, Map.of("a", 0.9, "b", 0.1), TrialState.COMPLETE, 1, Map.of()));
        double[] got = BayesianOracle.hedgeGains(space, gp, trials, 3);
        for (int i = 0; i < 3; i++) assertEquals(stored[i] + gp.predict(nominees[i])[0], got[i], 1e-12, "arm " + i + "; seed " + seed);
        // No state, or a malformed one, starts from zero gains.
        assertArrayEquals(new double[3], BayesianOracle.hedgeGains(space, gp, List.of(trials.get(2)), 3));
        List<Trial> malformed = List.of(new Trial(3, Map.of("a", 0.1, "b", 0.9), TrialState.COMPLETE, 1, Map.of(BayesianOracle.META_HEDGE_GAINS, List.of(1.0, 2.0),
                BayesianOracle.META_HEDGE_POINTS, points)));
        assertArrayEquals(new double[3], BayesianOracle.hedgeGains(space, gp, malformed, 3));
    }

    @Test
    void theHedgeDrawsTheAcquisitionWhoseNomineesGainedMost() {
        long seed = System.nanoTime();
        System.out.println("BayesianHedgeTest seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        SearchSpace space = square();
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Map<String, Object> v = space.sample(rng);
            trials.add(new Trial(i, v, TrialState.COMPLETE, objective(v), Map.of()));
        }
        List<Object> points = List.of(List.of(0.3, 0.3), List.of(0.6, 0.6), List.of(0.9, 0.1));
        String[] names = {"ei", "pi", "ucb"};
        for (int favoured = 0; favoured < 3; favoured++) {
            List<Double> gains = new ArrayList<>(List.of(0.0, 0.0, 0.0));
            gains.set(favoured, 8.0); // e^8 against the others: the favoured arm has probability above 0.999
            List<Trial> seen = new ArrayList<>(trials);
            seen.add(new Trial(10, Map.of("a", 0.0, "b", 15.0), TrialState.COMPLETE, objective(Map.of("a", 0.0, "b", 15.0)),
                    Map.of(BayesianOracle.META_HEDGE_GAINS, gains, BayesianOracle.META_HEDGE_POINTS, points)));
            int hits = 0, runs = 20;
            for (int r = 0; r < runs; r++) {
                Proposal p = new BayesianOracle(rng.nextLong(), 0, BayesianOracle.HEDGE, BayesianOracle.DEFAULT_BETA).propose(space, seen, 11);
                assertEquals(Proposal.Kind.TRY, p.kind());
                if (names[favoured].equals(p.meta().get(BayesianOracle.META_ACQUISITION))) hits++;
                assertEquals(3, ((List<?>) p.meta().get(BayesianOracle.META_HEDGE_POINTS)).size(), "seed " + seed);
            }
            assertTrue(hits >= runs - 1, names[favoured] + " drawn " + hits + " of " + runs + " times; seed " + seed);
        }
    }

    @Test
    void theLengthScalePriorsGradientMatchesAFiniteDifference() {
        long seed = System.nanoTime();
        System.out.println("BayesianHedgeTest seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int rep = 0; rep < 10; rep++) {
            int d = 1 + rng.nextInt(6);
            double[] theta = new double[d + 2];
            for (int k = 0; k < theta.length; k++) theta[k] = rng.nextDouble(-4, 2);
            double[] grad = new double[d + 2];
            double[] base = new double[d + 2];
            for (int k = 0; k < base.length; k++) grad[k] = base[k] = rng.nextDouble(-1, 1); // the prior adds into grad
            double v = GaussianProcess.logPrior(theta, grad);
            double expected = 0;
            for (int k = 0; k < d; k++) expected += (GaussianProcess.PRIOR_SHAPE - 1) * theta[k] - GaussianProcess.PRIOR_RATE * Math.exp(theta[k]) + theta[k];
            assertEquals(expected, v, 1e-12 * Math.max(1, Math.abs(expected)), "seed " + seed);
            double h = 1e-6;
            for (int k = 0; k < d + 2; k++) {
                double[] tp = theta.clone(), tm = theta.clone();
                tp[k] += h;
                tm[k] -= h;
                double fd = (GaussianProcess.logPrior(tp, null) - GaussianProcess.logPrior(tm, null)) / (2 * h);
                assertEquals(fd, grad[k] - base[k], 1e-6 * Math.max(1, Math.abs(fd)), "d/dtheta_" + k + "; seed " + seed);
            }
        }
    }

    private static SearchSpace square() {
        return new SearchSpace(List.of(
                Hyperparameter.floatRange("a", -5, 10, 0, Sampling.LINEAR, null, null),
                Hyperparameter.floatRange("b", 0, 15, 0, Sampling.LINEAR, null, null)));
    }

    /** Minus Branin. */
    private static double objective(Map<String, Object> v) {
        double x = ((Number) v.get("a")).doubleValue(), y = ((Number) v.get("b")).doubleValue();
        double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        return -(Math.pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * Math.cos(x) + 10);
    }
}
