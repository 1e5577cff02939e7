package dev.tuna.bench;

import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Hyperparameter.Sampling;
import dev.tuna.tune.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Classic black-box test functions to minimise, each with its published global minimum, posed to tuna's oracles
 * as a search space of float ranges (x0, x1, ...) on the function's usual domain.
 */
public enum ClassicFunction {
    /** Branin-Hoo on [-5, 10] x [0, 15]; minimum 0.397887 at (-pi, 12.275), (pi, 2.275), (9.42478, 2.475). */
    BRANIN("branin", 0.397887, new double[][] {{-5, 10}, {0, 15}}) {
        @Override
        public double value(double[] x) {
            double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
            double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
            return u * u + 10 * (1 - t) * Math.cos(x[0]) + 10;
        }
    },
    /** Hartmann 6-d on [0, 1]^6; minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573). */
    HARTMANN6("hartmann6", -3.32237, unitCube(6)) {
        private static final double[] ALPHA = {1.0, 1.2, 3.0, 3.2};
        private static final double[][] A = {
            {10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8}, {17, 8, 0.05, 10, 0.1, 14}};
        private static final double[][] P = {
            {0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886}, {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
            {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650}, {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};

        @Override
        public double value(double[] x) {
            double s = 0;
            for (int i = 0; i < 4; i++) {
                double e = 0;
                for (int j = 0; j < 6; j++) e += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
                s += ALPHA[i] * Math.exp(-e);
            }
            return -s;
        }
    },
    /** Goldstein-Price on [-2, 2]^2; minimum 3 at (0, -1). Its values span six decades, a test of the bad-tail handling. */
    GOLDSTEIN_PRICE("goldstein_price", 3.0, new double[][] {{-2, 2}, {-2, 2}}) {
        @Override
        public double value(double[] v) {
            double x = v[0], y = v[1];
            double a = 1 + Math.pow(x + y + 1, 2) * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y);
            double b = 30 + Math.pow(2 * x - 3 * y, 2) * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y);
            return a * b;
        }
    };

    private final String id;
    private final double optimum;
    private final double[][] bounds;

    ClassicFunction(String id, double optimum, double[][] bounds) {
        this.id = id;
        this.optimum = optimum;
        this.bounds = bounds;
    }

    /** The function at a point of its domain. */
    public abstract double value(double[] x);

    /** The name the scripts use (branin, hartmann6, goldstein_price). */
    public String id() { return id; }

    /** The published global minimum. */
    public double optimum() { return optimum; }

    public int dimensions() { return bounds.length; }

    /** Float ranges x0, x1, ... over the domain, linear sampling. */
    public SearchSpace space() {
        List<Hyperparameter> hps = new ArrayList<>();
        for (int i = 0; i < bounds.length; i++) hps.add(Hyperparameter.floatRange("x" + i, bounds[i][0], bounds[i][1], 0, Sampling.LINEAR, null, null));
        return new SearchSpace(hps);
    }

    /** The function at a configuration of {@link #space()}. */
    public double value(Map<String, Object> config) {
        double[] x = new double[bounds.length];
        for (int i = 0; i < x.length; i++) x[i] = ((Number) config.get("x" + i)).doubleValue();
        return value(x);
    }

    /** The function at a point of the unit cube (scaled onto the domain). */
    public double valueAtUnit(double[] u) {
        double[] x = new double[bounds.length];
        for (int i = 0; i < x.length; i++) x[i] = bounds[i][0] + u[i] * (bounds[i][1] - bounds[i][0]);
        return value(x);
    }

    public static ClassicFunction byId(String id) {
        for (ClassicFunction f : values()) if (f.id.equals(id)) return f;
        throw new IllegalArgumentException("function '" + id + "': expected branin, hartmann6 or goldstein_price");
    }

    private static double[][] unitCube(int d) {
        double[][] b = new double[d][];
        for (int i = 0; i < d; i++) b[i] = new double[] {0, 1};
        return b;
    }
}
