package dev.tuna.tune.ask;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trial handed to a program: its number (0-based as the study stores it; every table and the CLI show
 * {@code number + 1}), its hyperparameters in declaration order (inactive conditional ones left out), its seed, the
 * folder for its files, and the oracle's schedule when it has one (Hyperband: {@code epochs}, {@code initial_epoch},
 * {@code resume_from}, the 0-based trial whose checkpoint to continue from).
 */
public record AskedTrial(int number, Map<String, Object> values, long seed, Path dir, Map<String, Object> schedule) {
    /** The meta keys of a Hyperband proposal that a program needs. */
    static final java.util.List<String> SCHEDULE_KEYS = java.util.List.of("epochs", "initial_epoch", "resume_from");

    public AskedTrial {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        schedule = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(schedule == null ? Map.of() : schedule));
    }

    /** The number users see (tuna trials, tuna tell --trial, trial-NNNN folders): 1, 2, 3, ... */
    public int shownNumber() { return number + 1; }

    /** What {@code tuna ask} prints: {"trial": N, "hyperparameters": {...}} (1-based), with the schedule's keys when there is one. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", shownNumber());
        m.put("hyperparameters", values);
        for (var e : schedule.entrySet()) {
            m.put(e.getKey(), e.getKey().equals("resume_from") && e.getValue() instanceof Number n ? n.intValue() + 1 : e.getValue());
        }
        return m;
    }
}
