package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A study folder on a small file system of its own (a 16 MiB tmpfs, which needs root: CI runs as root) that fills
 * up, or turns read-only (a read-only bind mount over it), while a trial is held running: the search stops with one clear line and exit 1, and every
 * trial finished before is still in the study.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StudyFolderFaultsCliTest {
    @TempDir
    Path tmp;
    private Path mount;

    private static int sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        mount = tmp.resolve("small");
        Files.createDirectories(mount);
        boolean root = "root".equals(System.getProperty("user.name"));
        int rc = root ? sh("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount.toString()) : -1;
        if (rc != 0) System.out.println("SKIPPED StudyFolderFaultsCliTest: mounting a tmpfs needs root (CI runs as root); here " + (root ? "mount failed" : "not root"));
        Assumptions.assumeTrue(rc == 0, "mounting a tmpfs needs root");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) sh("umount", "-l", mount.toString());
    }

    private Path spec() throws Exception {
        SplittableRandom rng = new SplittableRandom(3);
        StringBuilder s = new StringBuilder("f0,f1,f2,f3,label\n");
        for (int r = 0; r < 300; r++) {
            int label = rng.nextInt(2);
            for (int j = 0; j < 4; j++) s.append(String.format("%.4f,", (label == 0 ? -1 : 1) * 0.5 + rng.nextGaussian()));
            s.append(label).append('\n');
        }
        Path data = tmp.resolve("data.csv");
        Files.writeString(data, s);
        Path p = tmp.resolve("job.yaml");
        Files.writeString(p, """
                data: {train: %s, format: csv, label: label}
                validation: {fraction: 0.25}
                model:
                  type: mlp
                  layers:
                    - dense: {units: {int: [2, 32]}, activation: relu}
                train: {epochs: 2, batch_size: 32, seed: 5}
                tune: {oracle: random, max_trials: 6}
                """.formatted(data));
        return p;
    }

    /** Runs tune on a study in the small file system, holding its third trial; fault() then breaks the folder. */
    private String runUntilFault(Path study, Runnable fault) throws Exception {
        ProcessBuilder pb = TunaChildren.tuna("tune", spec().toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        pb.environment().put("TUNA_TEST_HOLD_NTH", "3");
        pb.environment().put("TUNA_TEST_HOLD_RELEASE", "stdin");
        Process p = pb.start();
        StringBuilder log = new StringBuilder();
        TunaChildren.awaitLine(p, l -> l.startsWith("tuna-test: holding trial "), log, "holding its third trial");
        fault.run();
        try (Writer w = p.outputWriter()) {
            w.write("go\n");
        }
        String out = TunaChildren.readRest(p, log);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue(), out);
        return out;
    }

    private static void assertTwoFinishedTrialsKept(Path study) {
        try (StudyStore s = StudyStore.openReadOnly(study)) {
            List<TrialRow> t = s.trials();
            assertTrue(t.size() >= 3, t.toString());
            for (int i = 0; i < 2; i++) {
                assertEquals(TrialState.COMPLETE, t.get(i).state(), t.get(i).toString());
                assertEquals(i, t.get(i).number());
                assertTrue(!s.epochs(i).isEmpty(), "trial " + i + " kept its epochs");
            }
            assertTrue(t.get(2).state() != TrialState.COMPLETE, "the held trial did not complete: " + t.get(2));
        }
    }

    private static long errorLines(String out) { return out.lines().filter(l -> l.startsWith("tuna: error")).count(); }

    @Test
    void aStudyFolderThatFillsUpStopsTheSearchWithOneLineAndKeepsTheFinishedTrials() throws Exception {
        Path study = mount.resolve("study");
        Path filler = mount.resolve("filler");
        String out = runUntilFault(study, () -> {
            // Fill the file system to the last byte while trial 3 waits.
            byte[] block = new byte[1 << 16];
            try (OutputStream o = Files.newOutputStream(filler)) {
                while (true) o.write(block);
            } catch (IOException full) {
                assertTrue(String.valueOf(full.getMessage()).contains("No space left"), full.toString());
            }
        });
        assertEquals(1, errorLines(out), out);
        String error = out.lines().filter(l -> l.startsWith("tuna: error")).findFirst().orElseThrow();
        assertTrue(error.contains(study.toString()) && (error.contains("No space left") || error.contains("full")), error);
        Files.delete(filler);
        assertTwoFinishedTrialsKept(study);
    }

    @Test
    void aStudyFolderThatTurnsReadOnlyStopsTheSearchWithOneLineAndKeepsTheFinishedTrials() throws Exception {
        Path study = mount.resolve("study");
        String out = runUntilFault(study, () -> {
            // The study folder becomes a read-only view of itself (a read-only bind mount over it). Linux refuses to
            // remount a whole file system read-only while files on it are open for writing, as the database is.
            try {
                assertEquals(0, sh("mount", "--bind", study.toString(), study.toString()), "bind mount");
                assertEquals(0, sh("mount", "-o", "remount,ro,bind", study.toString()), "remount the bind read-only");
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(1, errorLines(out), out);
        String error = out.lines().filter(l -> l.startsWith("tuna: error")).findFirst().orElseThrow();
        assertTrue(error.contains(study.toString()) && error.toLowerCase(java.util.Locale.ROOT).contains("read"), error);
        assertTwoFinishedTrialsKept(study); // readable on the read-only mount
        assertEquals(0, sh("umount", study.toString()));
        assertTwoFinishedTrialsKept(study);
        assertTrue(Files.readString(study.resolve(StudyStore.DB_FILE), StandardCharsets.ISO_8859_1).startsWith("SQLite format 3"));
    }
}
