package dev.tuna.tune.oracle;

/**
 * Dense Cholesky factorisation and the solves a Gaussian process needs, in double, on matrices held as arrays of
 * rows. The factor is the upper triangle U with {@code U^T U = A}, so that every inner loop runs along a row as
 * {@code row[j] -= c * other[j]} with the same index on two arrays: C2 turns those loops into vector code, and
 * since each element still sees the same additions in the same order, the results do not depend on the vector
 * width. Only the upper triangle (column index at least the row index) of a factor or of an input is read.
 */
final class Cholesky {
    private Cholesky() {}

    /**
     * The factor of the symmetric a (its upper triangle) into u, adding an escalating jitter to the diagonal when a
     * is not numerically positive definite (from 1e-10 of its mean diagonal up to its mean diagonal); returns the
     * jitter used (0 when none), or NaN when even the largest failed.
     */
    static double factor(double[][] a, double[][] u) {
        int n = a.length;
        double meanDiag = 0;
        for (int i = 0; i < n; i++) meanDiag += a[i][i];
        meanDiag = Math.max(meanDiag / n, 1e-300);
        if (!Double.isFinite(meanDiag)) return Double.NaN;
        double jitter = 0;
        for (int attempt = 0; attempt < 12; attempt++) {
            if (tryFactor(a, jitter, u)) return jitter;
            jitter = jitter == 0 ? 1e-10 * meanDiag : jitter * 10;
        }
        return Double.NaN;
    }

    /** Right-looking: row k of U scales row k of the trailing matrix, then updates each later row in one sweep. */
    private static boolean tryFactor(double[][] a, double jitter, double[][] u) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            double[] ui = u[i];
            java.util.Arrays.fill(ui, 0, i, 0);
            System.arraycopy(a[i], i, ui, i, n - i);
            ui[i] += jitter;
        }
        for (int k = 0; k < n; k++) {
            double[] uk = u[k];
            double pivot = uk[k];
            if (!(pivot > 0) || !Double.isFinite(pivot)) return false;
            double s = Math.sqrt(pivot);
            uk[k] = s;
            for (int j = k + 1; j < n; j++) uk[j] /= s;
            for (int i = k + 1; i < n; i++) {
                double c = uk[i];
                if (c == 0) continue;
                double[] ui = u[i];
                for (int j = i; j < n; j++) ui[j] -= c * uk[j];
            }
        }
        return true;
    }

    /** x with U^T U x = b. */
    static double[] solve(double[][] u, double[] b) {
        double[] x = forward(u, b);
        int n = x.length;
        for (int i = n - 1; i >= 0; i--) {
            double[] ui = u[i];
            double s = x[i];
            for (int j = i + 1; j < n; j++) s -= ui[j] * x[j];
            x[i] = s / ui[i];
        }
        return x;
    }

    /** z with U^T z = b (the forward substitution of {@link #solve}). */
    static double[] forward(double[][] u, double[] b) {
        int n = b.length;
        double[] z = b.clone();
        for (int i = 0; i < n; i++) {
            double[] ui = u[i];
            double zi = z[i] / ui[i];
            z[i] = zi;
            for (int j = i + 1; j < n; j++) z[j] -= ui[j] * zi;
        }
        return z;
    }

    /**
     * U^-T B in place for the n x m block B (row i holds the i-th coordinate of m right-hand sides): the forward
     * substitution for many vectors at once, so that each row of U is read once per block instead of once per vector.
     */
    static void forwardInPlace(double[][] u, double[][] b, int m) {
        int n = u.length;
        for (int i = 0; i < n; i++) {
            double[] ui = u[i], bi = b[i];
            double inv = 1 / ui[i];
            for (int c = 0; c < m; c++) bi[c] *= inv;
            for (int j = i + 1; j < n; j++) {
                double f = ui[j];
                if (f == 0) continue;
                double[] bj = b[j];
                for (int c = 0; c < m; c++) bj[c] -= f * bi[c];
            }
        }
    }

    /**
     * The lower triangle of (U^T U)^-1 into inv (rows of length at least i + 1), through R = U^-1 (into r) and its
     * transpose (into rt): inv[i][j] = sum over k >= i of R[i][k] R[j][k], for j <= i.
     */
    static void inverseLower(double[][] u, double[][] r, double[][] rt, double[][] inv) {
        int n = u.length;
        for (int i = n - 1; i >= 0; i--) {
            double[] ui = u[i], ri = r[i];
            java.util.Arrays.fill(ri, 0, n, 0);
            // Row i of R from the later rows: R[i][j] = -(sum over i < k <= j of U[i][k] R[k][j]) / U[i][i].
            for (int k = i + 1; k < n; k++) {
                double c = ui[k];
                if (c == 0) continue;
                double[] rk = r[k];
                for (int j = k; j < n; j++) ri[j] += c * rk[j];
            }
            double d = 1 / ui[i];
            for (int j = i + 1; j < n; j++) ri[j] *= -d;
            ri[i] = d;
        }
        for (int i = 0; i < n; i++) {
            double[] ri = r[i];
            for (int k = i; k < n; k++) rt[k][i] = ri[k];
        }
        for (int i = 0; i < n; i++) {
            double[] ri = r[i], out = inv[i];
            java.util.Arrays.fill(out, 0, i + 1, 0);
            for (int k = i; k < n; k++) {
                double c = ri[k];
                double[] rk = rt[k];
                for (int j = 0; j <= i; j++) out[j] += c * rk[j];
            }
        }
    }
}
