package dev.tuna.tune.study;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StudyFolderTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderIsJudgedFromOneListingSoADatabaseThatAppearsBetweenTwoLooksCannotMakeItForeign() {
        assertTrue(StudyFolder.emptyOrStudy(List.of()), "an empty folder is a new study's");
        // What a worker sees once another worker has created the folder and its database, journal and all.
        assertTrue(StudyFolder.emptyOrStudy(List.of("study.db-journal", "study.db")));
        assertTrue(StudyFolder.emptyOrStudy(List.of("study.db", "trials")));
        assertFalse(StudyFolder.emptyOrStudy(List.of("notes.txt")), "someone else's folder");
        assertFalse(StudyFolder.emptyOrStudy(List.of("trials")), "artifacts with no database are not a study");
    }

    @Test
    void aFolderWithOtherFilesIsRefusedNamingItAndKeepsThem() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("theirs"));
        Files.writeString(d.resolve("notes.txt"), "mine");
        BadInputException e = assertThrows(BadInputException.class, () -> StudyFolder.prepareForDatabase(d, true));
        assertTrue(e.getMessage().startsWith(d + ": exists and is not a study"), e.getMessage());
        assertEquals("mine", Files.readString(d.resolve("notes.txt")));
    }

    @Test
    void workersOpeningOneNewSqliteStudyTogetherAllGetIt() throws Exception {
        int n = 8;
        Path d = tmp.resolve("new-study");
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<String>> opened = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                opened.add(pool.submit(() -> {
                    start.await();
                    try (StudyStore s = StudyStore.open(d, false)) {
                        return s.meta("schema_version");
                    }
                }));
            }
            for (Future<String> f : opened) assertEquals(String.valueOf(StudyStore.SCHEMA_VERSION), assertDoesNotThrow(() -> f.get()));
        } finally {
            pool.shutdownNow();
        }
    }
}
