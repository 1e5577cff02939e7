package dev.tuna.tune.oracle;

import java.util.Collection;
import java.util.Map;

/**
 * An oracle's settings map read with validation: every error names the oracle and the key, and a key the
 * oracle does not know is an error (a misspelt setting would otherwise be silently ignored).
 */
final class OracleSettings {
    private final String oracle;
    private final Map<String, Object> map;

    OracleSettings(String oracle, Map<String, Object> map, Collection<String> known) {
        this.oracle = oracle;
        this.map = map == null ? Map.of() : map;
        for (String k : this.map.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException(oracle + " oracle: unknown setting '" + k + "'"
                        + (known.isEmpty() ? "; it takes no settings" : "; expected " + String.join(", ", known)));
            }
        }
    }

    boolean has(String key) { return map.get(key) != null; }

    /** An integer in [min, max], or the default when absent. */
    int integer(String key, int dflt, int min, int max) {
        Object v = map.get(key);
        if (v == null) return dflt;
        double d = number(key, v);
        if (d != Math.rint(d) || d < min || d > max) {
            throw new IllegalArgumentException(oracle + " oracle: setting " + key + " must be an integer"
                    + (max == Integer.MAX_VALUE ? " >= " + min : " in [" + min + ", " + max + "]") + ", got " + v);
        }
        return (int) d;
    }

    /** A finite number in [min, max] (min excluded when minExclusive), or the default when absent. */
    double real(String key, double dflt, double min, boolean minExclusive, double max) {
        Object v = map.get(key);
        if (v == null) return dflt;
        double d = number(key, v);
        if (!Double.isFinite(d) || d < min || (minExclusive && d == min) || d > max) {
            throw new IllegalArgumentException(oracle + " oracle: setting " + key + " must be a number in "
                    + (minExclusive ? "(" : "[") + min + ", " + (Double.isInfinite(max) ? "inf)" : max + "]") + ", got " + v);
        }
        return d;
    }

    private double number(String key, Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException(oracle + " oracle: setting " + key + " must be a number, got '" + v + "'");
    }
}
