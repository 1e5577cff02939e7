package dev.tuna.tune.oracle;

/** Limited-memory BFGS with a backtracking (Armijo) line search, for the Gaussian process's hyperparameter fit. */
final class Lbfgs {
    private Lbfgs() {}

    /** History length and the gradient norm that counts as converged. */
    private static final int LBFGS_MEMORY = 7;
    private static final double GRADIENT_TOLERANCE = 1e-6;

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
