package dev.tuna.task;

import java.util.Locale;

/**
 * What a model predicts, which decides its output layer, its default loss and metrics, how trees are trained for it
 * and what {@code tuna predict} writes: class probabilities for {@link #CLASSIFICATION} (softmax over one logit per
 * class), the probability of class 1 for {@link #BINARY} (a sigmoid over one logit), a value for {@link #REGRESSION}.
 */
public enum Task {
    CLASSIFICATION, BINARY, REGRESSION;

    /** The name in job files and output. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** Whether labels are class indices (classification and binary) rather than values. */
    public boolean classifies() { return this != REGRESSION; }

    /** The number of model outputs (logits or values) for a data set with this many classes. */
    public int outputs(int numClasses) { return this == CLASSIFICATION ? numClasses : 1; }

    /** The task named in a job file or flag; {@code where} names the key or flag for the error. */
    public static Task parse(String s, String where) {
        if (s != null) {
            for (Task t : values()) if (t.id().equals(s.trim().toLowerCase(Locale.ROOT))) return t;
        }
        throw new IllegalArgumentException(where + " '" + s + "': expected classification, binary or regression");
    }
}
