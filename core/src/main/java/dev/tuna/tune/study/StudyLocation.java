package dev.tuna.tune.study;

import dev.tuna.errors.BadInputException;
import java.nio.file.Path;

/**
 * Where a study lives: a folder holding {@code study.db} (SQLite, the default), or a named study in a shared
 * PostgreSQL database with a folder for its artifacts (trial checkpoints, retrained models, the ensemble, the
 * report). Workers on several machines share a PostgreSQL study; Hyperband's promotions read the checkpoints
 * of other trials, so the artifact folder must then be one every worker sees (a shared mount).
 */
public record StudyLocation(Path folder, StorageUrl storage, String name) {
    /** PostgreSQL study names become schema names ({@code tuna_NAME}): letters, digits, '_', '-', '.'. */
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_.-]{0,57}";

    public StudyLocation {
        if (folder == null) throw new IllegalArgumentException("a study needs a folder");
        folder = folder.toAbsolutePath().normalize();
        if (storage != null && (name == null || !name.matches(NAME))) {
            throw new BadInputException("--study " + name + ": a study name in a shared database is 1 to 58 letters, digits, '_', '-' or '.',"
                    + " starting with a letter or digit");
        }
    }

    /** A SQLite study in its folder. */
    public static StudyLocation folder(Path dir) { return new StudyLocation(dir, null, null); }

    /** A study named {@code name} in a PostgreSQL database, its artifacts in {@code artifacts}. */
    public static StudyLocation shared(StorageUrl storage, String name, Path artifacts) { return new StudyLocation(artifacts, storage, name); }

    public boolean isShared() { return storage != null; }

    /** The PostgreSQL schema that holds the study's tables. */
    String schema() { return "tuna_" + name; }

    /** For messages: the folder, or "study NAME in postgresql://user@host:port/db" (never a password). */
    public String describe() { return storage == null ? folder.toString() : "study " + name + " in " + storage; }
}
