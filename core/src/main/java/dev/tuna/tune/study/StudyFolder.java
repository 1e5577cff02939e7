package dev.tuna.tune.study;

import dev.tuna.errors.BadInputException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The study folder: {@code study.db} for a SQLite study, and the artifacts tuna writes beside it (trial checkpoints,
 * retrained models, the ensemble, the report). Refuses a folder that is someone else's, and on overwrite deletes
 * exactly what tuna wrote.
 */
final class StudyFolder {
    /** The folders tuna writes inside a study folder (besides the database). */
    static final List<String> ARTIFACT_FOLDERS = List.of("trials", "models", "ensemble", "report");

    private StudyFolder() {}

    /**
     * Makes the folder ready for a SQLite study: creates it, refuses a file or a folder with other things and no
     * study, and on overwrite deletes the database and tuna's artifact folders.
     */
    static void prepareForDatabase(Path d, boolean overwrite) {
        Path db = d.resolve(StudyStore.DB_FILE);
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new BadInputException(d + ": not a study directory (it is a file); a study is a directory holding " + StudyStore.DB_FILE);
        }
        if (Files.isDirectory(d) && !emptyOrStudy(list(d))) {
            // Refused even with overwrite: overwriting deletes files, and this directory is someone else's.
            throw new BadInputException(d + ": exists and is not a study (no " + StudyStore.DB_FILE + " in it); choose a new or empty directory");
        }
        try {
            Files.createDirectories(d);
            if (overwrite) {
                for (String suffix : List.of("", "-wal", "-shm", "-journal")) Files.deleteIfExists(d.resolve(StudyStore.DB_FILE + suffix));
                deleteArtifacts(d);
            }
        } catch (IOException e) {
            throw new BadInputException(d + ": cannot prepare the study directory (" + e.getMessage() + ")", e);
        }
        if (Files.exists(db) && !Files.isReadable(db)) throw new BadInputException(db + ": cannot read the study database");
    }

    /** The artifact folder of a shared study: created if missing; on overwrite tuna's artifacts in it go. */
    static void prepareForArtifacts(Path d, boolean overwrite) {
        if (Files.exists(d) && !Files.isDirectory(d)) throw new BadInputException(d + ": the study's artifact folder is a file");
        try {
            Files.createDirectories(d);
            if (overwrite) deleteArtifacts(d);
        } catch (IOException e) {
            throw new BadInputException(d + ": cannot prepare the study's artifact folder (" + e.getMessage() + ")", e);
        }
    }

    /** Everything tuna wrote from an old study goes with it, so nothing of it is mistaken for the new one's. */
    private static void deleteArtifacts(Path d) throws IOException {
        for (String folder : ARTIFACT_FOLDERS) deleteTree(d.resolve(folder));
    }

    /**
     * Whether a folder's entries, read in one listing, are nothing or a study. One listing, not a look for
     * {@code study.db} and then another for emptiness: workers started together on a new study each find the folder
     * another has just created, and between two looks the first worker's database can appear, making the folder
     * look neither empty nor a study.
     */
    static boolean emptyOrStudy(List<String> names) {
        return names.isEmpty() || names.contains(StudyStore.DB_FILE);
    }

    private static List<String> list(Path d) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
            List<String> names = new ArrayList<>();
            for (Path p : s) names.add(p.getFileName().toString());
            return names;
        } catch (IOException e) {
            throw new BadInputException(d + ": cannot list the directory (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
