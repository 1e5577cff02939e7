package dev.tuna.tune.oracle;

import java.util.SplittableRandom;

/**
 * Gaussian-process regression on the unit cube for {@link BayesianOracle}: a Matern 5/2 kernel with one length
 * scale per dimension (ARD), a signal variance and an observation-noise variance, everything in double.
 *
 * <p>The kernel's hyperparameters travel as {@code theta = [log l_1, ..., log l_d, log sf2, log sn2]}:
 * {@code k(a, b) = sf2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r)} with {@code r^2 = sum_i ((a_i - b_i) / l_i)^2},
 * plus {@code sn2} on the diagonal of the training covariance. {@link #fit} maximises the log marginal
 * likelihood over a box ({@link #lowerBounds}, {@link #upperBounds}) with L-BFGS on analytic gradients, from a
 * fixed start and a few random ones. A covariance that is not numerically positive definite gets an escalating
 * jitter on its diagonal (from 1e-10 of its mean diagonal up to its mean diagonal).
 *
 * <p>The predictive variance is the latent function's (no observation noise): what an acquisition function wants.
 */
final class GaussianProcess {
    static final double SQRT5 = Math.sqrt(5);
    private static final double LOG_2PI = StrictMath.log(2 * Math.PI);

    /** Bounds in the unit cube for a length scale, and for the variances of standardised targets. */
    static final double LENGTH_MIN = 0.01, LENGTH_MAX = 10;
    static final double SIGNAL_MIN = 0.01, SIGNAL_MAX = 3;
    static final double NOISE_MIN = 1e-6, NOISE_MAX = 1;

    /** L-BFGS: history length, iteration cap and the gradient norm that counts as converged. */
    private static final int LBFGS_MEMORY = 7;
    static final int FIT_ITERATIONS = 80;
    private static final double GRADIENT_TOLERANCE = 1e-6;

