package dev.tuna.data.tabular;

import java.util.Locale;

/** What a column of a table holds: numbers, or categories (strings, compared as written). */
public enum ColumnType {
    NUMERIC, CATEGORICAL;

    /** The name in job files and the preprocessor's JSON. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    /** The type named in a job file or a saved preprocessor; {@code where} names the key for the error. */
    public static ColumnType parse(String s, String where) {
        if (s != null) {
            for (ColumnType t : values()) if (t.id().equals(s.trim().toLowerCase(Locale.ROOT))) return t;
        }
        throw new IllegalArgumentException(where + " '" + s + "': expected numeric or categorical");
    }
}
