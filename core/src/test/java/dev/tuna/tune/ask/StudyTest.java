package dev.tuna.tune.ask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.TrialRow;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java ask-and-tell API over a SQLite study: what it hands out, records and refuses. */
class StudyTest {
    @TempDir
    Path tmp;

    private static SearchDefinition.Builder twoFloats() {
        return SearchDefinition.builder().floatRange("x", -2, 2, false).floatRange("y", -3, 3, false).objective("f", "min");
    }

    /** A quadratic bowl with its minimum 0 at (0.3, -1.2). */
    private static double bowl(Map<String, Object> hp) {
        double x = (Double) hp.get("x"), y = (Double) hp.get("y");
        return (x - 0.3) * (x - 0.3) + (y + 1.2) * (y + 1.2);
    }

    @Test
    void askAndTellRoundTripThroughTheStudyAndAReopenedStudyNeedsNoDefinition() {
        SearchDefinition d = SearchDefinition.builder().floatRange("learning_rate", 1e-4, 1e-1, true).intRange("units", 16, 256)
                .choice("activation", "relu", "tanh").fixed("epochs", 20).objective("val_loss", "min").oracle("random").seed(3).build();
        Path dir = tmp.resolve("s");
        AskedTrial first;
        try (Study s = Study.open(dir, d)) {
            first = s.ask();
            assertEquals(0, first.number());
            double lr = (Double) first.values().get("learning_rate");
            long units = (Long) first.values().get("units");
            assertTrue(lr >= 1e-4 && lr <= 1e-1 && units >= 16 && units <= 256, first.values().toString());
            assertTrue(List.of("relu", "tanh").contains(first.values().get("activation")));
            assertEquals(20L, ((Number) first.values().get("epochs")).longValue());
            TrialRow row = s.trials().getFirst();
            assertEquals(TrialState.RUNNING, row.state());
            assertTrue(row.asked(), row.worker());
            s.tell(first, 0.25);
        }
        try (Study s = Study.open(dir)) {
            assertEquals(d.objective(), s.definition().objective());
            TrialRow told = s.trials().getFirst();
            assertEquals(TrialState.COMPLETE, told.state());
            assertEquals(0.25, told.objective());
            assertEquals(first.values(), told.values());
            AskedTrial second = s.ask();
            assertEquals(1, second.number());
            s.tellFailed(second, "the program crashed");
            assertEquals("the program crashed", s.trials().get(1).reason());
            assertEquals(0, s.best().orElseThrow().number());
            // Refused: a finished trial told again, a trial that does not exist, a value that is not a number.
            BadInputException twice = assertThrows(BadInputException.class, () -> s.tell(0, 0.5));
            assertTrue(twice.getMessage().contains("trial 1 is finished already"), twice.getMessage());
            BadInputException unknown = assertThrows(BadInputException.class, () -> s.tell(7, 0.5));
            assertTrue(unknown.getMessage().contains("no trial 8"), unknown.getMessage());
            AskedTrial third = s.ask();
            assertThrows(BadInputException.class, () -> s.tell(third, Double.NaN));
            assertThrows(BadInputException.class, () -> s.tell(third, Double.POSITIVE_INFINITY));
            assertEquals(TrialState.RUNNING, s.trials().get(2).state());
        }
    }

    @Test
    void aStudyOpenedWithAnotherSearchIsRefusedButAnotherBudgetExtendsIt() {
        Path dir = tmp.resolve("s");
        try (Study s = Study.open(dir, twoFloats().maxTrials(1).build())) {
            s.tell(s.ask(), 1.0);
            NothingToAskException done = assertThrows(NothingToAskException.class, s::ask);
            assertTrue(done.getMessage().contains("max_trials (1) reached"), done.getMessage());
            assertFalse(done.waiting());
        }
        BadInputException other = assertThrows(BadInputException.class, () -> Study.open(dir, twoFloats().seed(99).build()));
        assertTrue(other.getMessage().contains("another search"), other.getMessage());
        try (Study s = Study.open(dir, twoFloats().maxTrials(2).build())) {
            assertEquals(1, s.ask().number());
        }
        BadInputException none = assertThrows(BadInputException.class, () -> Study.open(tmp.resolve("new")));
        assertTrue(none.getMessage().contains("no study here"), none.getMessage());
    }

