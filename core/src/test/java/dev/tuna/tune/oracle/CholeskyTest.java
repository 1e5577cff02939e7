package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The factor, the solves and the inverse against direct float64 products on fresh random symmetric positive
 * definite matrices of awkward sizes; each test prints nothing unless it fails, with its seed in the message.
 */
class CholeskyTest {
    private static final int[] SIZES = {1, 2, 7, 33, 130};

    @Test
    void factorReproducesTheMatrixAndSolvesAndInverseMatchDirectProducts() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int n : SIZES) {
            double[][] a = randomSpd(rng, n);
            double[][] u = new double[n][n];
            assertEquals(0, Cholesky.factor(a, u), 0, "no jitter for a well-conditioned matrix; n " + n + ", seed " + seed);
            double scale = 0;
            for (double[] row : a) for (double v : row) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    if (j < i) assertEquals(0, u[i][j], 0, "upper triangular; n " + n + ", seed " + seed);
                    double s = 0;
                    for (int k = 0; k <= Math.min(i, j); k++) s += u[k][i] * u[k][j];
                    assertEquals(a[i][j], s, 1e-12 * scale * n, "U^T U = A at " + i + "," + j + "; n " + n + ", seed " + seed);
                }
            }
            double[] b = new double[n];
            for (int i = 0; i < n; i++) b[i] = rng.nextDouble(-1, 1);
            double[] x = Cholesky.solve(u, b);
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += a[i][j] * x[j];
                assertEquals(b[i], s, 1e-9, "A x = b at " + i + "; n " + n + ", seed " + seed);
            }
            double[][] r = new double[n][n], rt = new double[n][n], inv = new double[n][n];
            Cholesky.inverseLower(u, r, rt, inv);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += a[i][k] * (k <= j ? inv[j][k] : inv[k][j]);
                    assertEquals(i == j ? 1 : 0, s, 1e-9, "A A^-1 = I at " + i + "," + j + "; n " + n + ", seed " + seed);
                }
            }
        }
    }

    @Test
    void blockForwardSubstitutionMatchesOneVectorAtATime() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int n : SIZES) {
            double[][] u = new double[n][n];
            Cholesky.factor(randomSpd(rng, n), u);
            int m = 1 + rng.nextInt(13);
            double[][] block = new double[n][m + 3]; // wider than m: the columns past m must stay untouched
            for (double[] row : block) for (int c = 0; c < row.length; c++) row[c] = rng.nextDouble(-1, 1);
            double[][] before = new double[n][];
            for (int i = 0; i < n; i++) before[i] = block[i].clone();
            Cholesky.forwardInPlace(u, block, m);
            for (int c = 0; c < m + 3; c++) {
                double[] col = new double[n];
                for (int i = 0; i < n; i++) col[i] = before[i][c];
                double[] z = c < m ? Cholesky.forward(u, col) : col;
                for (int i = 0; i < n; i++) assertEquals(z[i], block[i][c], 1e-12 * Math.max(1, Math.abs(z[i])), "column " + c + " row " + i + "; n " + n + ", seed " + seed);
            }
        }
    }

    @Test
    void aSingularMatrixGetsJitter() {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 9;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.nextDouble(0.5, 2);
        double[][] a = new double[n][n]; // v v^T: rank one
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i][j] = v[i] * v[j];
        double jitter = Cholesky.factor(a, new double[n][n]);
        assertTrue(jitter > 0 && Double.isFinite(jitter), "jitter " + jitter + "; seed " + seed);
    }

    /** B B^T / n + I/2 for a random B: symmetric, eigenvalues at least 1/2. */
    static double[][] randomSpd(SplittableRandom rng, int n) {
        double[][] b = new double[n][n];
        for (double[] row : b) for (int j = 0; j < n; j++) row[j] = rng.nextDouble(-1, 1);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) s += b[i][k] * b[j][k];
                a[i][j] = a[j][i] = s / n + (i == j ? 0.5 : 0);
            }
        }
        return a;
    }
}
