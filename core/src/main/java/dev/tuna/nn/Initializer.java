package dev.tuna.nn;

import dev.tuna.tensor.Tensor;
import java.util.SplittableRandom;

/** Weight initialisers with Keras' names and definitions; fan-in/fan-out as Keras computes them. */
public enum Initializer {
    GLOROT_UNIFORM, GLOROT_NORMAL, HE_UNIFORM, HE_NORMAL, ZEROS, ONES;

    public static Initializer parse(String name) {
        return switch (name) {
            case "glorot_uniform", "xavier_uniform" -> GLOROT_UNIFORM;
            case "glorot_normal", "xavier_normal" -> GLOROT_NORMAL;
            case "he_uniform" -> HE_UNIFORM;
            case "he_normal" -> HE_NORMAL;
            case "zeros" -> ZEROS;
            case "ones" -> ONES;
            default -> throw new IllegalArgumentException("initializer '" + name
                    + "': expected glorot_uniform, glorot_normal, he_uniform, he_normal, zeros or ones");
        };
    }

    /** Fills t; for kernels [.., in, out] fanIn = receptive field * in, fanOut = receptive field * out. */
    public void fill(Tensor t, SplittableRandom rng) {
        int r = t.rank();
        long receptive = 1;
        for (int i = 0; i < r - 2; i++) receptive *= t.dim(i);
        double fanIn = r >= 2 ? receptive * t.dim(-2) : t.dim(0);
        double fanOut = r >= 2 ? receptive * t.dim(-1) : t.dim(0);
        long n = t.size();
        switch (this) {
            case ZEROS -> t.fill(0f);
            case ONES -> t.fill(1f);
            case GLOROT_UNIFORM -> uniform(t, rng, Math.sqrt(6 / (fanIn + fanOut)));
            case HE_UNIFORM -> uniform(t, rng, Math.sqrt(6 / fanIn));
            case GLOROT_NORMAL -> truncatedNormal(t, rng, Math.sqrt(2 / (fanIn + fanOut)));
            case HE_NORMAL -> truncatedNormal(t, rng, Math.sqrt(2 / fanIn));
        }
    }

    private static void uniform(Tensor t, SplittableRandom rng, double limit) {
        for (long i = 0; i < t.size(); i++) t.setFloat(i, (float) ((rng.nextDouble() * 2 - 1) * limit));
    }

    /** Keras draws from a normal truncated at two standard deviations, rescaled so the variance is stddev^2. */
    private static void truncatedNormal(Tensor t, SplittableRandom rng, double stddev) {
        double s = stddev / .87962566103423978;
        for (long i = 0; i < t.size(); i++) {
            double z;
            do {
                z = gaussian(rng);
            } while (Math.abs(z) > 2);
            t.setFloat(i, (float) (z * s));
        }
    }

    private static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble(), v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