    @Test
    void bayesianOptimizeOfAQuadraticEndsNearItsMinimum() {
        long seed = 11;
        System.out.println("bayesian quadratic seed " + seed);
        try (Study s = Study.open(tmp.resolve("q"), twoFloats().oracle("bayesian").seed(seed).build())) {
            Study.Result r = s.optimize(StudyTest::bowl, 30, 1);
            assertEquals(30, r.completed());
            TrialRow best = s.best().orElseThrow();
            System.out.println("bayesian quadratic best " + best.objective() + " at " + best.values());
            // The recorded value is the function of the recorded values (a float64 recomputation).
            assertEquals(bowl(best.values()), best.objective(), 1e-12);
            // Random search's expected best of 30 draws on this 4 x 6 box is about 0.35 (the box's area over 30 pi, the
            // value at which a disc of that area holds one draw on average); the GP should get well inside 0.05.
            assertTrue(best.objective() < 0.05, "best " + best.objective() + " at " + best.values());
        }
    }

    @Test
    void parallelOptimizeGivesDistinctTrialNumbersAndNCompleteTrials() {
        try (Study s = Study.open(tmp.resolve("p"), twoFloats().oracle("random").seed(5).build())) {
            Set<Integer> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Study.Result r = s.optimize((TrialObjective) t -> {
                assertTrue(seen.add(t.number()), "trial " + t.number() + " handed out twice");
                return bowl(t.values());
            }, 12, 4, null);
            assertEquals(12, r.completed());
            assertEquals(0, r.failed());
            List<TrialRow> rows = s.trials();
            assertEquals(12, rows.size());
            Set<Integer> numbers = new HashSet<>();
            for (TrialRow row : rows) {
                assertEquals(TrialState.COMPLETE, row.state());
                assertFalse(row.asked());
                assertEquals(bowl(row.values()), row.objective(), 1e-12);
                numbers.add(row.number());
            }
            assertEquals(12, numbers.size());
            assertEquals(seen, numbers);
        }
    }

    @Test
    void anObjectiveThatThrowsOrIsNotFiniteRecordsAFailedTrialAndTooManyInARowStopTheSearch() {
        try (Study s = Study.open(tmp.resolve("f"), twoFloats().oracle("random").maxConsecutiveFailedTrials(3).build())) {
            int[] calls = {0};
            Study.Result r = s.optimize(hp -> {
                calls[0]++;
                if (calls[0] == 1) return bowl(hp);
                if (calls[0] == 2) return Double.NaN;
                throw new IllegalStateException("out of coffee");
            }, 10, 1);
            assertEquals(1, r.completed());
            assertEquals(3, r.failed());
            assertTrue(r.broken(), r.stopReason());
            List<TrialRow> rows = s.trials();
            assertEquals(4, rows.size());
            assertEquals(TrialState.FAILED, rows.get(1).state());
            assertTrue(rows.get(1).reason().contains("f was NaN"), rows.get(1).reason());
            assertEquals("IllegalStateException: out of coffee", rows.get(2).reason());
            assertTrue(r.stopReason().contains("max_consecutive_failed_trials"), r.stopReason());
        }
    }

    @Test
    void geneticAndGridOraclesServeAsk() {
        try (Study s = Study.open(tmp.resolve("g"), SearchDefinition.builder().choice("a", 1, 2).bool("b").objective("acc", "max").oracle("grid").build())) {
            Set<String> configs = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                AskedTrial t = s.ask();
                configs.add(t.values().toString());
                s.tell(t, i);
            }
            assertEquals(4, configs.size()); // the grid's four configurations, each once
            NothingToAskException done = assertThrows(NothingToAskException.class, s::ask);
            assertTrue(done.getMessage().contains("all 4 configurations"), done.getMessage());
        }
        try (Study s = Study.open(tmp.resolve("ga"), twoFloats().oracle("genetic", Map.of("population_size", 4)).seed(2).build())) {
            Study.Result r = s.optimize(StudyTest::bowl, 12, 2);
            assertEquals(12, r.completed());
        }
    }
}
