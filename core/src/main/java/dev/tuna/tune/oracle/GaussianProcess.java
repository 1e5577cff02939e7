package dev.tuna.tune.oracle;

import java.util.SplittableRandom;

/**
 * Gaussian-process regression on the unit cube for {@link BayesianOracle}: a Matern 5/2 kernel with one length
 * scale per dimension (ARD), a signal variance and an observation-noise variance, everything in double.
 *
 * <p>The kernel's hyperparameters travel as {@code theta = [log l_1, ..., log l_d, log sf2, log sn2]}:
 * {@code k(a, b) = sf2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r)} with {@code r^2 = sum_i ((a_i - b_i) / l_i)^2},
 * plus {@code sn2} on the diagonal of the training covariance. {@link #fit} maximises the log marginal
 * likelihood plus a Gamma prior on the length scales over a box ({@link #lowerBounds}, {@link #upperBounds}) with L-BFGS on analytic gradients, from a
 * fixed start and a few random ones (on a spread-out subset of the points when there are many, then polished on
 * all of them). A covariance that is not numerically positive definite gets an escalating jitter on its diagonal
 * (from 1e-10 of its mean diagonal up to its mean diagonal).
 *
 * <p>The predictive variance is the latent function's (no observation noise): what an acquisition function wants.
 * A process is used by one thread at a time: block prediction reuses a work matrix.
 */
final class GaussianProcess {
    static final double SQRT5 = Math.sqrt(5);
    private static final double LOG_2PI = StrictMath.log(2 * Math.PI);

    /** Bounds in the unit cube for a length scale, and for the variances of standardised targets. */
    static final double LENGTH_MIN = 0.01, LENGTH_MAX = 10;
    static final double SIGNAL_MIN = 0.01, SIGNAL_MAX = 3;
    static final double NOISE_MIN = 1e-6, NOISE_MAX = 1;

    /** L-BFGS iteration caps: a fit from scratch, and the polish of a subset's fit on all the points. */
    static final int FIT_ITERATIONS = 80;
    static final int POLISH_ITERATIONS = 20;
    /** Above this many points the restarts run on this many of them, and only the winner is polished on all. */
    static final int FIT_SUBSET = 64;

    private final double[][] x;
    private final double[] y;
    private final double[] lengths;
    private final double sf2;
    private final double sn2;
    private final double[][] chol;   // upper-triangular U with U^T U = K + (sn2 + jitter) I
    private final double[] alpha;    // K^-1 y
    private final double jitter;

    /** Conditions a process with these hyperparameters (log scale, see the class comment) on the points x and targets y. */
    GaussianProcess(double[][] x, double[] y, double[] theta) {
        this(x, y, theta, x.length);
    }

