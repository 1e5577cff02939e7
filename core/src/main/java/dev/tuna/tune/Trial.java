package dev.tuna.tune;

import java.util.Map;

/**
 * What an oracle sees of a trial: its number (0, 1, 2, ... in the order trials were created), its values,
 * its state, its score (the objective oriented so that larger is better: the metric, negated when minimising;
 * NaN unless complete) and the oracle's own bookkeeping (Hyperband's bracket,
 * round, epochs and parent trial; a genetic oracle's parents), stored with the trial.
 */
public record Trial(int number, Map<String, Object> values, TrialState state, double score, Map<String, Object> meta) {
    public Trial {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
        meta = meta == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(meta));
    }

    public boolean complete() { return state == TrialState.COMPLETE && !Double.isNaN(score); }

    public boolean finished() { return state == TrialState.COMPLETE || state == TrialState.FAILED; }

    /** An integer in the meta map, or the fallback. */
    public int metaInt(String key, int fallback) {
        Object v = meta.get(key);
        return v instanceof Number n ? n.intValue() : fallback;
    }
}
