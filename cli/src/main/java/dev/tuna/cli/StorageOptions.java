package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.study.StorageUrl;
import dev.tuna.tune.study.StudyLocation;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --storage and --artifacts, for every command that takes --study: a shared study database and its artifact folder. */
final class StorageOptions {
    @Option(names = "--storage", paramLabel = "URL", description = "a shared study database that workers on many machines feed:"
            + " postgresql://user@host:port/database (password from PGPASSWORD or ~/.pgpass; never printed)")
    String url;

    @Option(names = "--artifacts", paramLabel = "DIR", description = "with --storage: the study's folder for checkpoints, models, the ensemble and"
            + " reports, one every worker sees (default: studies/NAME)")
    Path artifacts;

    /** Parsed once: parsing reads the password file, and its warnings must not repeat. */
    private StorageUrl parsed;

    boolean shared() { return url != null; }

    /** The URL as the user may see it again (any password in it replaced). */
    String shown() { return StorageUrl.redact(url); }

    /** Where a study of this name (or in this folder) is, its artifacts in --artifacts. */
    StudyLocation location(String study) { return location(study, artifacts); }

    /** The same with another artifact folder (null: studies/NAME); a study folder holds its own artifacts. */
    StudyLocation location(String study, Path artifactFolder) {
        if (url == null) {
            if (artifacts != null) throw new BadInputException("--artifacts " + artifacts + ": only with --storage (a study folder holds its own artifacts)");
            return StudyLocation.folder(Path.of(study));
        }
        if (parsed == null) parsed = StorageUrl.parse(url, System.getenv());
        return StudyLocation.shared(parsed, study, artifactFolder != null ? artifactFolder : Path.of("studies", study));
    }
}
