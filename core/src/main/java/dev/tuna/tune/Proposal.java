package dev.tuna.tune;

import java.util.Map;

/**
 * An oracle's answer: a configuration to try (with the oracle's bookkeeping to store with it), "wait" (a
 * parallel worker must let running trials finish first, e.g. the end of a Hyperband round), or "done".
 *
 * <p>Meta keys the tuner itself reads: {@code epochs} (train to this epoch count, overriding the spec's),
 * {@code initial_epoch} (resume at this epoch), {@code resume_from} (the trial number whose checkpoint to load).
 */
public record Proposal(Kind kind, Map<String, Object> values, Map<String, Object> meta) {
    public enum Kind { TRY, WAIT, DONE }

    public static final Proposal WAIT = new Proposal(Kind.WAIT, Map.of(), Map.of());
    public static final Proposal DONE = new Proposal(Kind.DONE, Map.of(), Map.of());

    public static Proposal of(Map<String, Object> values) { return new Proposal(Kind.TRY, values, Map.of()); }

    public static Proposal of(Map<String, Object> values, Map<String, Object> meta) { return new Proposal(Kind.TRY, values, meta); }

    public Proposal {
        // Copies that keep the order (hyperparameters in declaration order read better in every table).
        values = values == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
        meta = meta == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(meta));
    }
}
