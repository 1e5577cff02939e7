package dev.tuna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The registry: names and defaults, the error for an unknown or inapplicable name, register and its refusals, a
 * researcher's metric found and used, and the direction of logged names. The registry is process-wide, so each
 * test registers names of its own.
 */
class MetricsRegistryTest {

    /** A researcher's metric: the fraction of rows whose p(1) is within 0.1 of the label (larger is better). */
    private record Calibrated(String name) implements Metric {
        @Override public boolean maximize() { return true; }

        @Override public boolean appliesTo(Task task) { return task == Task.BINARY; }

        @Override
        public double compute(Predictions p, Labels labels) {
            double near = 0;
            for (int i = 0; i < p.rows(); i++) if (Math.abs(p.get(i, 0) - labels.get(i)) <= 0.1) near++;
            return near / p.rows();
        }
    }

    /** A researcher's error (smaller is better) for regression. */
    private record MaxError(String name) implements Metric {
        @Override public boolean maximize() { return false; }

        @Override public boolean appliesTo(Task task) { return task == Task.REGRESSION; }

        @Override
        public double compute(Predictions p, Labels labels) {
            double max = 0;
            for (int i = 0; i < p.rows(); i++) max = Math.max(max, Math.abs(p.get(i, 0) - labels.get(i)));
            return max;
        }
    }

    @Test
    void builtInsAreThereUnderTheirNames() {
        for (String n : List.of("accuracy", "top_k_accuracy", "auc", "precision", "recall", "f1", "log_loss", "mse", "rmse", "mae", "r2")) {
            assertEquals(n, Metrics.named(n).name());
            assertTrue(Metrics.names().contains(n), n);
        }
        assertEquals(5, ((TopKAccuracy) Metrics.named("top_k_accuracy")).k());
        TopKAccuracy top3 = (TopKAccuracy) Metrics.named("top3_accuracy");
        assertEquals(3, top3.k());
        assertEquals("top3_accuracy", top3.name());
        assertEquals("top5_accuracy", Metrics.named("top5_accuracy").name()); // logged as named, though k is 5 as top_k_accuracy
    }

    @Test
    void defaultsPerTask() {
        assertEquals(List.of("accuracy"), Metrics.defaultsFor(Task.CLASSIFICATION).stream().map(Metric::name).toList());
        assertEquals(List.of("accuracy", "auc"), Metrics.defaultsFor(Task.BINARY).stream().map(Metric::name).toList());
        assertEquals(List.of("rmse", "mae"), Metrics.defaultsFor(Task.REGRESSION).stream().map(Metric::name).toList());
        for (Task t : Task.values()) for (Metric m : Metrics.defaultsFor(t)) assertTrue(m.appliesTo(t), m + " for " + t);
    }

    @Test
    void appliesToFollowsTheTask() {
        Map<String, List<Task>> expected = Map.of(
                "accuracy", List.of(Task.CLASSIFICATION, Task.BINARY),
                "top_k_accuracy", List.of(Task.CLASSIFICATION),
                "auc", List.of(Task.CLASSIFICATION, Task.BINARY),
                "f1", List.of(Task.CLASSIFICATION, Task.BINARY),
                "log_loss", List.of(Task.CLASSIFICATION, Task.BINARY),
                "rmse", List.of(Task.REGRESSION),
                "r2", List.of(Task.REGRESSION));
        expected.forEach((name, tasks) -> {
            for (Task t : Task.values()) assertEquals(tasks.contains(t), Metrics.named(name).appliesTo(t), name + " on " + t);
        });
    }

