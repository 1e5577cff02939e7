package dev.tuna.tune.oracle;

import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/** What the oracles share: configuration keys and random sampling that avoids configurations already tried. */
final class OracleSupport {
    private OracleSupport() {}

    /** Random draws before a proposal concludes that (nearly) everything has been tried. */
    static final int MAX_DRAWS = 100;
    /** The largest finite space enumerated exactly to find what is left once random draws keep repeating. */
    static final long ENUMERATION_LIMIT = 200_000;

    /** space.key, or a key of its own for values the space rejects (a trial from an older space), never equal to a valid one. */
    static String key(SearchSpace space, Map<String, Object> values) {
        try {
            return space.key(values);
        } catch (IllegalArgumentException e) {
            return "\u0000invalid:" + values;
        }
    }

    /** The keys of every trial, whatever its state. */
    static Set<String> keys(SearchSpace space, List<Trial> trials) {
        Set<String> out = new HashSet<>();
        for (Trial t : trials) out.add(key(space, t.values()));
        return out;
    }

    /** The number of distinct configurations when the space is finite, -1 when infinite or beyond a long. */
    static long cardinality(SearchSpace space) {
        try {
            return space.cardinality();
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /**
     * A random configuration (space.sample) whose key is not in avoid, or null when none is left: in a finite
     * space small enough to enumerate, exactly when every configuration is in avoid (then the pick is uniform
     * over what is left); otherwise after MAX_DRAWS draws that all repeat.
     */
    static Map<String, Object> sampleUntried(SearchSpace space, Set<String> avoid, SplittableRandom rng) {
        long card = cardinality(space);
        boolean enumerable = card >= 0 && card <= ENUMERATION_LIMIT;
        if (card < 0 || avoid.size() < card) {
            for (int i = 0; i < MAX_DRAWS; i++) {
                Map<String, Object> v = space.sample(rng);
                if (!avoid.contains(key(space, v))) return v;
            }
        }
        if (!enumerable) return null;
        // Conditions make distinct configurations fewer than the cardinality: enumerate what is left.
        GridWalk walk = new GridWalk(space, true);
        Map<String, Object> chosen = null;
        int left = 0;
        for (Map<String, Object> v; (v = walk.next()) != null; ) {
            if (avoid.contains(key(space, v))) continue;
            if (rng.nextInt(++left) == 0) chosen = v;
        }
        return chosen;
    }
}
