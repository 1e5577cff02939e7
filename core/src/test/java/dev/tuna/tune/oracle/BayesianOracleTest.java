package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.Condition;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Hyperparameter.Sampling;
import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import dev.tuna.tune.TrialState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The Gaussian process against direct float64 formulas and finite differences, and the oracle's contract:
 * reproducible, random for its initial phase, never a repeat, DONE when a finite space is used up, parallel
 * proposals spread by the kriging believer, conditional and fixed hyperparameters, and better than random search
 * on a synthetic mixed objective. Every test draws fresh random inputs and reports its seed.
 */
class BayesianOracleTest {

    // ---- Gaussian process ------------------------------------------------------------------------

    @Test
    void matern52MatchesTheDirectFormula() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int trial = 0; trial < 200; trial++) {
            int d = 1 + rng.nextInt(6);
            double[] a = new double[d], b = new double[d], ls = new double[d];
            for (int k = 0; k < d; k++) {
                a[k] = rng.nextDouble();
                b[k] = rng.nextDouble();
                ls[k] = Math.exp(rng.nextDouble(Math.log(0.01), Math.log(10)));
            }
            double sf2 = Math.exp(rng.nextDouble(-3, 3));
            double r = 0;
            for (int k = 0; k < d; k++) r += Math.pow((a[k] - b[k]) / ls[k], 2);
            r = Math.sqrt(r);
            double expected = sf2 * (1 + Math.sqrt(5) * r + 5 * r * r / 3) * Math.exp(-Math.sqrt(5) * r);
            double got = GaussianProcess.matern52(a, b, ls, sf2);
            assertEquals(expected, got, 1e-12 * sf2, "seed " + seed);
            assertEquals(got, GaussianProcess.matern52(b, a, ls, sf2), 0, "symmetric; seed " + seed);
            assertEquals(sf2, GaussianProcess.matern52(a, a, ls, sf2), 1e-15 * sf2, "k(a, a) = sf2; seed " + seed);
        }
    }

    @Test
    void posteriorReproducesTrainingTargetsWithTinyNoiseAndRevertsToThePriorFarAway() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 12, d = 3;
        double[][] x = randomPoints(rng, n, d);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = rng.nextDouble(-2, 2);
        double sf2 = rng.nextDouble(0.5, 2);
        double[] theta = {Math.log(0.2), Math.log(0.3), Math.log(0.25), Math.log(sf2), Math.log(1e-10)};
        GaussianProcess gp = new GaussianProcess(x, y, theta);
        for (int i = 0; i < n; i++) {
            double[] p = gp.predict(x[i]);
            assertEquals(y[i], p[0], 1e-5, "mean at training point " + i + "; seed " + seed);
            assertTrue(p[1] >= 0 && p[1] < 1e-6, "variance at training point " + i + " is " + p[1] + "; seed " + seed);
        }
        // Between the points the variance is positive; far outside the data the prior comes back.
        double[] mid = gp.predict(new double[] {rng.nextDouble(), rng.nextDouble(), rng.nextDouble()});
        assertTrue(mid[1] > 1e-8, "variance off the data; seed " + seed);
        double[] far = gp.predict(new double[] {40, -40, 40});
        assertEquals(0, far[0], 1e-9, "seed " + seed);
        assertEquals(sf2, far[1], 1e-9, "seed " + seed);

        // And against a direct solve of the 2-point case: mean = k*^T K^-1 y, var = sf2 - k*^T K^-1 k*.
        double[][] x2 = {x[0], x[1]};
        double sn2 = rng.nextDouble(0.01, 0.5);
        double[] ls = {0.2, 0.3, 0.25};
        double[] th2 = {Math.log(ls[0]), Math.log(ls[1]), Math.log(ls[2]), Math.log(sf2), Math.log(sn2)};
        GaussianProcess gp2 = new GaussianProcess(x2, new double[] {y[0], y[1]}, th2);
        double k01 = GaussianProcess.matern52(x[0], x[1], ls, sf2);
        double a = sf2 + sn2, det = a * a - k01 * k01;
        double[] u = {rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
        double k0 = GaussianProcess.matern52(u, x[0], ls, sf2), k1 = GaussianProcess.matern52(u, x[1], ls, sf2);
        double w0 = (a * k0 - k01 * k1) / det, w1 = (a * k1 - k01 * k0) / det;
        double[] p = gp2.predict(u);
        assertEquals(w0 * y[0] + w1 * y[1], p[0], 1e-10, "seed " + seed);
        assertEquals(sf2 - w0 * k0 - w1 * k1, p[1], 1e-10, "seed " + seed);
    }

    @Test
    void logMarginalLikelihoodMatchesADirectFormulaAndItsGradientAFiniteDifference() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        // Two points: K = [[a, c], [c, a]] so log|K| and K^-1 are closed forms.
        {
            int d = 2;
            double[][] x = randomPoints(rng, 2, d);
            double[] y = {rng.nextDouble(-2, 2), rng.nextDouble(-2, 2)};
            double[] ls = {rng.nextDouble(0.05, 2), rng.nextDouble(0.05, 2)};
            double sf2 = rng.nextDouble(0.2, 3), sn2 = rng.nextDouble(1e-4, 0.5);
            double c = GaussianProcess.matern52(x[0], x[1], ls, sf2), a = sf2 + sn2, det = a * a - c * c;
            double quad = (a * y[0] * y[0] - 2 * c * y[0] * y[1] + a * y[1] * y[1]) / det;
            double expected = -0.5 * quad - 0.5 * Math.log(det) - Math.log(2 * Math.PI);
            double[] theta = {Math.log(ls[0]), Math.log(ls[1]), Math.log(sf2), Math.log(sn2)};
            assertEquals(expected, GaussianProcess.logMarginalLikelihood(x, y, theta, null), 1e-10, "seed " + seed);
        }
        for (int rep = 0; rep < 5; rep++) {
            int n = 8 + rng.nextInt(15), d = 1 + rng.nextInt(4);
            double[][] x = randomPoints(rng, n, d);
            double[] y = new double[n];
            for (int i = 0; i < n; i++) y[i] = Math.sin(5 * x[i][0]) + rng.nextGaussian() * 0.3;
            double[] theta = new double[d + 2];
            for (int k = 0; k < d; k++) theta[k] = rng.nextDouble(Math.log(0.05), Math.log(2));
            theta[d] = rng.nextDouble(-1.5, 1.5);
            theta[d + 1] = rng.nextDouble(Math.log(1e-3), Math.log(0.5));
            double[] grad = new double[d + 2];
            double f = GaussianProcess.logMarginalLikelihood(x, y, theta, grad);
            assertEquals(f, GaussianProcess.logMarginalLikelihood(x, y, theta, null), 0, "seed " + seed);
            double h = 1e-5;
            for (int j = 0; j < d + 2; j++) {
                double[] tp = theta.clone(), tm = theta.clone();
                tp[j] += h;
                tm[j] -= h;
                double fd = (GaussianProcess.logMarginalLikelihood(x, y, tp, null) - GaussianProcess.logMarginalLikelihood(x, y, tm, null)) / (2 * h);
                assertEquals(fd, grad[j], 1e-5 * Math.max(1, Math.abs(fd)), "d/dtheta_" + j + " (n " + n + ", d " + d + "); seed " + seed);
            }
        }
    }

    @Test
    void fittingRaisesTheLikelihoodAndFindsTheIrrelevantDimension() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 30;
        double[][] x = randomPoints(rng, n, 2);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Math.sin(6 * x[i][0]) + 0.01 * rng.nextGaussian(); // ignores x[1]
        double[] start = {Math.log(0.3), Math.log(0.3), 0, Math.log(1e-3)};
        double[] theta = GaussianProcess.fit(x, y, new SplittableRandom(seed + 1), 3);
        double[] lo = GaussianProcess.lowerBounds(2), hi = GaussianProcess.upperBounds(2);
        for (int k = 0; k < theta.length; k++) assertTrue(theta[k] >= lo[k] - 1e-12 && theta[k] <= hi[k] + 1e-12, "theta within bounds; seed " + seed);
        double fitted = GaussianProcess.logMarginalLikelihood(x, y, theta, null);
        assertTrue(fitted > GaussianProcess.logMarginalLikelihood(x, y, start, null), "seed " + seed);
        assertTrue(Math.exp(theta[1]) > 3 * Math.exp(theta[0]),
                "length scales " + Math.exp(theta[0]) + ", " + Math.exp(theta[1]) + ": the unused dimension should be much longer; seed " + seed);
        assertTrue(Math.exp(theta[3]) < 0.01, "noise " + Math.exp(theta[3]) + " for nearly noiseless data; seed " + seed);
    }

    @Test
    void fittingManyPointsThroughASubsetReachesTheFullFitsLikelihood() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 2 * GaussianProcess.FIT_SUBSET + 1 + rng.nextInt(40);
        double[][] x = randomPoints(rng, n, 2);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = Math.sin(6 * x[i][0]) + 0.01 * rng.nextGaussian(); // ignores x[1]
        double[] start = {Math.log(0.3), Math.log(0.3), 0, Math.log(1e-3)};
        double[] theta = GaussianProcess.fit(x, y, new SplittableRandom(seed + 1), 3);
        double[] full = GaussianProcess.fitOnAllPoints(x, y, new SplittableRandom(seed + 1), 3);
        double[] lo = GaussianProcess.lowerBounds(2), hi = GaussianProcess.upperBounds(2);
        for (int k = 0; k < theta.length; k++) assertTrue(theta[k] >= lo[k] - 1e-12 && theta[k] <= hi[k] + 1e-12, "theta within bounds; seed " + seed);
        // The fit maximises the likelihood plus the length scales' prior: compare that.
        double fitted = GaussianProcess.logMarginalLikelihood(x, y, theta, null) + GaussianProcess.logPrior(theta, null);
        double best = GaussianProcess.logMarginalLikelihood(x, y, full, null) + GaussianProcess.logPrior(full, null);
        assertTrue(fitted > GaussianProcess.logMarginalLikelihood(x, y, start, null) + GaussianProcess.logPrior(start, null), "seed " + seed);
        // One nat over more than a hundred points: the same optimum up to where L-BFGS stops.
        assertTrue(fitted > best - 1, "subset-and-polish " + fitted + " vs every start on all points " + best + " (n " + n + "); seed " + seed);
        assertTrue(Math.exp(theta[1]) > 3 * Math.exp(theta[0]), "the unused dimension should be much longer; seed " + seed);
    }

    @Test
    void blockPredictionMatchesOnePointAtATime() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 5 + rng.nextInt(60), d = 1 + rng.nextInt(5);
        double[][] x = randomPoints(rng, n, d);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = rng.nextDouble(-2, 2);
        double[] theta = new double[d + 2];
        for (int k = 0; k < d; k++) theta[k] = rng.nextDouble(Math.log(0.05), Math.log(2));
        theta[d] = rng.nextDouble(-1, 1);
        theta[d + 1] = rng.nextDouble(Math.log(1e-5), Math.log(0.1));
        GaussianProcess gp = new GaussianProcess(x, y, theta);
        for (int rep = 0; rep < 3; rep++) { // the work matrix is reused between blocks
            int m = 1 + rng.nextInt(GaussianProcess.BLOCK);
            double[][] us = randomPoints(rng, m, d);
            double[] mean = new double[m], var = new double[m];
            gp.predict(us, m, mean, var);
            for (int c = 0; c < m; c++) {
                double[] p = gp.predict(us[c]);
                assertEquals(p[0], mean[c], 1e-10 * Math.max(1, Math.abs(p[0])), "mean of point " + c + " (n " + n + ", d " + d + "); seed " + seed);
                assertEquals(p[1], var[c], 1e-10, "variance of point " + c + " (n " + n + ", d " + d + "); seed " + seed);
            }
        }
    }

    @Test
    void choleskyEscalatesJitterOnASingularMatrix() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        // Duplicated points with no noise: K is exactly singular; the process still conditions and predicts.
        double[][] x = randomPoints(rng, 5, 2);
        double[][] dup = {x[0], x[1], x[2], x[0], x[1]};
        double[] y = {0.3, -0.2, 1.0, 0.3, -0.2};
        GaussianProcess gp = new GaussianProcess(dup, y, new double[] {Math.log(0.3), Math.log(0.3), 0, -1000});
        assertTrue(gp.jitter() > 0, "seed " + seed);
        double[] p = gp.predict(x[2]);
        assertEquals(1.0, p[0], 1e-3, "seed " + seed);
        assertTrue(Double.isFinite(p[1]), "seed " + seed);
    }

    @Test
    void krigingBelieverKeepsTheMeanAndCollapsesTheVarianceAtRunningPoints() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 10, d = 2;
        double[][] x = randomPoints(rng, n, d);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = rng.nextGaussian();
        double[] theta = {Math.log(0.3), Math.log(0.4), 0, Math.log(1e-4)};
        GaussianProcess gp = new GaussianProcess(x, y, theta);
        // Two running points where the data leave room: the most uncertain of a few random ones.
        List<double[]> candidates = new ArrayList<>(List.of(randomPoints(rng, 200, d)));
        candidates.sort((a, b) -> Double.compare(gp.predict(b)[1], gp.predict(a)[1]));
        List<double[]> pending = List.of(candidates.get(0), candidates.get(1));
        GaussianProcess believed = BayesianOracle.believe(gp, x, y, pending, theta);
        for (double[] u : pending) {
            assertTrue(gp.predict(u)[1] > 1e-3, "variance before; seed " + seed);
            assertTrue(believed.predict(u)[1] < 1e-3, "variance at a running point " + believed.predict(u)[1] + "; seed " + seed);
        }
        for (double[] u : randomPoints(rng, 20, d)) {
            double[] before = gp.predict(u), after = believed.predict(u);
            assertEquals(before[0], after[0], 1e-6, "the mean is unchanged; seed " + seed);
            assertTrue(after[1] <= before[1] + 1e-9, "the variance never grows; seed " + seed);
        }
    }

    @Test
    void expectedImprovementMatchesItsDefinition() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < 200; i++) {
            double gap = rng.nextDouble(-6, 3), sd = Math.exp(rng.nextDouble(-3, 1));
            // E[max(f - best, 0)] by the trapezoid rule over f = mu + sd z.
            double sum = 0, h = 1e-3;
            for (double z = -12; z <= 12; z += h) {
                double imp = gap + sd * z;
                if (imp > 0) sum += imp * Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI) * h;
            }
            double got = Math.exp(BayesianOracle.logExpectedImprovement(gap, sd));
            assertEquals(sum, got, 1e-5 * sum + 1e-12, "gap " + gap + ", sd " + sd + "; seed " + seed);
        }
        // Far in the tail it stays finite and ordered.
        double a = BayesianOracle.logExpectedImprovement(-50, 1), b = BayesianOracle.logExpectedImprovement(-60, 1);
        assertTrue(Double.isFinite(a) && Double.isFinite(b) && a > b, "seed " + seed);
    }

    @Test
    void targetsAreStandardisedAfterTheBadTailIsCompressed() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 9 + rng.nextInt(20);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.nextGaussian();
        v[rng.nextInt(n)] = -1000; // a diverged trial
        double[] w = BayesianOracle.compressBadTail(v);
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        double median = (n % 2 == 1) ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        for (int i = 0; i < n; i++) {
            if (v[i] >= median) assertEquals(v[i], w[i], 0, "the better half is untouched; seed " + seed);
            else assertTrue(w[i] < median && w[i] >= v[i], "seed " + seed);
            for (int j = 0; j < n; j++) assertEquals(Double.compare(v[i], v[j]), Double.compare(w[i], w[j]), "order kept; seed " + seed);
        }
        assertTrue(Arrays.stream(w).min().getAsDouble() > median - 20, "the outlier is pulled in: " + Arrays.toString(w) + "; seed " + seed);

        double[] y = BayesianOracle.standardise(w);
        double mean = Arrays.stream(y).average().getAsDouble(), var = Arrays.stream(y).map(a -> (a - mean) * (a - mean)).sum() / n;
        assertEquals(0, mean, 1e-12, "seed " + seed);
        assertEquals(1, var, 1e-12, "seed " + seed);
        double c = rng.nextDouble();
        assertEquals(0, Arrays.stream(BayesianOracle.standardise(new double[] {c, c, c})).map(Math::abs).max().getAsDouble(), 1e-15, "std 0 divides by 1");
    }

    // ---- the oracle ------------------------------------------------------------------------------

    @Test
    void sameInputsGiveTheSameProposalAndAnotherSeedAnother() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        SearchSpace space = mixedSpace();
        double[] centre = {rng.nextDouble(0.2, 0.8), rng.nextDouble(0.2, 0.8), rng.nextDouble(0.2, 0.8), 0.5};
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            Map<String, Object> v = space.sample(rng);
            double[] u = space.encode(v);
            double score = 0;
            for (int k = 0; k < u.length; k++) score -= (u[k] - centre[k]) * (u[k] - centre[k]);
            boolean running = i == 13;
            trials.add(new Trial(i, v, running ? TrialState.RUNNING : TrialState.COMPLETE, running ? Double.NaN : score, Map.of()));
        }
        long s = rng.nextLong();
        for (int number : new int[] {3, 12, 14, 15}) { // an initial-phase trial, then the model's
            List<Trial> seen = trials.subList(0, number);
            Proposal a = new BayesianOracle(s).propose(space, seen, number);
            Proposal b = new BayesianOracle(s).propose(space, new ArrayList<>(seen), number);
            assertEquals(Proposal.Kind.TRY, a.kind());
            assertEquals(a, b, "trial " + number + "; seed " + seed);
            Proposal c = new BayesianOracle(s + 1).propose(space, seen, number);
            if (number == 3 || !a.values().equals(c.values())) {
                assertNotEquals(a.values(), c.values(), "another seed, trial " + number + "; seed " + seed);
            } else {
                // The acquisition is the same whatever the seed, only its search differs: two searches can only
                // agree exactly where the continuous coordinates are clamped to the cube's faces.
                double[] u = space.encode(a.values());
                assertTrue((u[0] == 0 || u[0] == 1) && (u[1] == 0 || u[1] == 1), "two seeds agree on an interior point " + a.values() + "; seed " + seed);
            }
        }
    }

    @Test
    void theInitialPhaseIsRandomForMaxOfThreeTimesTheDimensionsAndThree() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        SearchSpace space = mixedSpace(); // 4 dimensions and a fixed value: 12 random trials
        long s = rng.nextLong();
        BayesianOracle oracle = new BayesianOracle(s);
        assertEquals(12, oracle.initialPoints(space));
        List<Trial> trials = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            Proposal p = oracle.propose(space, trials, i);
            assertEquals(space.sample(Oracle.rng(s, i)), p.values(), "trial " + i + " is the plain random draw; seed " + seed);
            assertTrue(keys.add(space.key(p.values())), "seed " + seed);
            // Failed and running trials count towards the initial phase too.
            TrialState state = i % 4 == 1 ? TrialState.FAILED : i % 4 == 2 ? TrialState.RUNNING : TrialState.COMPLETE;
            trials.add(new Trial(i, p.values(), state, state == TrialState.COMPLETE ? mixedObjective(p.values()) : Double.NaN, Map.of()));
        }
        Proposal modelled = oracle.propose(space, trials, 12);
        assertNotEquals(space.sample(Oracle.rng(s, 12)), modelled.values(), "trial 12 comes from the model; seed " + seed);
        assertFalse(keys.contains(space.key(modelled.values())), "seed " + seed);

        // One dimension: still 3; an explicit count wins.
        SearchSpace one = new SearchSpace(List.of(Hyperparameter.floatRange("lr", 1e-4, 1e-1, 0, Sampling.LOG, null, null)));
        assertEquals(3, new BayesianOracle(s).initialPoints(one));
        BayesianOracle five = new BayesianOracle(s, 5, "ei", 2.6);
        assertEquals(5, five.initialPoints(space));
        List<Trial> t5 = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Proposal p = five.propose(space, t5, i);
            assertEquals(space.sample(Oracle.rng(s, i)), p.values(), "seed " + seed);
            t5.add(new Trial(i, p.values(), TrialState.COMPLETE, mixedObjective(p.values()), Map.of()));
        }
        assertNotEquals(space.sample(Oracle.rng(s, 5)), five.propose(space, t5, 5).values(), "seed " + seed);
    }

    @Test
    void allFailedAfterTheInitialPhaseGivesARandomPoint() {
        long seed = System.nanoTime();
        SearchSpace space = mixedSpace();
        BayesianOracle oracle = new BayesianOracle(seed);
        List<Trial> trials = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < 15; i++) {
            boolean ok = i == 7; // a single complete trial is not a model
            Map<String, Object> v = space.sample(rng);
            trials.add(new Trial(i, v, ok ? TrialState.COMPLETE : TrialState.FAILED, ok ? 1.0 : Double.NaN, Map.of()));
        }
        assertEquals(space.sample(Oracle.rng(seed, 15)), oracle.propose(space, trials, 15).values(), "seed " + seed);
    }

    @Test
    void neverRepeatsAConfigurationAndIsDoneWhenAFiniteSpaceIsUsedUp() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        // 3 x 2 x 2 = 12 configurations, the last dimension only active when kind = deep: 3 x (2 + 1) = 9 distinct ones.
        SearchSpace space = new SearchSpace(List.of(
                Hyperparameter.intRange("units", 1, 3, 1, Sampling.LINEAR, null, null),
                Hyperparameter.choice("kind", List.of("wide", "deep"), null, null),
                Hyperparameter.bool("dropout", false, new Condition("kind", List.of("deep"))),
                Hyperparameter.fixed("epochs", 3, null)));
        for (String acq : List.of("ei", "ucb")) {
            BayesianOracle oracle = new BayesianOracle(rng.nextLong(), 4, acq, 2.6);
            List<Trial> trials = new ArrayList<>();
            Set<String> keys = new HashSet<>();
            for (int i = 0; i < 9; i++) {
                Proposal p = oracle.propose(space, trials, i);
                assertEquals(Proposal.Kind.TRY, p.kind(), "trial " + i + " (" + acq + "); seed " + seed);
                assertTrue(keys.add(space.key(p.values())), "trial " + i + " repeats " + p.values() + " (" + acq + "); seed " + seed);
                assertEquals(space.normalize(p.values()), p.values(), "seed " + seed);
                TrialState state = i % 3 == 0 ? TrialState.FAILED : i % 5 == 0 ? TrialState.RUNNING : TrialState.COMPLETE;
                trials.add(new Trial(i, p.values(), state, state == TrialState.COMPLETE ? rng.nextDouble() : Double.NaN, Map.of()));
            }
            assertEquals(Proposal.Kind.DONE, oracle.propose(space, trials, 9).kind(), acq + "; seed " + seed);
        }
        // Used up during the initial phase: two configurations, three random trials wanted.
        SearchSpace tiny = new SearchSpace(List.of(Hyperparameter.bool("shuffle", false, null), Hyperparameter.fixed("epochs", 3, null)));
        BayesianOracle o2 = new BayesianOracle(rng.nextLong());
        List<Trial> t2 = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Proposal p = o2.propose(tiny, t2, i);
            assertEquals(Proposal.Kind.TRY, p.kind(), "seed " + seed);
            t2.add(new Trial(i, p.values(), TrialState.RUNNING, Double.NaN, Map.of()));
        }
        assertNotEquals(t2.get(0).values(), t2.get(1).values(), "seed " + seed);
        assertEquals(Proposal.Kind.DONE, o2.propose(tiny, t2, 2).kind(), "seed " + seed);
        // No dimension at all: the one configuration of fixed values, then done.
        SearchSpace fixedOnly = new SearchSpace(List.of(Hyperparameter.fixed("epochs", 3, null)));
        Proposal only = o2.propose(fixedOnly, List.of(), 0);
        assertEquals(Map.of("epochs", 3), only.values());
        assertEquals(Proposal.Kind.DONE, o2.propose(fixedOnly, List.of(new Trial(0, only.values(), TrialState.COMPLETE, 1, Map.of())), 1).kind());

        // A continuous space with a finite part: many trials, none repeated (the model keeps wanting the same corner).
        SearchSpace mixed = new SearchSpace(List.of(
                Hyperparameter.choice("opt", List.of("adam", "sgd"), null, null),
                Hyperparameter.floatRange("lr", 0, 1, 0, Sampling.LINEAR, null, null)));
        BayesianOracle oracle = new BayesianOracle(rng.nextLong(), 3, "ei", 2.6);
        List<Trial> trials = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            Proposal p = oracle.propose(mixed, trials, i);
            assertTrue(keys.add(mixed.key(p.values())), "trial " + i + "; seed " + seed);
            double lr = (Double) p.values().get("lr");
            trials.add(new Trial(i, p.values(), TrialState.COMPLETE, ("sgd".equals(p.values().get("opt")) ? 1 : 0) + lr, Map.of()));
        }
    }

    @Test
    void aDuplicateOfEveryCandidateFallsBackToARandomUntriedPoint() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        // 5000 configurations: too many to score exhaustively, so candidates are sampled; all but one are tried.
        SearchSpace space = new SearchSpace(List.of(
                Hyperparameter.intRange("a", 1, 50, 1, Sampling.LINEAR, null, null),
                Hyperparameter.intRange("b", 1, 100, 1, Sampling.LINEAR, null, null)));
        long missingA = 1 + rng.nextInt(50), missingB = 1 + rng.nextInt(100);
        List<Trial> trials = new ArrayList<>();
        for (long a = 1; a <= 50; a++) {
            for (long b = 1; b <= 100; b++) {
                if (a == missingA && b == missingB) continue;
                trials.add(new Trial(trials.size(), Map.of("a", a, "b", b), TrialState.COMPLETE, -Math.abs(a - 25) - Math.abs(b - 50) * 0.5, Map.of()));
            }
        }
        // A smaller slice keeps the model fast: the other tried points are failed.
        List<Trial> view = new ArrayList<>();
        for (Trial t : trials) {
            boolean keep = t.number() % 250 == 0;
            view.add(keep ? t : new Trial(t.number(), t.values(), TrialState.FAILED, Double.NaN, Map.of()));
        }
        BayesianOracle oracle = new BayesianOracle(rng.nextLong());
        Proposal p = oracle.propose(space, view, view.size());
        assertEquals(Proposal.Kind.TRY, p.kind(), "seed " + seed);
        assertEquals(Map.of("a", missingA, "b", missingB), p.values(), "seed " + seed);
        view.add(new Trial(view.size(), p.values(), TrialState.RUNNING, Double.NaN, Map.of()));
        assertEquals(Proposal.Kind.DONE, oracle.propose(space, view, view.size()).kind(), "seed " + seed);
    }

    @Test
    void parallelWorkersSpreadOut() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        SearchSpace space = new SearchSpace(List.of(
                Hyperparameter.floatRange("x", 0, 1, 0, Sampling.LINEAR, null, null),
                Hyperparameter.floatRange("y", 0, 1, 0, Sampling.LINEAR, null, null)));
        ToDoubleFunction<Map<String, Object>> f = v -> -Math.pow((Double) v.get("x") - 0.7, 2) - Math.pow((Double) v.get("y") - 0.3, 2);
        BayesianOracle oracle = new BayesianOracle(rng.nextLong());
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Map<String, Object> v = space.sample(rng);
            trials.add(new Trial(i, v, TrialState.COMPLETE, f.applyAsDouble(v), Map.of()));
        }
        // Four workers ask in turn while the others' trials run.
        List<double[]> points = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int number = trials.size();
            Proposal p = oracle.propose(space, trials, number);
            points.add(space.encode(p.values()));
            trials.add(new Trial(number, p.values(), TrialState.RUNNING, Double.NaN, Map.of()));
        }
        // Without the believer all four land on the acquisition's one optimum (typically 5e-4 apart).
        double minDist = Double.POSITIVE_INFINITY, meanDist = 0;
        for (int i = 0; i < points.size(); i++) {
            for (int j = 0; j < i; j++) {
                minDist = Math.min(minDist, dist(points.get(i), points.get(j)));
                meanDist += dist(points.get(i), points.get(j)) / 6;
            }
        }
        assertTrue(minDist > 0.005 && meanDist > 0.03, "parallel proposals " + toString(points) + " are " + minDist + " apart at least, "
                + meanDist + " on average; seed " + seed);
    }

    @Test
    void conditionalAndFixedHyperparameters() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        SearchSpace space = new SearchSpace(List.of(
                Hyperparameter.fixed("epochs", 10, null),
                Hyperparameter.choice("optimizer", List.of("adam", "sgd"), null, null),
                Hyperparameter.floatRange("momentum", 0, 0.99, 0, Sampling.LINEAR, null, new Condition("optimizer", List.of("sgd"))),
                Hyperparameter.floatRange("lr", 1e-4, 1e-1, 0, Sampling.LOG, null, null),
                Hyperparameter.intRange("units", 16, 256, 16, Sampling.LINEAR, null, null)));
        assertEquals(4, space.dimensions());
        BayesianOracle oracle = new BayesianOracle(rng.nextLong(), 0, "ucb", 2.6);
        List<Trial> trials = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        int sgd = 0;
        for (int i = 0; i < 22; i++) {
            Proposal p = oracle.propose(space, trials, i);
            Map<String, Object> v = p.values();
            assertEquals(Proposal.Kind.TRY, p.kind(), "seed " + seed);
            assertEquals(10, v.get("epochs"), "the fixed value is always there; seed " + seed);
            boolean isSgd = "sgd".equals(v.get("optimizer"));
            assertEquals(isSgd, v.containsKey("momentum"), "momentum exists exactly under sgd: " + v + "; seed " + seed);
            assertEquals(space.normalize(v), v, "seed " + seed);
            assertTrue(keys.add(space.key(v)), "seed " + seed);
            if (isSgd) sgd++;
            double lr = (Double) v.get("lr");
            double score = -Math.pow(Math.log10(lr) + 2, 2) + (isSgd ? 1 - Math.pow((Double) v.get("momentum") - 0.9, 2) : 0)
                    - Math.abs((Long) v.get("units") - 128) / 128.0;
            trials.add(new Trial(i, v, TrialState.COMPLETE, score, Map.of()));
        }
        assertTrue(sgd > 0, "seed " + seed);
    }

    @Test
    void settings() {
        BayesianOracle o = BayesianOracle.fromSettings(7, Map.of("num_initial_points", 5, "acquisition", "UCB", "beta", 1.5));
        assertEquals(5, o.numInitialPoints());
        assertEquals("ucb", o.acquisition());
        assertEquals(1.5, o.beta());
        assertEquals("bayesian", o.name());
        BayesianOracle d = BayesianOracle.fromSettings(7, Map.of());
        assertEquals(0, d.numInitialPoints());
        assertEquals("hedge", d.acquisition());
        assertEquals("ei", BayesianOracle.fromSettings(7, Map.of("acquisition", "ei")).acquisition());
        assertEquals(2.6, d.beta());
        assertEquals(5, BayesianOracle.fromSettings(1, Map.of("num_initial_points", 5.0)).numInitialPoints());
        Map<Map<String, Object>, String> bad = new LinkedHashMap<>();
        bad.put(Map.of("num_initial_pts", 3), "num_initial_pts");
        bad.put(Map.of("num_initial_points", 2.5), "num_initial_points");
        bad.put(Map.of("num_initial_points", -1), "num_initial_points");
        bad.put(Map.of("num_initial_points", "five"), "num_initial_points");
        bad.put(Map.of("acquisition", "pi"), "acquisition");
        bad.put(Map.of("acquisition", 3), "acquisition");
        bad.put(Map.of("beta", "high"), "beta");
        bad.put(Map.of("beta", -1), "beta");
        bad.put(Map.of("beta", Double.NaN), "beta");
        for (var e : bad.entrySet()) {
            var ex = assertThrows(IllegalArgumentException.class, () -> BayesianOracle.fromSettings(1, e.getKey()), e.getKey().toString());
            assertTrue(ex.getMessage().contains(e.getValue()) && ex.getMessage().contains("expected"), ex.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new BayesianOracle(1, 0, "poi", 2.6));
    }

    @Test
    void beatsRandomSearchOnAMixedSyntheticObjective() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        SearchSpace space = mixedSpace();
        int budget = 30, runs = 9;
        double[] bayes = new double[runs], random = new double[runs];
        for (int r = 0; r < runs; r++) {
            long s = rng.nextLong();
            BayesianOracle oracle = new BayesianOracle(s);
            List<Trial> trials = new ArrayList<>();
            double best = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < budget; i++) {
                Proposal p = oracle.propose(space, trials, i);
                double score = mixedObjective(p.values());
                best = Math.max(best, score);
                trials.add(new Trial(i, p.values(), TrialState.COMPLETE, score, Map.of()));
            }
            bayes[r] = best;
            SplittableRandom rs = new SplittableRandom(s);
            double rbest = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < budget; i++) rbest = Math.max(rbest, mixedObjective(space.sample(rs)));
            random[r] = rbest;
        }
        double mb = median(bayes), mr = median(random);
        System.out.printf("BayesianOracleTest: best of %d trials over %d runs (optimum -0.398): bayesian median %.3f %s, random median %.3f %s%n",
                budget, runs, mb, Arrays.toString(round(bayes)), mr, Arrays.toString(round(random)));
        assertTrue(mb > mr, "bayesian median " + mb + " vs random " + mr + "; seed " + seed);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** Branin over two float dimensions (one log-sampled), an integer and a choice, plus a fixed value. */
    private static SearchSpace mixedSpace() {
        return new SearchSpace(List.of(
                Hyperparameter.floatRange("x", -5, 10, 0, Sampling.LINEAR, null, null),
                Hyperparameter.floatRange("y", 1, 16, 0, Sampling.LOG, null, null),
                Hyperparameter.intRange("layers", 1, 8, 1, Sampling.LINEAR, null, null),
                Hyperparameter.choice("activation", List.of("relu", "tanh", "gelu"), null, null),
                Hyperparameter.fixed("epochs", 5, null)));
    }

    /**
     * Minus Branin at (x, y - 1) (the log-sampled y makes it uneven in the unit cube), minus 4 ((layers - 5) / 7)^2,
     * minus 0 / 1 / 2 for relu / tanh / gelu: at best -0.398.
     */
    private static double mixedObjective(Map<String, Object> v) {
        double x = (Double) v.get("x"), y = (Double) v.get("y") - 1;
        double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
        double branin = Math.pow(y - b * x * x + c * x - 6, 2) + 10 * (1 - t) * Math.cos(x) + 10;
        long layers = (Long) v.get("layers");
        double act = switch ((String) v.get("activation")) {
            case "relu" -> 0;
            case "tanh" -> 1;
            default -> 2;
        };
        return -branin - 4 * Math.pow((layers - 5) / 7.0, 2) - act;
    }

    private static double[][] randomPoints(SplittableRandom rng, int n, int d) {
        double[][] x = new double[n][d];
        for (double[] row : x) for (int k = 0; k < d; k++) row[k] = rng.nextDouble();
        return x;
    }

    private static double dist(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
        return Math.sqrt(s);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double[] round(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.round(v[i] * 1000) / 1000.0;
        return out;
    }

    private static String toString(List<double[]> points) {
        List<String> s = new ArrayList<>();
        for (double[] p : points) s.add(Arrays.toString(round(p)));
        return s.toString();
    }
}
