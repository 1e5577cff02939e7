package dev.tuna.tune.study;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The databases the study-store suite runs against: SQLite in a folder, and a real PostgreSQL server (the throwaway
 * cluster {@code scripts/test-postgres} starts; {@code ./run-tests} starts it and sets TUNA_TEST_POSTGRES). A
 * PostgreSQL run without a server fails, saying how to get one, rather than skipping.
 */
enum StudyBackend {
    SQLITE, POSTGRES;

    /** One id per test JVM, so that studies of two runs against one server never meet. */
    private static final String RUN = Long.toString(ThreadLocalRandom.current().nextLong() >>> 16, 36);

    /** The URL of the test server, from TUNA_TEST_POSTGRES (its password from PGPASSWORD). */
    static String postgresUrl() {
        String url = System.getenv("TUNA_TEST_POSTGRES");
        if (url == null || url.isBlank()) {
            throw new AssertionError("TUNA_TEST_POSTGRES is not set: the PostgreSQL half of the study suite needs a server."
                    + " Run ./run-tests (it starts one with scripts/test-postgres), or scripts/test-postgres start and export"
                    + " TUNA_TEST_POSTGRES=$(scripts/test-postgres url) PGPASSWORD=$(scripts/test-postgres password)");
        }
        return url;
    }

    /** The study a test means by a folder: the folder itself, or a study named after it with the folder for artifacts. */
    StudyLocation at(Path dir) {
        if (this == SQLITE) return StudyLocation.folder(dir);
        String name = "t" + RUN + "-" + Integer.toHexString(dir.toAbsolutePath().normalize().toString().hashCode());
        return StudyLocation.shared(StorageUrl.parse(postgresUrl(), System.getenv()), name, dir);
    }

    StudyStore open(Path dir, boolean overwrite) { return StudyStore.open(at(dir), overwrite); }

    JdbcStudyStore open(Path dir, String workerId) { return JdbcStudyStore.open(at(dir), false, workerId); }

    /** Arguments that let a child process open the same study ({@link StudyStoreChild}). */
    String[] childArgs(Path dir) {
        StudyLocation at = at(dir);
        return at.isShared() ? new String[] {dir.toString(), postgresUrl(), at.name()} : new String[] {dir.toString()};
    }

    static StudyStore openFromArgs(String[] args) {
        Path dir = Path.of(args[0]);
        if (args.length == 1) return StudyStore.open(dir, false);
        return StudyStore.open(StudyLocation.shared(StorageUrl.parse(args[1], Map.copyOf(System.getenv())), args[2], dir), false);
    }
}