    /**
     * As {@link #GaussianProcess(double[][], double[], double[])}, but only the first {@code observed} targets are
     * noisy observations; the rest are taken as exact values of the latent function (noise {@link #NOISE_MIN}):
     * the believed values of running trials, whose neighbourhood should look explored whatever the noise level.
     */
    GaussianProcess(double[][] x, double[] y, double[] theta, int observed) {
        int n = x.length;
        if (n == 0 || y.length != n) throw new IllegalArgumentException("expected matching, non-empty points and targets");
        int d = x[0].length;
        if (theta.length != d + 2) throw new IllegalArgumentException("expected " + (d + 2) + " kernel hyperparameters, got " + theta.length);
        this.x = x;
        this.y = y.clone();
        this.lengths = new double[d];
        for (int k = 0; k < d; k++) lengths[k] = StrictMath.exp(theta[k]);
        this.sf2 = StrictMath.exp(theta[d]);
        this.sn2 = StrictMath.exp(theta[d + 1]);
        double[][] cov = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) cov[i][j] = matern52(x[i], x[j], lengths, sf2);
            cov[i][i] = sf2 + (i < Math.max(0, observed) ? sn2 : Math.min(sn2, NOISE_MIN));
        }
        this.chol = new double[n][n];
        this.jitter = Cholesky.factor(cov, chol);
        if (Double.isNaN(jitter)) throw new ArithmeticException("the kernel matrix is not positive definite even with jitter");
        this.alpha = Cholesky.solve(chol, this.y);
    }

    int size() { return x.length; }

    /** The target of training point i. */
    double target(int i) { return y[i]; }

    /** The kernel hyperparameters (log scale). */
    double[] theta() {
        int d = lengths.length;
        double[] t = new double[d + 2];
        for (int k = 0; k < d; k++) t[k] = StrictMath.log(lengths[k]);
        t[d] = StrictMath.log(sf2);
        t[d + 1] = StrictMath.log(sn2);
        return t;
    }

    double signalVariance() { return sf2; }

    double noiseVariance() { return sn2; }

    double jitter() { return jitter; }

    /** Posterior mean and latent variance at u into out[0], out[1]. */
    void predict(double[] u, double[] out) {
        int n = x.length;
        double[] ks = new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++) {
            ks[i] = matern52(u, x[i], lengths, sf2);
            mean += ks[i] * alpha[i];
        }
        // v = U^-T k*, variance = k(u, u) - v.v
        double[] v = Cholesky.forward(chol, ks);
        double vv = 0;
        for (double t : v) vv += t * t;
        out[0] = mean;
        out[1] = Math.max(sf2 - vv, 0);
    }

    /** {mean, variance} at u. */
    double[] predict(double[] u) {
        double[] out = new double[2];
        predict(u, out);
        return out;
    }

    /** The points a {@link #predict(double[][], int, double[], double[])} block holds at most. */
    static final int BLOCK = 64;

    /**
     * Posterior means and latent variances of the first m points of us (m at most {@link #BLOCK}) into mean and
     * variance: the same values as {@link #predict(double[], double[])} up to rounding, with one pass over the
     * Cholesky factor for the whole block.
     */
    void predict(double[][] us, int m, double[] mean, double[] variance) {
        if (m > BLOCK) throw new IllegalArgumentException("at most " + BLOCK + " points a block, got " + m);
        int n = x.length;
        double[][] kb = block(n);
        java.util.Arrays.fill(mean, 0, m, 0);
        for (int i = 0; i < n; i++) {
            double[] ki = kb[i], xi = x[i];
            double ai = alpha[i];
            for (int c = 0; c < m; c++) {
                double kv = matern52(us[c], xi, lengths, sf2);
                ki[c] = kv;
                mean[c] += kv * ai;
            }
        }
        Cholesky.forwardInPlace(chol, kb, m);
        java.util.Arrays.fill(variance, 0, m, 0);
        for (int i = 0; i < n; i++) {
            double[] ki = kb[i];
            for (int c = 0; c < m; c++) variance[c] += ki[c] * ki[c];
        }
        for (int c = 0; c < m; c++) variance[c] = Math.max(sf2 - variance[c], 0);
    }

    private double[][] kBlock;

    private double[][] block(int n) {
        if (kBlock == null) kBlock = new double[n][BLOCK];
        return kBlock;
    }

    // ---- kernel ----------------------------------------------------------------------------------

    /** The Matern 5/2 kernel with per-dimension length scales and a signal variance. */
    static double matern52(double[] a, double[] b, double[] lengths, double sf2) {
        double r2 = 0;
        for (int k = 0; k < a.length; k++) {
            double t = (a[k] - b[k]) / lengths[k];
            r2 += t * t;
        }
        double sr = SQRT5 * Math.sqrt(r2);
        return sf2 * (1 + sr + 5.0 / 3.0 * r2) * StrictMath.exp(-sr);
    }

    // ---- likelihood ------------------------------------------------------------------------------

    /**
     * The log marginal likelihood {@code -1/2 y^T K^-1 y - 1/2 log|K| - n/2 log 2 pi} of targets y at points x under
     * the hyperparameters theta (log scale), and its gradient with respect to theta into grad when grad is not null:
     * {@code d/dtheta_j = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j)}. Minus infinity when K cannot be factorised.
     */
    static double logMarginalLikelihood(double[][] x, double[] y, double[] theta, double[] grad) {
        return new Likelihood(x, y).value(theta, grad);
    }

    /**
     * The likelihood of fixed points and targets at many hyperparameters, as a fit evaluates it: the squared
     * coordinate differences of every pair and the n x n work matrices are made once, not per evaluation.
     */
    static final class Likelihood {
        private final int n, d;
        private final double[] y;
        private final double[][] diff2;  // diff2[i][j d + k] = (x_i,k - x_j,k)^2 for j < i
        private final double[][] cov, u, r, rt, kinv;
        private final double[][] srs, exps; // sqrt5 r and exp(-sqrt5 r) of each pair j < i, kept for the gradient

        Likelihood(double[][] x, double[] y) {
            this.n = x.length;
            this.d = x[0].length;
            this.y = y;
            this.diff2 = new double[n][];
            for (int i = 0; i < n; i++) {
                double[] row = new double[i * d], xi = x[i];
                for (int j = 0; j < i; j++) {
                    double[] xj = x[j];
                    for (int k = 0; k < d; k++) {
                        double t = xi[k] - xj[k];
                        row[j * d + k] = t * t;
                    }
                }
                diff2[i] = row;
            }
            cov = new double[n][n];
            u = new double[n][n];
            r = new double[n][n];
            rt = new double[n][n];
            kinv = new double[n][n];
            srs = new double[n][n];
            exps = new double[n][n];
        }

        /** See {@link GaussianProcess#logMarginalLikelihood}. */
        double value(double[] theta, double[] grad) {
            double[] inv2 = new double[d];
            for (int k = 0; k < d; k++) {
                double l = StrictMath.exp(theta[k]);
                inv2[k] = 1 / (l * l);
            }
            double sf2 = StrictMath.exp(theta[d]), sn2 = StrictMath.exp(theta[d + 1]);
            for (int i = 0; i < n; i++) {
                double[] di = diff2[i], si = srs[i], ei = exps[i];
                for (int j = 0; j < i; j++) {
                    double r2 = 0;
                    for (int k = 0; k < d; k++) r2 += di[j * d + k] * inv2[k];
                    double sr = SQRT5 * Math.sqrt(r2), e = StrictMath.exp(-sr);
                    si[j] = sr;
                    ei[j] = e;
                    cov[j][i] = sf2 * (1 + sr + sr * sr / 3) * e; // 5/3 r^2 = (sqrt5 r)^2 / 3
                }
                cov[i][i] = sf2 + sn2;
            }
            if (Double.isNaN(Cholesky.factor(cov, u))) {
                if (grad != null) java.util.Arrays.fill(grad, 0);
                return Double.NEGATIVE_INFINITY;
            }
            double[] alpha = Cholesky.solve(u, y);
            double lml = -0.5 * n * LOG_2PI;
            for (int i = 0; i < n; i++) lml += -0.5 * y[i] * alpha[i] - StrictMath.log(u[i][i]);
            if (grad == null) return lml;

            java.util.Arrays.fill(grad, 0);
            Cholesky.inverseLower(u, r, rt, kinv);
            for (int i = 0; i < n; i++) {
                double[] di = diff2[i], si = srs[i], ei = exps[i], ki = kinv[i];
                double ai = alpha[i];
                for (int j = 0; j < i; j++) {
                    // Both (i, j) and (j, i): the 1/2 of the trace cancels.
                    double w = ai * alpha[j] - ki[j];
                    double sr = si[j], e = ei[j];
                    // dk/dlog l_k = sf2 * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) * (a_k - b_k)^2 / l_k^2
                    double c = w * sf2 * (5.0 / 3.0) * (1 + sr) * e;
                    for (int k = 0; k < d; k++) grad[k] += c * di[j * d + k] * inv2[k];
                    grad[d] += w * sf2 * (1 + sr + sr * sr / 3) * e;
                }
                double wii = ai * ai - ki[i];
                grad[d] += 0.5 * wii * sf2;
                grad[d + 1] += 0.5 * wii * sn2;
            }
            return lml;
        }
    }

    /** The lower bounds of theta (log scale) for d dimensions. */
    static double[] lowerBounds(int d) {
        double[] lo = new double[d + 2];
        java.util.Arrays.fill(lo, 0, d, StrictMath.log(LENGTH_MIN));
        lo[d] = StrictMath.log(SIGNAL_MIN);
        lo[d + 1] = StrictMath.log(NOISE_MIN);
        return lo;
    }

    /** The upper bounds of theta (log scale) for d dimensions. */
    static double[] upperBounds(int d) {
        double[] hi = new double[d + 2];
        java.util.Arrays.fill(hi, 0, d, StrictMath.log(LENGTH_MAX));
        hi[d] = StrictMath.log(SIGNAL_MAX);
        hi[d + 1] = StrictMath.log(NOISE_MAX);
        return hi;
    }

    /**
     * The hyperparameters (log scale) that maximise the log marginal likelihood plus the length scales' log prior
     * ({@link #logPrior}: a maximum a posteriori fit) within the bounds: L-BFGS on
     * analytic gradients in an unconstrained coordinate z with {@code theta = lo + (hi - lo) sigmoid(z)}, started
     * from a fixed sensible point (length scales 0.3, signal variance 1, noise 1e-3) and from {@code restarts}
     * random points drawn from rng; the best end point wins (the earliest on a tie).
     *
     * <p>With more than {@value #FIT_SUBSET} points the starts run on {@value #FIT_SUBSET} of them, evenly spread
     * over their order (a search's points drift towards good regions over time, so this keeps both early and late
     * ones), and the winner is then polished on all the points for at most {@value #POLISH_ITERATIONS} iterations.
     * An evaluation costs O(n^3), so the restarts cost (64/n)^3 of what they would on all n points, while the
     * polish starts close to the optimum and needs few iterations (BayesianProposalBench: a whole proposal at 200
     * points went from about 0.9 s to under 0.1 s); the test checks that it ends within a nat of the likelihood
     * that every start run on all the points reaches.
     */
    static double[] fit(double[][] x, double[] y, SplittableRandom rng, int restarts) {
        int n = x.length;
        if (n <= FIT_SUBSET) return fitOnAllPoints(x, y, rng, restarts);
        double[][] xs = new double[FIT_SUBSET][];
        double[] ys = new double[FIT_SUBSET];
        for (int j = 0; j < FIT_SUBSET; j++) {
            int i = (int) ((long) j * n / FIT_SUBSET);
            xs[j] = x[i];
            ys[j] = y[i];
        }
        double[] start = fitFrom(new Likelihood(xs, ys), x[0].length, rng, restarts);
        return optimise(new Likelihood(x, y), start, POLISH_ITERATIONS);
    }

    /** {@link #fit} without the subset: every start on all the points (what fit does up to {@value #FIT_SUBSET}). */
    static double[] fitOnAllPoints(double[][] x, double[] y, SplittableRandom rng, int restarts) {
        return fitFrom(new Likelihood(x, y), x[0].length, rng, restarts);
    }

    private static double[] fitFrom(Likelihood likelihood, int d, SplittableRandom rng, int restarts) {
        double[] best = null;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int start = 0; start <= restarts; start++) {
            double[] theta0 = new double[d + 2];
            if (start == 0) {
                java.util.Arrays.fill(theta0, 0, d, StrictMath.log(0.3));
                theta0[d] = 0;
                theta0[d + 1] = StrictMath.log(1e-3);
            } else {
                for (int k = 0; k < d; k++) theta0[k] = rng.nextDouble(StrictMath.log(0.05), StrictMath.log(2));
                theta0[d] = rng.nextDouble(StrictMath.log(0.2), StrictMath.log(2.5));
                theta0[d + 1] = rng.nextDouble(StrictMath.log(1e-5), StrictMath.log(0.1));
            }
            double[] theta = optimise(likelihood, theta0, FIT_ITERATIONS);
            double v = likelihood.value(theta, null);
            v += logPrior(theta, null);
            if (best == null || v > bestValue) {
                best = theta;
                bestValue = v;
            }
        }
        return best;
    }

    /** L-BFGS from theta0 in the sigmoid coordinates of the bounds box; the end point. */
    private static double[] optimise(Likelihood likelihood, double[] theta0, int iterations) {
        int p = theta0.length, d = p - 2;
        double[] lo = lowerBounds(d), hi = upperBounds(d);
        double[] z = new double[p];
        for (int k = 0; k < p; k++) {
            double s = Math.clamp((theta0[k] - lo[k]) / (hi[k] - lo[k]), 1e-6, 1 - 1e-6);
            z[k] = StrictMath.log(s / (1 - s));
        }
        double[] thetaBuf = new double[p], gradBuf = new double[p];
        Lbfgs.DifferentiableFunction f = (zz, g) -> {
            for (int k = 0; k < p; k++) thetaBuf[k] = lo[k] + (hi[k] - lo[k]) * sigmoid(zz[k]);
            double v = likelihood.value(thetaBuf, gradBuf);
            v += logPrior(thetaBuf, gradBuf);
            for (int k = 0; k < p; k++) {
                double s = sigmoid(zz[k]);
                g[k] = -gradBuf[k] * (hi[k] - lo[k]) * s * (1 - s);
            }
            return -v;
        };
        double[] zEnd = Lbfgs.minimize(f, z, iterations);
        double[] theta = new double[p];
        for (int k = 0; k < p; k++) theta[k] = lo[k] + (hi[k] - lo[k]) * sigmoid(zEnd[k]);
        return theta;
    }

    /** The length scales' Gamma(shape, rate) prior (BoTorch's former default for unit-cube inputs: mode 1/3, mean 1/2). */
    static final double PRIOR_SHAPE = 3, PRIOR_RATE = 6;

    /**
     * The log density (up to a constant) of the length-scale prior as a density of theta_k = log l_k (Gamma(shape,
     * rate) on l times the Jacobian l), {@code sum_k shape theta_k - rate l_k}; its gradient is added into grad
     * when not null. Why a prior: on Hartmann6 the maximum-likelihood fit let the dimensions along which the first
     * basin found is flat run to the upper bound (l = 10, "irrelevant"), and the model then believed it knew the
     * whole cube along them; the prior costs l = 10 about 50 nats against l = 0.5, while a genuinely irrelevant
     * dimension still ends several times longer than a relevant one.
     */
    static double logPrior(double[] theta, double[] grad) {
        int d = theta.length - 2;
        double lp = 0;
        for (int k = 0; k < d; k++) {
            double l = StrictMath.exp(theta[k]);
            lp += PRIOR_SHAPE * theta[k] - PRIOR_RATE * l;
            if (grad != null) grad[k] += PRIOR_SHAPE - PRIOR_RATE * l;
        }
        return lp;
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + StrictMath.exp(-z)) : StrictMath.exp(z) / (1 + StrictMath.exp(z));
    }
}
