package dev.tuna.task;

import java.util.Objects;

/**
 * The true answers for a set of rows, on the Java heap: class indices for a classifier (binary ones are 0 or 1),
 * values for a regressor. Exactly one of {@link #classes()} and {@link #values()} is non-null.
 */
public record Labels(int[] classes, float[] values) {
    public Labels {
        if ((classes == null) == (values == null)) throw new IllegalArgumentException("labels are classes or values, exactly one");
    }

    public static Labels classes(int[] classes) { return new Labels(Objects.requireNonNull(classes), null); }

    public static Labels values(float[] values) { return new Labels(null, Objects.requireNonNull(values)); }

    public int rows() { return classes != null ? classes.length : values.length; }

    public boolean isClasses() { return classes != null; }

    /** Row i as a number: the class index, or the value. */
    public double get(int i) { return classes != null ? classes[i] : values[i]; }
}
