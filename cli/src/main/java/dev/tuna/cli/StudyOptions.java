package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.study.StorageUrl;
import dev.tuna.tune.study.StudyLocation;
import dev.tuna.tune.study.StudyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --study flag of the commands that read a study, with --storage and --artifacts for shared studies. */
final class StudyOptions {
    @Option(names = "--study", paramLabel = "DIR|NAME", required = true, description = "the study folder (made by tuna tune); with --storage, the study's name")
    String study;

    @Option(names = "--storage", paramLabel = "URL", description = "a shared study database: postgresql://user@host:port/database"
            + " (password from PGPASSWORD or ~/.pgpass; never printed)")
    String storage;

    @Option(names = "--artifacts", paramLabel = "DIR", description = "with --storage: the study's folder for checkpoints, models and reports,"
            + " one every worker sees (default: studies/NAME)")
    Path artifacts;

    /** Where --study, --storage and --artifacts put the study. */
    static StudyLocation location(String storage, String study, Path artifacts) {
        if (storage == null) {
            if (artifacts != null) throw new BadInputException("--artifacts " + artifacts + ": only with --storage (a study folder holds its own artifacts)");
            return StudyLocation.folder(Path.of(study));
        }
        return StudyLocation.shared(StorageUrl.parse(storage, System.getenv()), study, artifacts != null ? artifacts : Path.of("studies", study));
    }

    StudyLocation location() { return location(storage, study, artifacts); }

    /** The study as messages name it: the folder as given, or "study NAME in postgresql://user@host:port/db". */
    String shown() { return storage == null ? study : location().describe(); }

    /** The study's artifact folder: the study folder itself, or a shared study's --artifacts. */
    Path dir() { return location().folder(); }

    /** Opens an existing study; a folder without one, or a name the database does not have, is a usage error. */
    StudyStore open() {
        StudyLocation at = location();
        if (at.isShared()) {
            StudyStore.openReadOnly(at).close(); // says "no such study" rather than creating an empty one
            return StudyStore.open(at, false);
        }
        requireFolder(at.folder());
        return StudyStore.open(at, false);
    }

    /** Opens an existing study only to read it, so a study in a read-only folder can be listed. */
    StudyStore openReadOnly() {
        StudyLocation at = location();
        if (!at.isShared()) requireFolder(at.folder());
        return StudyStore.openReadOnly(at);
    }

    private void requireFolder(Path dir) {
        if (!Files.isRegularFile(dir.resolve(StudyStore.DB_FILE))) {
            throw new BadInputException("--study " + study + ": no study here (expected " + dir.resolve(StudyStore.DB_FILE) + "; run tuna tune first)");
        }
    }
}