    private final double[][] x;
    private final double[] y;
    private final double[] lengths;
    private final double sf2;
    private final double sn2;
    private final double[][] chol;   // lower-triangular L with L L^T = K + (sn2 + jitter) I
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
        double[][] cov = covariance(x, lengths, sf2, sn2);
        for (int i = Math.max(0, observed); i < n; i++) cov[i][i] = sf2 + Math.min(sn2, NOISE_MIN);
        this.chol = new double[n][n];
        this.jitter = cholesky(cov, chol);
        if (Double.isNaN(jitter)) throw new ArithmeticException("the kernel matrix is not positive definite even with jitter");
        this.alpha = solveCholesky(chol, y);
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
        // v = L^-1 k*, variance = k(u, u) - v.v
        double vv = 0;
        for (int i = 0; i < n; i++) {
            double s = ks[i];
            double[] li = chol[i];
            for (int j = 0; j < i; j++) s -= li[j] * ks[j];
            ks[i] = s / li[i];
            vv += ks[i] * ks[i];
        }
        out[0] = mean;
        out[1] = Math.max(sf2 - vv, 0);
    }

    /** {mean, variance} at u. */
    double[] predict(double[] u) {
        double[] out = new double[2];
        predict(u, out);
        return out;
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

    private static double[][] covariance(double[][] x, double[] lengths, double sf2, double sn2) {
        int n = x.length;
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) k[i][j] = k[j][i] = matern52(x[i], x[j], lengths, sf2);
            k[i][i] = sf2 + sn2;
        }
        return k;
    }

    // ---- likelihood ------------------------------------------------------------------------------

    /**
     * The log marginal likelihood {@code -1/2 y^T K^-1 y - 1/2 log|K| - n/2 log 2 pi} of targets y at points x under
     * the hyperparameters theta (log scale), and its gradient with respect to theta into grad when grad is not null:
     * {@code d/dtheta_j = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j)}. Minus infinity when K cannot be factorised.
     */
    static double logMarginalLikelihood(double[][] x, double[] y, double[] theta, double[] grad) {
        int n = x.length, d = theta.length - 2;
        double[] lengths = new double[d];
        for (int k = 0; k < d; k++) lengths[k] = StrictMath.exp(theta[k]);
        double sf2 = StrictMath.exp(theta[d]), sn2 = StrictMath.exp(theta[d + 1]);
        double[][] l = new double[n][n];
        if (Double.isNaN(cholesky(covariance(x, lengths, sf2, sn2), l))) {
            if (grad != null) java.util.Arrays.fill(grad, 0);
            return Double.NEGATIVE_INFINITY;
        }
        double[] alpha = solveCholesky(l, y);
        double lml = -0.5 * n * LOG_2PI;
        for (int i = 0; i < n; i++) lml += -0.5 * y[i] * alpha[i] - StrictMath.log(l[i][i]);
        if (grad == null) return lml;

        java.util.Arrays.fill(grad, 0);
        double[][] kinv = inverseFromCholesky(l);
        double[] inv2 = new double[d];
        for (int k = 0; k < d; k++) inv2[k] = 1 / (lengths[k] * lengths[k]);
        for (int i = 0; i < n; i++) {
            double[] xi = x[i];
            for (int j = 0; j < i; j++) {
                // Both (i, j) and (j, i): the 1/2 of the trace cancels.
                double w = alpha[i] * alpha[j] - kinv[i][j];
                double[] xj = x[j];
                double r2 = 0;
                for (int k = 0; k < d; k++) {
                    double t = xi[k] - xj[k];
                    r2 += t * t * inv2[k];
                }
                double sr = SQRT5 * Math.sqrt(r2);
                double e = StrictMath.exp(-sr);
                // dk/dlog l_k = sf2 * 5/3 (1 + sqrt5 r) exp(-sqrt5 r) * (a_k - b_k)^2 / l_k^2
                double c = w * sf2 * (5.0 / 3.0) * (1 + sr) * e;
                for (int k = 0; k < d; k++) {
                    double t = xi[k] - xj[k];
                    grad[k] += c * t * t * inv2[k];
                }
                grad[d] += w * sf2 * (1 + sr + 5.0 / 3.0 * r2) * e;
            }
            double wii = alpha[i] * alpha[i] - kinv[i][i];
            grad[d] += 0.5 * wii * sf2;
            grad[d + 1] += 0.5 * wii * sn2;
        }
        return lml;
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
     * The hyperparameters (log scale) that maximise the log marginal likelihood within the bounds: L-BFGS on
     * analytic gradients in an unconstrained coordinate z with {@code theta = lo + (hi - lo) sigmoid(z)}, started
     * from a fixed sensible point (length scales 0.3, signal variance 1, noise 1e-3) and from {@code restarts}
     * random points drawn from rng; the best end point wins (the earliest on a tie).
     */
    static double[] fit(double[][] x, double[] y, SplittableRandom rng, int restarts) {
        int d = x[0].length, p = d + 2;
        double[] lo = lowerBounds(d), hi = upperBounds(d);
        double[] best = null;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int start = 0; start <= restarts; start++) {
            double[] theta0 = new double[p];
            if (start == 0) {
                java.util.Arrays.fill(theta0, 0, d, StrictMath.log(0.3));
                theta0[d] = 0;
                theta0[d + 1] = StrictMath.log(1e-3);
            } else {
                for (int k = 0; k < d; k++) theta0[k] = rng.nextDouble(StrictMath.log(0.05), StrictMath.log(2));
                theta0[d] = rng.nextDouble(StrictMath.log(0.2), StrictMath.log(2.5));
                theta0[d + 1] = rng.nextDouble(StrictMath.log(1e-5), StrictMath.log(0.1));
            }
            double[] z = new double[p];
            for (int k = 0; k < p; k++) {
                double s = Math.clamp((theta0[k] - lo[k]) / (hi[k] - lo[k]), 1e-6, 1 - 1e-6);
                z[k] = StrictMath.log(s / (1 - s));
            }
            double[] thetaBuf = new double[p], gradBuf = new double[p];
            DifferentiableFunction f = (zz, g) -> {
                for (int k = 0; k < p; k++) thetaBuf[k] = lo[k] + (hi[k] - lo[k]) * sigmoid(zz[k]);
                double v = logMarginalLikelihood(x, y, thetaBuf, gradBuf);
                for (int k = 0; k < p; k++) {
                    double s = sigmoid(zz[k]);
                    g[k] = -gradBuf[k] * (hi[k] - lo[k]) * s * (1 - s);
                }
                return -v;
            };
            double[] zEnd = minimize(f, z, FIT_ITERATIONS);
            double[] theta = new double[p];
            for (int k = 0; k < p; k++) theta[k] = lo[k] + (hi[k] - lo[k]) * sigmoid(zEnd[k]);
            double v = logMarginalLikelihood(x, y, theta, null);
            if (best == null || v > bestValue) {
                best = theta;
                bestValue = v;
            }
        }
        return best;
    }

    private static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + StrictMath.exp(-z)) : StrictMath.exp(z) / (1 + StrictMath.exp(z));
    }

    /** A function to minimise: returns its value at z and writes its gradient into g. */
    interface DifferentiableFunction {
        double eval(double[] z, double[] g);
    }

    /** L-BFGS with a backtracking (Armijo) line search; returns the best point reached. */
    static double[] minimize(DifferentiableFunction f, double[] z0, int maxIterations) {
        int p = z0.length;
        double[] z = z0.clone(), g = new double[p];
        double fz = f.eval(z, g);
        if (!Double.isFinite(fz)) return z;
        double[][] s = new double[LBFGS_MEMORY][], yv = new double[LBFGS_MEMORY][];
        double[] rho = new double[LBFGS_MEMORY];
        int stored = 0, head = 0;
        double[] dir = new double[p], zNew = new double[p], gNew = new double[p], a = new double[LBFGS_MEMORY];
        for (int iter = 0; iter < maxIterations; iter++) {
            if (normInf(g) < GRADIENT_TOLERANCE) break;
            // Two-loop recursion: dir = -H g.
            System.arraycopy(g, 0, dir, 0, p);
            for (int m = 0; m < stored; m++) {
                int i = Math.floorMod(head - 1 - m, LBFGS_MEMORY);
                a[i] = rho[i] * dot(s[i], dir);
                for (int k = 0; k < p; k++) dir[k] -= a[i] * yv[i][k];
            }
            double gamma = 1;
            if (stored > 0) {
                int last = Math.floorMod(head - 1, LBFGS_MEMORY);
                gamma = dot(s[last], yv[last]) / dot(yv[last], yv[last]);
            }
            for (int k = 0; k < p; k++) dir[k] *= gamma;
            for (int m = stored - 1; m >= 0; m--) {
                int i = Math.floorMod(head - 1 - m, LBFGS_MEMORY);
                double b = rho[i] * dot(yv[i], dir);
                for (int k = 0; k < p; k++) dir[k] += s[i][k] * (a[i] - b);
            }
            for (int k = 0; k < p; k++) dir[k] = -dir[k];
            double slope = dot(g, dir);
            if (!(slope < 0)) { // not a descent direction: fall back to steepest descent and forget the history
                for (int k = 0; k < p; k++) dir[k] = -g[k];
                slope = -dot(g, g);
                stored = 0;
            }
            double step = stored == 0 ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
            double fNew = Double.NaN;
            boolean accepted = false;
            for (int tries = 0; tries < 40; tries++) {
                for (int k = 0; k < p; k++) zNew[k] = z[k] + step * dir[k];
                fNew = f.eval(zNew, gNew);
                if (Double.isFinite(fNew) && fNew <= fz + 1e-4 * step * slope) {
                    accepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) break;
            double[] sk = new double[p], yk = new double[p];
            for (int k = 0; k < p; k++) {
                sk[k] = zNew[k] - z[k];
                yk[k] = gNew[k] - g[k];
            }
            double sy = dot(sk, yk);
            if (sy > 1e-12) {
                s[head] = sk;
                yv[head] = yk;
                rho[head] = 1 / sy;
                head = (head + 1) % LBFGS_MEMORY;
                stored = Math.min(stored + 1, LBFGS_MEMORY);
            }
            double improvement = fz - fNew;
            System.arraycopy(zNew, 0, z, 0, p);
            System.arraycopy(gNew, 0, g, 0, p);
            fz = fNew;
            if (improvement < 1e-10 * Math.max(1, Math.abs(fz))) break;
        }
        return z;
    }

    // ---- linear algebra --------------------------------------------------------------------------

    /**
     * The Cholesky factor of a (symmetric) into l, adding an escalating jitter to the diagonal when a is not
     * numerically positive definite; returns the jitter used (0 when none), or NaN when even the largest failed.
     */
    static double cholesky(double[][] a, double[][] l) {
        int n = a.length;
        double meanDiag = 0;
        for (int i = 0; i < n; i++) meanDiag += a[i][i];
        meanDiag = Math.max(meanDiag / n, 1e-300);
        if (!Double.isFinite(meanDiag)) return Double.NaN;
        double jitter = 0;
        for (int attempt = 0; attempt < 12; attempt++) {
            if (tryCholesky(a, jitter, l)) return jitter;
            jitter = jitter == 0 ? 1e-10 * meanDiag : jitter * 10;
        }
        return Double.NaN;
    }

    private static boolean tryCholesky(double[][] a, double jitter, double[][] l) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            double[] li = l[i], ai = a[i];
            for (int j = 0; j <= i; j++) {
                double[] lj = l[j];
                double sum = ai[j];
                for (int k = 0; k < j; k++) sum -= li[k] * lj[k];
                if (i == j) {
                    sum += jitter;
                    if (!(sum > 0) || !Double.isFinite(sum)) return false;
                    li[i] = Math.sqrt(sum);
                } else {
                    li[j] = sum / lj[j];
                }
            }
            for (int j = i + 1; j < n; j++) li[j] = 0;
        }
        return true;
    }

    /** x with L L^T x = b. */
    static double[] solveCholesky(double[][] l, double[] b) {
        int n = b.length;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * z[k];
            z[i] = s / l[i][i];
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < n; k++) s -= l[k][i] * z[k];
            z[i] = s / l[i][i];
        }
        return z;
    }

    /** (L L^T)^-1 from the lower-triangular L: L^-T L^-1. */
    static double[][] inverseFromCholesky(double[][] l) {
        int n = l.length;
        double[][] li = new double[n][n]; // L^-1, lower triangular
        for (int j = 0; j < n; j++) {
            li[j][j] = 1 / l[j][j];
            for (int i = j + 1; i < n; i++) {
                double s = 0;
                for (int k = j; k < i; k++) s -= l[i][k] * li[k][j];
                li[i][j] = s / l[i][i];
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = i; k < n; k++) s += li[k][i] * li[k][j];
                inv[i][j] = inv[j][i] = s;
            }
        }
        return inv;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static double normInf(double[] a) {
        double m = 0;
        for (double v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
