package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.study.StudyLocation;
import dev.tuna.tune.study.StudyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The --study flag of the commands that read a study, with --storage and --artifacts for shared studies. */
final class StudyOptions {
    @Option(names = "--study", paramLabel = "DIR|NAME", required = true, description = "the study folder (made by tuna tune); with --storage, the study's name")
    String study;

    @Mixin
    StorageOptions storage = new StorageOptions();

    private StudyLocation location;

    /** Where --study, --storage and --artifacts put the study. */
    StudyLocation location() {
        if (location == null) location = storage.location(study);
        return location;
    }

    /** The study as messages name it: the folder as given, or "study NAME in postgresql://user@host:port/db". */
    String shown() { return shown(location(), study); }

    static String shown(StudyLocation at, String given) { return at.isShared() ? at.describe() : given; }

    /** The study's artifact folder: the study folder itself, or a shared study's --artifacts. */
    Path dir() { return location().folder(); }

    /** Opens an existing study; a folder without one, or a name the database does not have, is a usage error. */
    StudyStore open() { return open(location(), study); }

    /** Opens the existing study at {@code at}, which --study named {@code given}. */
    static StudyStore open(StudyLocation at, String given) {
        if (at.isShared()) {
            StudyStore.openReadOnly(at).close(); // says "no such study" rather than creating an empty one
            return StudyStore.open(at, false);
        }
        requireFolder(at.folder(), given);
        return StudyStore.open(at, false);
    }

    /** Opens an existing study only to read it, so a study in a read-only folder can be listed. */
    StudyStore openReadOnly() {
        StudyLocation at = location();
        if (!at.isShared()) requireFolder(at.folder(), study);
        return StudyStore.openReadOnly(at);
    }

    private static void requireFolder(Path dir, String given) {
        if (!Files.isRegularFile(dir.resolve(StudyStore.DB_FILE))) {
            throw new BadInputException("--study " + given + ": no study here (expected " + dir.resolve(StudyStore.DB_FILE) + "; run tuna tune first)");
        }
    }
}
