package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.study.StudyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --study flag of the commands that read a study. */
final class StudyOptions {
    @Option(names = "--study", paramLabel = "DIR", required = true, description = "the study folder (made by tuna tune)")
    Path dir;

    /** Opens an existing study; a folder without one is a usage error. */
    StudyStore open() {
        if (!Files.isRegularFile(dir.resolve(StudyStore.DB_FILE))) {
            throw new BadInputException("--study " + dir + ": no study here (expected " + dir.resolve(StudyStore.DB_FILE) + "; run tuna tune first)");
        }
        return StudyStore.open(dir, false);
    }

    /** Opens an existing study only to read it, so a study in a read-only folder can be listed. */
    StudyStore openReadOnly() {
        if (!Files.isRegularFile(dir.resolve(StudyStore.DB_FILE))) {
            throw new BadInputException("--study " + dir + ": no study here (expected " + dir.resolve(StudyStore.DB_FILE) + "; run tuna tune first)");
        }
        return StudyStore.openReadOnly(dir);
    }
}
