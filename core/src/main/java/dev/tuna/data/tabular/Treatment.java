package dev.tuna.data.tabular;

import java.util.Locale;

/**
 * What the preprocessor does with a column. Numeric columns take {@link #STANDARDIZE} (the default), {@link #NONE}
 * or {@link #DROP}; categorical ones {@link #ONE_HOT} (the default), {@link #EMBEDDING} or {@link #DROP}.
 */
public enum Treatment {
    /** (x - mean) / std over the training rows (population std; a constant column gives 0). */
    STANDARDIZE("standardize"),
    /** The value as it is (missing ones imputed): "none", or "passthrough". */
    NONE("none"),
    /** One column per level seen in training, plus one for unknown levels and missing values. */
    ONE_HOT("one_hot"),
    /** One column holding the level's index (0..L-1 by sorted level, L for unknown or missing) for a CategoryEmbedding layer. */
    EMBEDDING("embedding"),
    /** Left out of the features (and of the tree features). */
    DROP("drop");

    private final String id;

    Treatment(String id) { this.id = id; }

    /** The name in job files and the preprocessor's JSON. */
    public String id() { return id; }

    /** Whether the treatment is for categorical columns (so reading a file must keep the column's values as strings). */
    public boolean categorical() { return this == ONE_HOT || this == EMBEDDING; }

    /** The treatment named in a job file or a saved preprocessor; {@code where} names the key for the error. */
    public static Treatment parse(String s, String where) {
        if (s != null) {
            String l = s.trim().toLowerCase(Locale.ROOT);
            if (l.equals("passthrough")) return NONE;
            for (Treatment t : values()) if (t.id.equals(l)) return t;
        }
        throw new IllegalArgumentException(where + " '" + s + "': expected standardize, none (or passthrough), one_hot, embedding or drop");
    }
}
