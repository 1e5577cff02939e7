package dev.tuna.tune.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.TrialState;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Asked trials: open until told, whoever tells them, and never requeued however dead their asker is. */
class AskedTrialStoreTest {
    @TempDir
    Path tmp;

    /** A worker id of this host whose process cannot exist (pids stop far below 2^31 - 1). */
    private static final String DEAD = WorkerLiveness.HOST + "/2147483646/1/dead00";

    @Test
    void anAskedTrialIsNeverJudgedDeadWhileAWorkersTrialIs() {
        long now = 10_000_000, stale = 1_000;
        assertNull(WorkerLiveness.deathOf("me", WorkerLiveness.askedBy(DEAD), 0, now, stale));
        assertNull(WorkerLiveness.deathOf("me", WorkerLiveness.askedBy("elsewhere/1/2/abc"), 0, now, stale));
        assertNotNull(WorkerLiveness.deathOf("me", DEAD, now, now, stale));
        assertNotNull(WorkerLiveness.deathOf("me", "elsewhere/1/2/abc", 0, now, stale));
    }

    @ParameterizedTest
    @EnumSource(StudyBackend.class)
    void aDeadAskersTrialStaysOpenThroughOtherWorkersClaimsAndAnyStoreTellsIt(StudyBackend backend) {
        StudyLocation at = backend.at(tmp.resolve("s"));
        try (JdbcStudyStore asker = JdbcStudyStore.open(at, false, DEAD)) {
            StudyStore.Claim c = asker.ask(rows -> Proposal.of(Map.of("x", 1.0)), n -> 7);
            assertEquals(0, c.trial().number());
            assertTrue(c.trial().asked());
        }
        try (StudyStore worker = StudyStore.open(at, false)) {
            StudyStore.Claim c = worker.claim(rows -> Proposal.of(Map.of("x", 2.0)), n -> 8);
            assertEquals(1, c.trial().number()); // a new trial: the asked one was not requeued and taken
            TrialRow asked = worker.trial(0).orElseThrow();
            assertEquals(TrialState.RUNNING, asked.state());
            assertEquals(1, asked.attempts());
            assertNull(worker.interruptedReason(asked));
            // A worker's trial is not told; an asked one is, by any store.
            BadInputException notAsked = assertThrows(BadInputException.class, () -> worker.tell(1, 0.5, Map.of()));
            assertTrue(notAsked.getMessage().contains("trial 2 was not asked"), notAsked.getMessage());
            worker.tell(0, 0.25, Map.of());
            assertEquals(0.25, worker.trial(0).orElseThrow().objective());
            assertThrows(BadInputException.class, () -> worker.tellFailed(0, "late"));
            assertEquals(TrialState.COMPLETE, worker.trial(0).orElseThrow().state());
        }
    }
}
