package dev.tuna.backend.cpu;

/**
 * A counter-based generator: the value at (seed, counter) is a pure function, so a mask is the same
 * whatever order or device computes it (a CUDA kernel implements the same mix).
 */
public final class CounterRng {
    private CounterRng() {}

    /** SplitMix64's finaliser over seed and counter. */
    public static long mix(long seed, long counter) {
        long z = seed * 0x9E3779B97F4A7C15L + counter * 0xD1B54A32D192ED03L + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 24 bits, exactly representable as a float. */
    public static float uniform(long seed, long counter) {
        return (mix(seed, counter) >>> 40) * 0x1.0p-24f;
    }
}