    @Test
    void unknownNameIsRefusedListingTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metrics.named("acuracy"));
        assertTrue(e.getMessage().startsWith("unknown metric 'acuracy': expected one of accuracy, top_k_accuracy, auc,"), e.getMessage());
        assertTrue(e.getMessage().contains("r2") && e.getMessage().contains("top<k>_accuracy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Metrics.named("top0_accuracy"));
        assertThrows(IllegalArgumentException.class, () -> Metrics.named("top03_accuracy"));
        assertThrows(IllegalArgumentException.class, () -> Metrics.named("val_auc"));
        assertThrows(IllegalArgumentException.class, () -> Metrics.named(null));
    }

    @Test
    void inapplicableNameSaysWhereItApplies() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metrics.parse("auc", Task.REGRESSION));
        assertEquals("metric 'auc' does not apply to regression models (it applies to classification, binary); for regression: mse, rmse, mae, r2",
                e.getMessage().replaceAll(", [a-z_]+_test_[a-z_0-9]+", "")); // names other tests registered
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Metrics.parse("top3_accuracy", Task.BINARY))
                .getMessage().contains("(it applies to classification)"));
        assertSame(Metrics.named("auc"), Metrics.parse("auc", Task.BINARY));
        assertEquals(List.of("f1", "top3_accuracy"), Metrics.parseAll(List.of("f1", "top3_accuracy"), Task.CLASSIFICATION).stream().map(Metric::name).toList());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Metrics.parseAll(List.of("f1", "auc", "f1"), Task.BINARY))
                .getMessage().contains("'f1' is listed twice"));
    }

    @Test
    void researchersMetricIsRegisteredFoundAndUsed() {
        Metric mine = new Calibrated("calibrated_test_registry");
        Metrics.register(mine);
        assertSame(mine, Metrics.named("calibrated_test_registry"));
        assertSame(mine, Metrics.parse("calibrated_test_registry", Task.BINARY));
        assertTrue(Metrics.names().contains("calibrated_test_registry"));
        Predictions p = new Predictions(Task.BINARY, 4, 1, new float[] {0.95f, 0.5f, 0.05f, 0.3f});
        assertEquals(0.5, Metrics.named("calibrated_test_registry").compute(p, Labels.classes(new int[] {1, 1, 0, 0})), 0);
        assertEquals(Boolean.TRUE, Metrics.maximize("val_calibrated_test_registry"));
        assertThrows(IllegalArgumentException.class, () -> Metrics.parse("calibrated_test_registry", Task.REGRESSION));

        Metrics.register(new MaxError("max_error_test_registry"));
        assertEquals(Boolean.FALSE, Metrics.maximize("max_error_test_registry"));
        assertEquals(Boolean.FALSE, Metrics.maximize("val_max_error_test_registry"));
    }

    @Test
    void duplicateAndReservedNamesAreRefused() {
        Metrics.register(new Calibrated("once_test_registry"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Metrics.register(new MaxError("once_test_registry")));
        assertTrue(e.getMessage().contains("'once_test_registry' is already registered"), e.getMessage());
        assertEquals(Boolean.TRUE, Metrics.maximize("once_test_registry"), "the first one stays");
        assertThrows(IllegalArgumentException.class, () -> Metrics.register(new MaxError("accuracy")));
        for (String bad : new String[] {"val_mine", "loss", "top7_accuracy", "", "2fast", "has space", "dash-ed"}) {
            assertThrows(IllegalArgumentException.class, () -> Metrics.register(new MaxError(bad)), bad);
            assertFalse(Metrics.names().contains(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Metrics.register(new MaxError(null)));
    }

    @Test
    void concurrentRegistrationsAreAllKept() throws InterruptedException {
        // Each thread registers its own names; the outcome does not depend on the interleaving, only on no update
        // being lost between a copy of the map and its publication.
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 50; i++) {
                    Metrics.register(new MaxError("concurrent_test_registry_" + id + "_" + i));
                    Metrics.named("accuracy");
                }
            }));
        }
        for (Thread th : threads) th.join();
        for (int t = 0; t < 4; t++) for (int i = 0; i < 50; i++) Metrics.named("concurrent_test_registry_" + t + "_" + i);
    }

    @Test
    void directionOfLoggedNames() {
        assertEquals(Boolean.TRUE, Metrics.maximize("auc"));
        assertEquals(Boolean.TRUE, Metrics.maximize("val_auc"));
        assertEquals(Boolean.TRUE, Metrics.maximize("val_accuracy"));
        assertEquals(Boolean.TRUE, Metrics.maximize("val_top3_accuracy"));
        assertEquals(Boolean.TRUE, Metrics.maximize("val_r2"));
        assertEquals(Boolean.FALSE, Metrics.maximize("val_rmse"));
        assertEquals(Boolean.FALSE, Metrics.maximize("mae"));
        assertEquals(Boolean.FALSE, Metrics.maximize("val_log_loss"));
        assertEquals(Boolean.FALSE, Metrics.maximize("loss"));
        assertEquals(Boolean.FALSE, Metrics.maximize("val_loss"));
        assertNull(Metrics.maximize("val_val_auc"));
        assertNull(Metrics.maximize("val_"));
        assertNull(Metrics.maximize("lr"));
        assertNull(Metrics.maximize(null));
    }
}
