package dev.tuna.tune.oracle;

import dev.tuna.tune.Condition;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.SearchSpace;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A lazy walk over the Cartesian product of every searchable hyperparameter's values (the first one varying
 * slowest), yielding each distinct normalised configuration once, in product order, without materialising
 * the product.
 *
 * <p>Several product points normalise to the same configuration when a conditional hyperparameter is inactive
 * (its value is dropped). Since an inactive hyperparameter's value cannot change which others are active, the
 * points of one configuration are exactly those that agree on its active values; the walk yields the first of
 * them (every inactive digit 0) and skips the rest. When a dimension's activity depends only on slower
 * dimensions, a whole block of skipped points is jumped over at once, so a large inactive subtree costs one
 * step, not millions.
 */
final class GridWalk {
    private final SearchSpace space;
    private final List<Hyperparameter> all;
    private final List<Hyperparameter> dims;
    private final List<List<Object>> values;
    private final boolean[][] first;
    private final boolean[] jumpable;
    private final int[] digits;
    private boolean exhausted;

    /** discrete: walk every discrete value (each dimension must be discrete); otherwise each grid value. */
    GridWalk(SearchSpace space, boolean discrete) {
        this.space = space;
        this.all = space.all();
        this.dims = space.searchable();
        int m = dims.size();
        values = new ArrayList<>(m);
        first = new boolean[m][];
        jumpable = new boolean[m];
        Map<String, Integer> index = new HashMap<>();
        for (int d = 0; d < m; d++) index.put(dims.get(d).name(), d);
        for (int d = 0; d < m; d++) {
            Hyperparameter h = dims.get(d);
            List<Object> v = discrete ? h.discreteValues() : h.gridValues();
            if (v == null) throw new IllegalArgumentException(h.name() + ": a continuous range has no finite list of values");
            values.add(v);
            first[d] = new boolean[v.size()];
            Set<Object> seen = new HashSet<>();
            for (int k = 0; k < v.size(); k++) {
                Object x = v.get(k);
                first[d][k] = seen.add(x instanceof Number n ? (Object) n.doubleValue() : x);
            }
            jumpable[d] = ancestorsBefore(h, d, index);
            if (v.isEmpty()) exhausted = true;
        }
        digits = new int[m];
    }

    /** Whether every searchable ancestor of h comes before position d (then h's activity depends only on slower digits). */
    private boolean ancestorsBefore(Hyperparameter h, int d, Map<String, Integer> index) {
        Hyperparameter a = h;
        for (int depth = 0; a != null && a.condition() != null; depth++) {
            if (depth > all.size()) return false; // a cycle: SearchSpace reports it
            Condition c = a.condition();
            Integer p = index.get(c.parent());
            if (p != null && p >= d) return false;
            a = space.get(c.parent());
        }
        return true;
    }

    /** The next distinct normalised configuration, or null when the walk is over. */
    Map<String, Object> next() {
        int m = dims.size();
        while (!exhausted) {
            Map<String, Object> raw = new LinkedHashMap<>();
            int d = 0;
            for (Hyperparameter h : all) raw.put(h.name(), h.searchable() ? values.get(d).get(digits[d++]) : h.defaultValue());
            Map<String, Object> cfg = space.normalize(raw);
            int bad = -1;
            boolean active = false;
            for (d = 0; d < m; d++) {
                active = cfg.containsKey(dims.get(d).name());
                if (active ? !first[d][digits[d]] : digits[d] != 0) {
                    bad = d;
                    break;
                }
            }
            if (bad < 0) {
                advance(m - 1);
                return cfg;
            }
            if (!jumpable[bad]) {
                advance(m - 1);
            } else if (active) {
                // A repeated value of an active dimension: every point with this prefix repeats an earlier one.
                for (int j = bad + 1; j < m; j++) digits[j] = 0;
                advance(bad);
            } else {
                // An inactive dimension off its first value: so is every point until the slower prefix changes.
                for (int j = bad; j < m; j++) digits[j] = 0;
                advance(bad - 1);
            }
        }
        return null;
    }

    private void advance(int pos) {
        for (int j = pos; j >= 0; j--) {
            if (++digits[j] < values.get(j).size()) return;
            digits[j] = 0;
        }
        exhausted = true;
    }
}
