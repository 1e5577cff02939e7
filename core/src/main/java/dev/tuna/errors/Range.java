package dev.tuna.errors;

/**
 * The interval a numeric setting must lie in, with the words an error message uses for it ("a number in [0, 1)").
 * Optimizers and layers declare their settings' ranges once; the spec reader checks a value, and every value a
 * search form can take, against the same range, so a job file is refused before anything trains.
 */
public record Range(double lo, boolean loClosed, double hi, boolean hiClosed, String expected) {
    public static final Range POSITIVE = new Range(0, false, Double.POSITIVE_INFINITY, false, "a positive number");
    public static final Range NON_NEGATIVE = new Range(0, true, Double.POSITIVE_INFINITY, false, "a number >= 0");
    /** Decay rates and momenta: 1 would never forget, above 1 grows without bound. */
    public static final Range UNIT_HALF_OPEN = new Range(0, true, 1, false, "a number in [0, 1)");
    public static final Range UNIT = new Range(0, true, 1, true, "a number in [0, 1]");

    /** Whether v lies in the range (NaN never does). */
    public boolean contains(double v) {
        return (loClosed ? v >= lo : v > lo) && (hiClosed ? v <= hi : v < hi);
    }

    /** v when it lies in the range, else an IllegalArgumentException "WHAT: expected E, got V". */
    public float check(String what, float v) {
        if (!contains(v)) throw new IllegalArgumentException(what + ": expected " + expected + ", got " + v);
        return v;
    }
}
