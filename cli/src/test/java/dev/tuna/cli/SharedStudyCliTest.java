package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.EpochRow;
import dev.tuna.tune.study.StorageUrl;
import dev.tuna.tune.study.StudyLocation;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared studies from the CLI against a real PostgreSQL server (the throwaway cluster ./run-tests starts with
 * scripts/test-postgres; TUNA_TEST_POSTGRES names it, PGPASSWORD holds its password): every command on a shared
 * study, many processes on one study (and on one SQLite study), workers killed with -9 while they hold a trial,
 * and the server stopped and started again mid-study. Each test names what it proves; none waits on a clock: a
 * state a test acts on is a line its child printed.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SharedStudyCliTest {
    @TempDir
    Path tmp;

    private static final String RUN = Long.toString(ThreadLocalRandom.current().nextLong() >>> 16, 36);

    private static String url() {
        String u = System.getenv("TUNA_TEST_POSTGRES");
        if (u == null || u.isBlank()) {
            throw new AssertionError("TUNA_TEST_POSTGRES is not set: these tests need a PostgreSQL server. Run ./run-tests (it starts one"
                    + " with scripts/test-postgres), or scripts/test-postgres start and export TUNA_TEST_POSTGRES=$(scripts/test-postgres url)"
                    + " PGPASSWORD=$(scripts/test-postgres password)");
        }
        return u;
    }

    /** A study name no other test or run uses. */
    private static String name(String what) { return what + "-" + RUN; }

    private Path csv(String name, int rows, long seed) throws Exception { return CsvFixtures.twoNoisyClasses(tmp, name, rows, seed); }

    /** A tiny search: a one-layer MLP on 400 rows, one epoch per trial, so a trial costs milliseconds. */
    private Path tinySpec(int maxTrials) throws Exception {
        Path p = tmp.resolve("tiny.yaml");
        Files.writeString(p, """
                data: {train: %s, test: %s, format: csv, label: label}
                validation: {fraction: 0.25}
                model:
                  type: mlp
                  layers:
                    - dense: {units: {int: [2, 64]}, activation: relu}
                  optimizer: {choice: [adam, rmsprop, sgd]}
                  learning_rate: {float: [0.0001, 0.1], sampling: log}
                train: {epochs: 1, batch_size: 32, seed: 5}
                tune: {oracle: random, max_trials: %d}
                """.formatted(csv("train.csv", 400, 1), csv("test.csv", 200, 2), maxTrials));
        return p;
    }

    private static StudyLocation shared(String name, Path artifacts) {
        return StudyLocation.shared(StorageUrl.parse(url(), System.getenv()), name, artifacts);
    }

    private static List<TrialRow> trials(StudyLocation at) {
        try (StudyStore s = StudyStore.openReadOnly(at)) {
            return s.trials();
        }
    }

    /**
     * Every trial COMPLETE, numbered 0 to n - 1 once each, and consistent: its objective is the best val_accuracy among
     * its recorded epochs, and its summary's values are its stored values.
     */
    private static void assertCompleteAndConsistent(StudyLocation at, int n) {
        try (StudyStore s = StudyStore.openReadOnly(at)) {
            List<TrialRow> t = s.trials();
            assertEquals(n, t.size(), "trials in " + at.describe());
            for (int i = 0; i < n; i++) {
                TrialRow r = t.get(i);
                assertEquals(i, r.number());
                assertEquals(TrialState.COMPLETE, r.state(), r.toString());
                List<EpochRow> epochs = s.epochs(i);
                assertFalse(epochs.isEmpty(), "trial " + i + " has its epochs");
                double best = epochs.stream().mapToDouble(e -> e.metrics().get("val_accuracy")).max().orElseThrow();
                assertEquals(best, r.objective(), 1e-12, "trial " + i + "'s objective is its best epoch's val_accuracy");
                Object values = r.summary().get("values");
                if (values != null) assertEquals(r.values().toString(), values.toString(), "trial " + i + " records the values it ran");
            }
        }
    }

    @Test
    void everyCommandWorksOnAStudyInPostgresqlAndNoneShowsThePassword() throws Exception {
        Path spec = tinySpec(4);
        String study = name("commands");
        Path artifacts = tmp.resolve("artifacts");
        String[] where = {"--storage", url(), "--study", study, "--artifacts", artifacts.toString()};
        String password = System.getenv("PGPASSWORD");
        List<String> printed = new ArrayList<>();

        CliTest.Run tune = CliTest.run(concat(new String[] {"tune", spec.toString(), "--device", "cpu"}, where));
        assertEquals(0, tune.code(), tune.out() + tune.err());
        printed.add(tune.out() + tune.err());
        StorageUrl u = StorageUrl.parse(url(), System.getenv());
        assertTrue(tune.out().contains("Study saved in study " + study + " in " + u), tune.out());
        assertTrue(Files.isDirectory(artifacts.resolve("trials")), "checkpoints go to the artifact folder");
        assertFalse(Files.exists(artifacts.resolve(StudyStore.DB_FILE)), "no SQLite file for a shared study");
        assertCompleteAndConsistent(shared(study, artifacts), 4);

        CliTest.Run again = CliTest.run(concat(new String[] {"tune", spec.toString(), "--device", "cpu", "--max-trials", "6"}, where));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("Resuming the study in study " + study), again.out());
        printed.add(again.out() + again.err());
        assertCompleteAndConsistent(shared(study, artifacts), 6);

        for (String[] cmd : List.of(new String[] {"trials"}, new String[] {"best"}, new String[] {"retrain", "--device", "cpu", "--top", "1", "--max-epochs", "2"},
                new String[] {"report"}, new String[] {"ensemble", "--device", "cpu", "--top", "2", "--max-epochs", "2"})) {
            CliTest.Run r = CliTest.run(concat(cmd, where));
            assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r.out() + r.err());
            printed.add(r.out() + r.err());
        }
        assertTrue(Files.isDirectory(artifacts.resolve("models")), "retrained models in the artifact folder");
        assertTrue(Files.isRegularFile(artifacts.resolve("ensemble").resolve("ensemble.json")), "the ensemble in the artifact folder");
        assertTrue(Files.isDirectory(artifacts.resolve("report")), "the report in the artifact folder");

        // Bad input: one line, exit 2, naming the flag; a password typed in the URL is never echoed.
        String wrong = url().replace("://tuna@", "://tuna:not-the-password-42@");
        CliTest.Run denied = CliTest.run("trials", "--storage", wrong, "--study", study);
        assertEquals(2, denied.code(), denied.out() + denied.err());
        assertEquals(1, denied.err().strip().lines().count(), denied.err());
        assertTrue(denied.err().contains("study " + study + " in postgresql://tuna@"), denied.err());
        printed.add(denied.out() + denied.err());
        CliTest.Run missing = CliTest.run("best", "--storage", url(), "--study", name("never-made"));
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such study"), missing.err());
        CliTest.Run scheme = CliTest.run("trials", "--storage", "mysql://tuna@127.0.0.1/x", "--study", study);
        assertEquals(2, scheme.code());
        assertTrue(scheme.err().contains("--storage mysql://tuna@127.0.0.1/x: expected postgresql://user@host:port/database"), scheme.err());
        CliTest.Run badName = CliTest.run("trials", "--storage", url(), "--study", "no spaces please");
        assertEquals(2, badName.code());
        assertTrue(badName.err().contains("--study no spaces please: a study name"), badName.err());
        for (String text : printed) {
            assertFalse(text.contains("not-the-password-42"), "a password from the URL was printed: " + text);
            if (password != null && !password.isEmpty()) assertFalse(text.contains(password), "the password was printed: " + text);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** n tune processes on one study until its budget is spent; each must exit 0. */
    private void runTogether(int n, String[] args) throws Exception {
        List<Process> ps = new ArrayList<>();
        List<StringBuilder> logs = new ArrayList<>();
        List<Thread> drains = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Process p = TunaChildren.tuna(args).start();
            StringBuilder log = new StringBuilder();
            ps.add(p);
            logs.add(log);
            drains.add(TunaChildren.drain(p, log));
        }
        for (int i = 0; i < n; i++) {
            assertTrue(ps.get(i).waitFor(600, TimeUnit.SECONDS), "worker " + i + " did not finish in 10 minutes");
            drains.get(i).join();
            assertEquals(0, ps.get(i).exitValue(), "worker " + i + ":\n" + logs.get(i));
        }
    }

    @Test
    void eightProcessesOnOneNewPostgresqlStudyGiveExactly160CompleteTrialsNumberedOnce() throws Exception {
        Path spec = tinySpec(160);
        String study = name("load");
        Path artifacts = tmp.resolve("load");
        // The study does not exist yet: the eight race to create its schema too.
        runTogether(8, new String[] {"tune", spec.toString(), "--device", "cpu", "--workers", "1", "--storage", url(), "--study", study,
                "--artifacts", artifacts.toString()});
        StudyLocation at = shared(study, artifacts);
        assertCompleteAndConsistent(at, 160);
        List<TrialRow> t = trials(at);
        assertTrue(t.stream().allMatch(r -> r.attempts() == 1), "no trial ran twice");
        long workers = t.stream().map(TrialRow::worker).distinct().count();
        assertTrue(workers >= 2, "the work was shared: " + workers + " workers");
        System.out.println("SharedStudyCliTest: 8 processes, 160 trials on PostgreSQL, " + workers + " distinct workers");
    }

    @Test
    void fourProcessesOnOneNewSqliteStudyGiveExactly80CompleteTrialsNumberedOnce() throws Exception {
        Path spec = tinySpec(80);
        Path study = tmp.resolve("sqlite-load");
        runTogether(4, new String[] {"tune", spec.toString(), "--device", "cpu", "--workers", "1", "--study", study.toString()});
        StudyLocation at = StudyLocation.folder(study);
        assertCompleteAndConsistent(at, 80);
        assertTrue(trials(at).stream().allMatch(r -> r.attempts() == 1), "no trial ran twice");
    }

    @Test
    void workersKilledWithSigkillWhileHoldingTrialsLoseNothingAndChangeNoFinishedTrial() throws Exception {
        int total = 40, kills = 4;
        Path spec = tinySpec(total);
        String study = name("chaos");
        Path artifacts = tmp.resolve("chaos");
        String[] args = {"tune", spec.toString(), "--device", "cpu", "--workers", "1", "--storage", url(), "--study", study, "--artifacts", artifacts.toString()};
        StudyLocation at = shared(study, artifacts);
        assertEquals(0, CliTest.run("tune", spec.toString(), "--device", "cpu", "--max-trials", "1", "--storage", url(), "--study", study,
                "--artifacts", artifacts.toString()).code());
        // Two workers at a time. Each of the first ones holds its second trial (TUNA_TEST_HOLD_NTH) until the test
        // kills it with -9 and starts another in its place; the last two run to the end of the budget.
        List<Process> waiting = new ArrayList<>();
        List<StringBuilder> logs = new ArrayList<>();
        int started = 0;
        for (; started < 2; started++) {
            waiting.add(holder(args).start());
            logs.add(new StringBuilder());
        }
        Map<Integer, TrialRow> finished = new HashMap<>();
        Set<Integer> killedTrials = new HashSet<>();
        for (int k = 0; k < kills; k++) {
            Process p = waiting.get(k);
            String line = TunaChildren.awaitLine(p, l -> l.startsWith("tuna-test: holding trial "), logs.get(k), "holding its second trial");
            int held = Integer.parseInt(line.substring("tuna-test: holding trial ".length()).trim());
            for (TrialRow r : trials(at)) if (r.state() == TrialState.COMPLETE) finished.put(r.number(), r);
            p.destroyForcibly().waitFor();
            killedTrials.add(held);
            ProcessBuilder next = started < kills ? holder(args) : TunaChildren.tuna(args);
            waiting.add(next.start());
            logs.add(new StringBuilder());
            started++;
        }
        List<Thread> drains = new ArrayList<>();
        for (int i = kills; i < waiting.size(); i++) drains.add(TunaChildren.drain(waiting.get(i), logs.get(i)));
        for (int i = kills; i < waiting.size(); i++) {
            assertTrue(waiting.get(i).waitFor(600, TimeUnit.SECONDS), "worker " + i + " did not finish");
            drains.get(i - kills).join();
            assertEquals(0, waiting.get(i).exitValue(), "worker " + i + ":\n" + logs.get(i));
        }
        assertCompleteAndConsistent(at, total);
        List<TrialRow> end = trials(at);
        int lostAttempts = 0;
        for (TrialRow r : end) lostAttempts += r.attempts() - 1;
        assertEquals(kills, lostAttempts, "each kill cost exactly one attempt of one trial: " + end);
        for (int n : killedTrials) assertTrue(end.get(n).attempts() >= 2, "killed trial " + n + " was rerun");
        for (TrialRow before : finished.values()) {
            TrialRow after = end.get(before.number());
            assertEquals(before.objective(), after.objective(), "finished trial " + before.number() + " kept its result");
            assertEquals(before.finishedMillis(), after.finishedMillis(), "finished trial " + before.number() + " was not run again");
            assertEquals(before.values(), after.values());
        }
    }

    /** A tune child whose worker holds the second trial it starts, until killed. */
    private static ProcessBuilder holder(String[] args) {
        ProcessBuilder pb = TunaChildren.tuna(args);
        pb.environment().put("TUNA_TEST_HOLD_NTH", "2");
        return pb;
    }

    /** One tune worker on a shared study whose third trial is held until a line arrives on its stdin. */
    private static ProcessBuilder heldUntilStdin(Path spec, String study, Path artifacts) {
        ProcessBuilder pb = TunaChildren.tuna("tune", spec.toString(), "--device", "cpu", "--workers", "1", "--storage", url(), "--study", study,
                "--artifacts", artifacts.toString());
        pb.environment().put("TUNA_TEST_HOLD_NTH", "3");
        pb.environment().put("TUNA_TEST_HOLD_RELEASE", "stdin");
        return pb;
    }

    /** scripts/test-postgres, from the cli module's folder. */
    private static Path controlScript() {
        return Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().resolve("scripts").resolve("test-postgres");
    }

    private static void server(String action) throws Exception {
        Process p = new ProcessBuilder(controlScript().toString(), action).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "scripts/test-postgres " + action + " did not finish");
        assertEquals(0, p.exitValue(), "scripts/test-postgres " + action + ": " + out);
    }

    @Test
    void aServerGoneLongerThanTheRetryLimitEndsTheSearchWithOneLineAndKeepsTheFinishedTrials() throws Exception {
        Path spec = tinySpec(12);
        String study = name("gone");
        Path artifacts = tmp.resolve("gone");
        StudyLocation at = shared(study, artifacts);
        ProcessBuilder pb = heldUntilStdin(spec, study, artifacts);
        pb.environment().put("TUNA_STORAGE_RETRY_SECONDS", "3");
        Process p = pb.start();
        StringBuilder log = new StringBuilder();
        boolean stopped = false;
        try {
            TunaChildren.awaitLine(p, l -> l.startsWith("tuna-test: holding trial "), log, "holding its third trial");
            server("stop");
            stopped = true;
            try (Writer w = p.outputWriter()) {
                w.write("go\n");
            }
            String out = TunaChildren.readRest(p, log);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(1, p.exitValue(), out);
            List<String> errors = out.lines().filter(l -> l.startsWith("tuna: error")).toList();
            assertEquals(1, errors.size(), out);
            assertTrue(errors.getFirst().contains("study " + study + " in postgresql://") && errors.getFirst().contains("unreachable for 3 s"), errors.getFirst());
        } finally {
            if (stopped) server("start");
            p.destroyForcibly();
        }
        List<TrialRow> t = trials(at);
        for (int i = 0; i < 2; i++) assertEquals(TrialState.COMPLETE, t.get(i).state(), "trial " + i + " finished before the outage is kept");
        assertTrue(t.get(2).state() != TrialState.COMPLETE, t.toString());
    }

    @Test
    void aServerStoppedMidStudyIsWaitedForAndNothingIsLostOrRecordedTwice() throws Exception {
        Path spec = tinySpec(12);
        String study = name("restart");
        Path artifacts = tmp.resolve("restart");
        StudyLocation at = shared(study, artifacts);
        assertEquals(0, CliTest.run("tune", spec.toString(), "--device", "cpu", "--max-trials", "2", "--storage", url(), "--study", study,
                "--artifacts", artifacts.toString()).code());
        // The worker holds its third trial until the test, with the server stopped, releases it through stdin: the
        // trial then finishes training while the database is gone, and its result has to wait for the server.
        ProcessBuilder pb = heldUntilStdin(spec, study, artifacts);
        Process p = pb.start();
        StringBuilder log = new StringBuilder();
        boolean restarted = false;
        try {
            String line = TunaChildren.awaitLine(p, l -> l.startsWith("tuna-test: holding trial "), log, "holding its third trial");
            int held = Integer.parseInt(line.substring("tuna-test: holding trial ".length()).trim());
            server("stop");
            try (Writer w = p.outputWriter()) {
                w.write("go\n");
            }
            // Stays down until the worker has waited through three retries (0.5 + 1 + 2 s of backoff, and more).
            for (int i = 1; i <= 3; i++) {
                int n = i;
                TunaChildren.awaitLine(p, l -> l.contains("is unreachable") && l.contains("retry " + n + " in"), log, "retry " + n);
            }
            server("start");
            restarted = true;
            String rest = TunaChildren.readRest(p, log);
            assertTrue(p.waitFor(300, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), rest);
            assertCompleteAndConsistent(at, 12);
            List<TrialRow> t = trials(at);
            assertEquals(1, t.get(held).attempts(), "the trial that finished while the server was down was recorded once, not rerun");
            assertTrue(t.stream().allMatch(r -> r.attempts() == 1), t.toString());
            assertFalse(rest.contains(System.getenv().getOrDefault("PGPASSWORD", "\u0000")), "the password was printed");
        } finally {
            if (!restarted) server("start");
            p.destroyForcibly();
        }
    }
}
