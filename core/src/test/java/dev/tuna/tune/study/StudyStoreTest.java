package dev.tuna.tune.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.TrialState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StudyStoreTest {
    @TempDir
    Path tmp;

    private static Function<List<TrialRow>, Proposal> tryNext() {
        return trials -> Proposal.of(Map.of("x", (long) trials.size()));
    }

    private static StudyStore.Claim claimNew(StudyStore s) {
        return s.claim(tryNext(), n -> 1000L + n);
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void roundTripsTrialsMetaEpochsRetrainsAndBlobs(StudyBackend db) {
        Path dir = tmp.resolve("study");
        try (StudyStore s = db.open(dir, false)) {
            assertEquals(dir.toAbsolutePath(), s.dir());
            assertEquals(db == StudyBackend.SQLITE, Files.isRegularFile(dir.resolve("study.db")), "a SQLite study is a file in its folder");
            assertEquals(String.valueOf(StudyStore.SCHEMA_VERSION), s.meta("schema_version"));
            s.putMeta("oracle", "random");
            s.putMeta("oracle", "bayesian");
            s.putMeta("direction", "max");
            assertEquals("bayesian", s.meta("oracle"));
            assertNull(s.meta("missing"));
            assertEquals(Map.of("direction", "max", "oracle", "bayesian", "schema_version", "1"), s.meta());

            List<List<Integer>> seen = new ArrayList<>();
            Function<List<TrialRow>, Proposal> proposer = trials -> {
                seen.add(trials.stream().map(TrialRow::number).toList());
                return Proposal.of(Map.of("units", 64L, "optimizer", "adam", "lr", 0.01, "bn", true), Map.of("bracket", 2L));
            };
            StudyStore.Claim c0 = s.claim(proposer, n -> 1000L + n);
            assertEquals(Proposal.Kind.TRY, c0.kind());
            TrialRow t0 = c0.trial();
            assertEquals(0, t0.number());
            assertEquals(TrialState.RUNNING, t0.state());
            assertEquals(Map.of("units", 64L, "optimizer", "adam", "lr", 0.01, "bn", true), t0.values());
            assertEquals(Map.of("bracket", 2L), t0.meta());
            assertEquals(1000L, t0.seed());
            assertEquals(1, t0.attempts());
            assertEquals(s.workerId(), t0.worker());
            assertTrue(t0.startedMillis() > 0 && t0.heartbeatMillis() >= t0.startedMillis());
            assertEquals(0, t0.finishedMillis());
            assertTrue(Double.isNaN(t0.objective()));

            // Epochs come back ordered by execution then epoch, whatever the insertion order; NaN survives as NaN.
            s.addEpoch(0, 1, 0, Map.of("loss", 0.9));
            s.addEpoch(0, 0, 1, Map.of("loss", 0.5, "val_accuracy", 0.8));
            s.addEpoch(0, 0, 0, Map.of("loss", 0.7, "val_accuracy", Double.NaN));
            List<EpochRow> ep = s.epochs(0);
            assertEquals(3, ep.size());
            assertEquals(List.of("0/0", "0/1", "1/0"), ep.stream().map(e -> e.execution() + "/" + e.epoch()).toList());
            assertEquals(0.7, ep.get(0).metrics().get("loss"));
            assertTrue(Double.isNaN(ep.get(0).metrics().get("val_accuracy")));
            assertEquals(0.8, ep.get(1).metrics().get("val_accuracy"));

            s.complete(0, 0.83, Map.of("best_epoch", 1L, "epochs_run", 2L, "executions", List.of(0.8, 0.86)), "trials/0/model.safetensors");
            TrialRow done = s.trial(0).orElseThrow();
            assertEquals(TrialState.COMPLETE, done.state());
            assertEquals(0.83, done.objective());
            assertEquals(Map.of("best_epoch", 1L, "epochs_run", 2L, "executions", List.of(0.8, 0.86)), done.summary());
            assertEquals("trials/0/model.safetensors", done.checkpoint());
            assertTrue(done.finishedMillis() >= done.startedMillis());

            TrialRow t1 = claimNew(s).trial();
            assertEquals(1, t1.number());
            assertEquals(1001L, t1.seed());
            s.fail(1, "out of memory");
            TrialRow failed = s.trial(1).orElseThrow();
            assertEquals(TrialState.FAILED, failed.state());
            assertEquals("out of memory", failed.reason());
            assertTrue(Double.isNaN(failed.objective()));
            assertTrue(failed.finishedMillis() > 0);

            TrialRow t2 = claimNew(s).trial();
            assertEquals(2, t2.number());
            assertEquals(Map.of("x", 2L), t2.values());
            s.addEpoch(2, 0, 0, Map.of("loss", 1.0));
            s.release(2);
            assertEquals(TrialState.PENDING, s.trial(2).orElseThrow().state());
            // A pending trial is rerun before anything new is proposed: same number, values and seed, one more attempt.
            int proposalsBefore = seen.size();
            TrialRow again = s.claim(proposer, n -> -1L).trial();
            assertEquals(proposalsBefore, seen.size(), "the proposer must not be asked while a trial is pending");
            assertEquals(2, again.number());
            assertEquals(Map.of("x", 2L), again.values());
            assertEquals(1002L, again.seed());
            assertEquals(2, again.attempts());
            assertEquals(TrialState.RUNNING, again.state());
            assertEquals(List.of(), s.epochs(2), "a rerun starts without the earlier attempt's epochs");
            s.complete(2, 0.5, Map.of(), null);

            // WAIT and DONE insert nothing; the proposer saw the trials in number order.
            StudyStore.Claim w = s.claim(t -> Proposal.WAIT, n -> 0);
            StudyStore.Claim d = s.claim(t -> {
                seen.add(t.stream().map(TrialRow::number).toList());
                return Proposal.DONE;
            }, n -> 0);
            assertEquals(Proposal.Kind.WAIT, w.kind());
            assertNull(w.trial());
            assertEquals(Proposal.Kind.DONE, d.kind());
            assertNull(d.trial());
            assertEquals(3, s.trials().size());
            assertEquals(List.of(List.of(), List.of(0, 1, 2)), seen);
            assertEquals(List.of(0, 1, 2), s.trials().stream().map(TrialRow::number).toList());
            assertTrue(s.trial(3).isEmpty());

            s.putRetrain(new RetrainRow(2, 1, 4, 5, 0.91, 0.3, "retrain/2.safetensors", Map.of("seed", 5L)));
            s.putRetrain(new RetrainRow(0, 0, 7, 8, 0.95, Double.NaN, "retrain/0.safetensors", Map.of()));
            s.putRetrain(new RetrainRow(2, 1, 4, 5, 0.92, 0.25, "retrain/2b.safetensors", Map.of("seed", 6L)));
            List<RetrainRow> r = s.retrains();
            assertEquals(2, r.size());
            assertEquals(new RetrainRow(0, 0, 7, 8, 0.95, Double.NaN, "retrain/0.safetensors", Map.of()), r.get(0));
            assertEquals(new RetrainRow(2, 1, 4, 5, 0.92, 0.25, "retrain/2b.safetensors", Map.of("seed", 6L)), r.get(1));

            byte[] data = {1, 2, 3, -1, 0};
            s.putBlob("ensemble/preds", data);
            assertArrayEquals(data, s.blob("ensemble/preds").orElseThrow());
            s.putBlob("ensemble/preds", new byte[] {9});
            assertArrayEquals(new byte[] {9}, s.blob("ensemble/preds").orElseThrow());
            s.putBlob("empty", new byte[0]);
            assertArrayEquals(new byte[0], s.blob("empty").orElseThrow());
            assertTrue(s.blob("nope").isEmpty());
        }
        // Everything is still there after reopening, under a new worker id.
        try (StudyStore s = db.open(dir, false)) {
            assertEquals("bayesian", s.meta("oracle"));
            List<TrialRow> t = s.trials();
            assertEquals(List.of(TrialState.COMPLETE, TrialState.FAILED, TrialState.COMPLETE), t.stream().map(TrialRow::state).toList());
            assertEquals(0.83, t.get(0).objective());
            assertEquals(3, s.epochs(0).size());
            assertEquals(2, s.retrains().size());
            assertArrayEquals(new byte[] {9}, s.blob("ensemble/preds").orElseThrow());
            assertEquals(3, claimNew(s).trial().number());
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void onlyTheHoldingWorkerMayFinishATrial(StudyBackend db) {
        Path dir = tmp.resolve("study");
        try (StudyStore a = db.open(dir, false); StudyStore b = db.open(dir, false)) {
            assertNotEquals(a.workerId(), b.workerId());
            assertEquals(0, claimNew(a).trial().number());
            assertThrows(IllegalStateException.class, () -> b.complete(0, 1.0, Map.of(), null));
            assertThrows(IllegalStateException.class, () -> b.fail(0, "not mine"));
            assertThrows(IllegalStateException.class, () -> b.addEpoch(0, 0, 0, Map.of("loss", 1.0)));
            b.release(0); // not b's: nothing happens
            assertEquals(TrialState.RUNNING, a.trial(0).orElseThrow().state());
            assertEquals(a.workerId(), a.trial(0).orElseThrow().worker());

            a.release(0);
            TrialRow taken = claimNew(b).trial();
            assertEquals(0, taken.number());
            assertEquals(b.workerId(), taken.worker());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.complete(0, 0.9, Map.of(), null));
            assertTrue(e.getMessage().contains("trial 0"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> a.addEpoch(0, 0, 0, Map.of("loss", 1.0)));
            b.complete(0, 0.7, Map.of(), null);
            assertEquals(0.7, a.trial(0).orElseThrow().objective());
            assertThrows(IllegalStateException.class, () -> a.complete(7, 0.9, Map.of(), null), "no such trial");
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void twoStoresClaimingConcurrentlyGetEveryNumberOnce(StudyBackend db) throws Exception {
        Path dir = tmp.resolve("study");
        int total = 40;
        Function<List<TrialRow>, Proposal> proposer = trials ->
                trials.size() < total ? Proposal.of(Map.of("x", "v" + trials.size())) : Proposal.DONE;
        Map<Integer, String> claimedBy = new ConcurrentHashMap<>();
        List<Integer> duplicates = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch bothClaimed = new CountDownLatch(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (StudyStore a = db.open(dir, false); StudyStore b = db.open(dir, false)) {
            List<Future<Integer>> counts = new ArrayList<>();
            for (StudyStore s : List.of(a, b)) {
                counts.add(pool.submit(() -> {
                    start.await();
                    int n = 0;
                    while (true) {
                        StudyStore.Claim c = s.claim(proposer, k -> k);
                        if (c.kind() == Proposal.Kind.DONE) return n;
                        int number = c.trial().number();
                        if (claimedBy.putIfAbsent(number, s.workerId()) != null) duplicates.add(number);
                        assertEquals("v" + number, c.trial().values().get("x"));
                        s.addEpoch(number, 0, 0, Map.of("loss", 1.0 / (number + 1)));
                        // Each store holds its first trial until the other has claimed one too, so both take part
                        // however the scheduler runs them; the rest is a free race for the write lock.
                        if (n == 0) {
                            bothClaimed.countDown();
                            assertTrue(bothClaimed.await(50, TimeUnit.SECONDS), "the other store never claimed a trial");
                        }
                        s.complete(number, number, Map.of(), null);
                        n++;
                    }
                }));
            }
            start.countDown();
            int sum = 0;
            List<Integer> perStore = new ArrayList<>();
            for (Future<Integer> f : counts) {
                int n = f.get(50, TimeUnit.SECONDS);
                perStore.add(n);
                sum += n;
            }
            assertTrue(perStore.get(0) > 0 && perStore.get(1) > 0, "both stores should have claimed trials: " + perStore);
            assertEquals(List.of(), duplicates);
            assertEquals(total, sum, "claims per store " + perStore);
            assertEquals(total, claimedBy.size());
            List<TrialRow> trials = a.trials();
            assertEquals(total, trials.size());
            for (int i = 0; i < total; i++) {
                TrialRow t = trials.get(i);
                assertEquals(i, t.number());
                assertEquals(TrialState.COMPLETE, t.state());
                assertEquals("v" + i, t.values().get("x"));
                assertEquals(claimedBy.get(i), t.worker());
                assertEquals(1, t.attempts());
                assertEquals(1, b.epochs(i).size());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void aKilledWorkerProcessesTrialIsRequeuedButALiveOnesIsNot(StudyBackend db) throws Exception {
        Path dir = tmp.resolve("study");
        try (JdbcStudyStore s = db.open(dir, WorkerLiveness.newWorkerId())) {
            java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
            s.setClock(clock::get);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), StudyStoreChild.class.getName()));
            cmd.addAll(List.of(db.childArgs(dir)));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                // The child says when it holds its trial: a blocking read of its output, which ends at EOF if it dies.
                java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                StringBuilder seen = new StringBuilder();
                for (String line; (line = out.readLine()) != null && !line.startsWith("claimed trial 0"); ) seen.append(line).append('\n');
                assertTrue(child.isAlive(), () -> "the child exited before claiming: " + seen);
                TrialRow held = s.trial(0).orElseThrow();
                assertTrue(held.worker().startsWith(WorkerLiveness.host() + "/" + child.pid() + "/"), held.worker());
                assertEquals(Map.of("who", "child"), held.values());

                // Alive (asleep) on this host: not requeued, even with an absurdly short staleness limit.
                s.setStaleAfter(Duration.ofMillis(1));
                clock.addAndGet(20);
                StudyStore.Claim other = claimNew(s);
                assertEquals(1, other.trial().number());
                assertEquals(TrialState.RUNNING, s.trial(0).orElseThrow().state());
                assertEquals(held.worker(), s.trial(0).orElseThrow().worker());
                s.complete(1, 0.5, Map.of(), null);
                s.setStaleAfter(StudyStore.DEFAULT_STALE_AFTER);

                child.destroyForcibly(); // SIGKILL: no shutdown hook, no release
                assertTrue(child.waitFor(20, TimeUnit.SECONDS));
            } finally {
                child.destroyForcibly();
            }
            // The heartbeat is fresh (well within 60 s): only the pid check can tell that the worker died.
            StudyStore.Claim c = s.claim(trials -> {
                throw new AssertionError("the dead worker's trial should have been reclaimed instead of proposing");
            }, n -> 0);
            TrialRow t = c.trial();
            assertEquals(0, t.number());
            assertEquals(2, t.attempts());
            assertEquals(s.workerId(), t.worker());
            assertEquals(Map.of("who", "child"), t.values());
            assertEquals(7L, t.seed());
            assertTrue(t.reason().contains("requeued"), t.reason());
            assertEquals(2, s.trials().size());
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void aStaleHeartbeatFromAnotherHostIsRequeuedAndAFreshOneIsNot(StudyBackend db) throws Exception {
        Path dir = tmp.resolve("study");
        // Both stores read one test clock, moved by hand: staleness is decided by the clock's value, never by how
        // long this machine took between two statements.
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
        try (JdbcStudyStore s = db.open(dir, WorkerLiveness.newWorkerId())) {
            s.setClock(clock::get);
            try (JdbcStudyStore remote = db.open(dir, "elsewhere.example/4242/1700000000000/abc123")) {
                remote.setClock(clock::get);
                assertEquals(0, claimNew(remote).trial().number());
                // A store never requeues its own trials, however stale they look to it.
                remote.setStaleAfter(Duration.ofMillis(1));
                clock.addAndGet(20);
                assertEquals(1, claimNew(remote).trial().number());
                assertEquals(TrialState.RUNNING, s.trial(0).orElseThrow().state());
            } // closed without releasing: its heartbeat stops, as when the remote machine dies

            s.setStaleAfter(Duration.ofMillis(1500));
            clock.addAndGet(1000);
            TrialRow fresh = claimNew(s).trial();
            assertEquals(2, fresh.number(), "a fresh remote heartbeat must not be requeued");
            assertEquals(TrialState.RUNNING, s.trial(0).orElseThrow().state());
            s.complete(2, 0.1, Map.of(), null);

            clock.addAndGet(1700);
            TrialRow requeued = claimNew(s).trial();
            assertEquals(0, requeued.number());
            assertEquals(2, requeued.attempts());
            assertEquals(s.workerId(), requeued.worker());
            assertTrue(requeued.reason().contains("elsewhere.example"), requeued.reason());
            // The other stale trial went back to the queue in the same claim and is next.
            assertEquals(TrialState.PENDING, s.trial(1).orElseThrow().state());
            assertEquals(1, claimNew(s).trial().number());
            assertEquals(3, s.trials().size());

            // A worker on this host whose process is alive is never requeued, whatever its heartbeat.
            long start = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
            String sibling = WorkerLiveness.host() + "/" + ProcessHandle.current().pid() + "/" + start + "/sib001";
            long longAgo = System.currentTimeMillis() - 3_600_000;
            assertNull(s.deathOf(sibling, longAgo, System.currentTimeMillis()));
            assertTrue(s.deathOf(WorkerLiveness.host() + "/" + ProcessHandle.current().pid() + "/" + (start - 86_400_000) + "/old001",
                    System.currentTimeMillis(), System.currentTimeMillis()) != null, "same pid, other start time: a reused pid");
            assertNull(s.deathOf("elsewhere.example/1/2/x", System.currentTimeMillis(), System.currentTimeMillis()));
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void heldTrialsAreHeartbeatedInTheBackground(StudyBackend db) throws Exception {
        java.util.concurrent.atomic.AtomicLong clock = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
        java.util.concurrent.Semaphore beats = new java.util.concurrent.Semaphore(0);
        try (JdbcStudyStore s = db.open(tmp.resolve("study"), WorkerLiveness.newWorkerId())) {
            s.setClock(clock::get);
            s.setHeartbeatPeriod(Duration.ofMillis(30));
            s.setBeatListener(beats::release);
            TrialRow t = claimNew(s).trial();
            clock.addAndGet(1000);
            // Waits for beats, not for time: each acquire returns once the heartbeat thread has run a period.
            beats.drainPermits();
            assertTrue(beats.tryAcquire(2, 30, TimeUnit.SECONDS), "no background heartbeat period ran in 30 s");
            assertEquals(t.heartbeatMillis() + 1000, s.trial(0).orElseThrow().heartbeatMillis(), "the held trial was heartbeated");
            s.complete(0, 1.0, Map.of(), null);
            long finished = s.trial(0).orElseThrow().heartbeatMillis();
            clock.addAndGet(1000);
            beats.drainPermits();
            assertTrue(beats.tryAcquire(2, 30, TimeUnit.SECONDS));
            assertEquals(finished, s.trial(0).orElseThrow().heartbeatMillis(), "a finished trial is not heartbeated");

            TrialRow t1 = claimNew(s).trial();
            clock.addAndGet(5);
            s.heartbeat();
            assertEquals(t1.heartbeatMillis() + 5, s.trial(1).orElseThrow().heartbeatMillis());
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void overwriteStartsEmpty(StudyBackend db) {
        Path dir = tmp.resolve("study");
        try (StudyStore s = db.open(dir, false)) {
            s.putMeta("oracle", "grid");
            claimNew(s);
        }
        try (StudyStore s = db.open(dir, false)) {
            assertEquals(1, s.trials().size());
        }
        assertTrue(dir.resolve("trials").toFile().mkdirs());
        try (StudyStore s = db.open(dir, true)) {
            assertEquals(List.of(), s.trials());
            assertNull(s.meta("oracle"));
            assertEquals("1", s.meta("schema_version"));
            assertFalse(Files.exists(dir.resolve("trials")));
            assertEquals(0, claimNew(s).trial().number());
        }
    }

    @Test
    void badStudiesAreBadInputNamingThePath() throws Exception {
        Path file = tmp.resolve("notes.txt");
        Files.writeString(file, "hello");
        BadInputException e = assertThrows(BadInputException.class, () -> StudyStore.open(file, false));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertThrows(BadInputException.class, () -> StudyStore.open(file, true));
        assertEquals("hello", Files.readString(file));

        Path someone = tmp.resolve("home");
        Files.createDirectories(someone);
        Files.writeString(someone.resolve("thesis.tex"), "x");
        e = assertThrows(BadInputException.class, () -> StudyStore.open(someone, true));
        assertTrue(e.getMessage().contains(someone.toString()), e.getMessage());
        assertTrue(Files.exists(someone.resolve("thesis.tex")));

        Path corrupt = tmp.resolve("corrupt");
        Files.createDirectories(corrupt);
        Files.write(corrupt.resolve("study.db"), "this is not an SQLite database, just text".repeat(100).getBytes(StandardCharsets.UTF_8));
        e = assertThrows(BadInputException.class, () -> StudyStore.open(corrupt, false));
        assertTrue(e.getMessage().contains(corrupt.resolve("study.db").toString()), e.getMessage());

        Path foreign = tmp.resolve("foreign");
        Files.createDirectories(foreign);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + foreign.resolve("study.db")); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE customers (id INTEGER)");
        }
        e = assertThrows(BadInputException.class, () -> StudyStore.open(foreign, false));
        assertTrue(e.getMessage().contains(foreign.resolve("study.db").toString()) && e.getMessage().contains("not a tuna study"), e.getMessage());

        Path newer = tmp.resolve("newer");
        StudyStore.open(newer, false).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + newer.resolve("study.db")); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE meta SET value = '99' WHERE name = 'schema_version'");
        }
        e = assertThrows(BadInputException.class, () -> StudyStore.open(newer, false));
        assertTrue(e.getMessage().contains(newer.resolve("study.db").toString()) && e.getMessage().contains("99"), e.getMessage());

        // An existing empty directory is a fine place for a new study.
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        try (StudyStore s = StudyStore.open(empty, false)) {
            assertEquals(List.of(), s.trials());
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void aStudyWithANewerSchemaIsRefusedSayingWhyAndAnOlderOneOpens(StudyBackend db) {
        Path dir = tmp.resolve("versions");
        try (StudyStore s = db.open(dir, false)) {
            s.putMeta(StudyStore.SCHEMA_VERSION_KEY, "99");
        }
        BadInputException e = assertThrows(BadInputException.class, () -> db.open(dir, false));
        assertTrue(e.getMessage().contains("schema version 99 is newer than this tuna reads (" + StudyStore.SCHEMA_VERSION + ")"), e.getMessage());
        assertTrue(e.getMessage().contains(db.at(dir).describe()), e.getMessage());
        BadInputException r = assertThrows(BadInputException.class, () -> StudyStore.openReadOnly(db.at(dir)));
        assertTrue(r.getMessage().contains("99"), r.getMessage());
        // Version 1 is the oldest there is, and opens as itself.
        try (JdbcStudyStore s = db.open(tmp.resolve("versions-1"), WorkerLiveness.newWorkerId())) {
            assertEquals("1", s.meta(StudyStore.SCHEMA_VERSION_KEY));
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void objectivesKeepAllSixteenDigits(StudyBackend db) {
        // PostgreSQL's REAL is 4 bytes: an objective stored in one would come back as 0.8333333134651184.
        try (StudyStore s = db.open(tmp.resolve("digits"), false)) {
            claimNew(s);
            s.complete(0, 5.0 / 6.0, Map.of("lr", 1.0 / 3.0), null);
            s.putRetrain(new RetrainRow(0, 0, 1, 1, 2.0 / 3.0, Math.PI, null, Map.of()));
            assertEquals(5.0 / 6.0, s.trial(0).orElseThrow().objective());
            assertEquals(1.0 / 3.0, s.trial(0).orElseThrow().summary().get("lr"));
            assertEquals(2.0 / 3.0, s.retrains().getFirst().testAccuracy());
            assertEquals(Math.PI, s.retrains().getFirst().testLoss());
        }
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void aClosedStoreRefusesCalls(StudyBackend db) {
        StudyStore s = db.open(tmp.resolve("study"), false);
        s.close();
        s.close(); // idempotent
        assertThrows(IllegalStateException.class, s::trials);
        assertThrows(IllegalStateException.class, () -> claimNew(s));
    }
}
