package dev.tuna.tune;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hyperparameters of a search, in the order they were first met, with their conditions. A space grows
 * while hypermodels are built (a branch taken for the first time registers its hyperparameters), as
 * KerasTuner's does; registering a name again with a different definition is an error.
 *
 * <p>Values are maps from name to value holding exactly the active hyperparameters. The unit-cube encoding
 * gives every searchable hyperparameter one coordinate; an inactive one sits at its default's position, so
 * that two configurations differing only in inactive parameters encode to the same point.
 */
public final class SearchSpace {
    private final LinkedHashMap<String, Hyperparameter> params = new LinkedHashMap<>();

    public SearchSpace() {}

    public SearchSpace(List<Hyperparameter> hps) {
        for (Hyperparameter h : hps) register(h);
    }

    /** Adds a hyperparameter, or checks that an existing one of that name has the same definition; returns the registered one. */
    public synchronized Hyperparameter register(Hyperparameter h) {
        Hyperparameter old = params.get(h.name());
        if (old == null) {
            if (h.condition() != null && h.condition().parent().equals(h.name())) {
                throw new IllegalArgumentException(h.name() + ": a hyperparameter cannot depend on itself");
            }
            params.put(h.name(), h);
            return h;
        }
        if (!sameDefinition(old, h)) {
            throw new IllegalArgumentException("hyperparameter '" + h.name() + "' is defined twice differently: " + old.describe() + " and " + h.describe());
        }
        return old;
    }

    private static boolean sameDefinition(Hyperparameter a, Hyperparameter b) {
        return a.kind() == b.kind() && a.lo() == b.lo() && a.hi() == b.hi() && a.step() == b.step() && a.sampling() == b.sampling()
                && a.choices().equals(b.choices()) && java.util.Objects.equals(a.condition(), b.condition());
    }

    public synchronized List<Hyperparameter> all() { return List.copyOf(params.values()); }

    /** The searchable hyperparameters (not fixed ones): the encoding's coordinates, in order. */
    public synchronized List<Hyperparameter> searchable() {
        List<Hyperparameter> out = new ArrayList<>();
        for (Hyperparameter h : params.values()) if (h.searchable()) out.add(h);
        return out;
    }

    public synchronized Hyperparameter get(String name) { return params.get(name); }

    public synchronized int size() { return params.size(); }

    /** The number of encoded dimensions. */
    public int dimensions() { return searchable().size(); }

    /** Whether h is active under these values: its parent is active and has one of the condition's values. */
    public boolean isActive(Hyperparameter h, Map<String, Object> values) {
        for (int depth = 0; h.condition() != null; depth++) {
            if (depth > params.size()) throw new IllegalArgumentException("hyperparameter conditions form a cycle at '" + h.name() + "'");
            Condition c = h.condition();
            Hyperparameter parent = get(c.parent());
            Object pv = values.get(c.parent());
            if (pv == null && parent != null && !values.containsKey(c.parent())) pv = parent.defaultValue();
            if (pv == null || !c.holdsFor(pv)) return false;
            if (parent == null) return true;
            h = parent;
        }
        return true;
    }

    /**
     * Completes and cleans a configuration: fills active hyperparameters that are missing with their defaults,
     * drops inactive ones, and canonicalises every value's type. Unknown names are kept (a hypermodel may
     * register them later).
     */
    public Map<String, Object> normalize(Map<String, Object> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Hyperparameter h : all()) {
            Object v = values.containsKey(h.name()) ? values.get(h.name()) : h.defaultValue();
            out.put(h.name(), h.canonical(v));
        }
        for (Hyperparameter h : all()) if (!isActive(h, out)) out.remove(h.name());
        for (var e : values.entrySet()) if (get(e.getKey()) == null) out.put(e.getKey(), e.getValue());
        return out;
    }

    /** The configuration made of every default (KerasTuner's first trial for most oracles). */
    public Map<String, Object> defaults() { return normalize(Map.of()); }

    /** Unit-cube coordinates of a configuration, one per searchable hyperparameter. */
    public double[] encode(Map<String, Object> values) {
        List<Hyperparameter> s = searchable();
        double[] u = new double[s.size()];
        for (int i = 0; i < u.length; i++) {
            Hyperparameter h = s.get(i);
            Object v = values.get(h.name());
            u[i] = h.encode(v == null || !isActive(h, values) ? h.defaultValue() : v);
        }
        return u;
    }

    /** The configuration at unit-cube coordinates (inactive hyperparameters dropped, fixed ones included). */
    public Map<String, Object> decode(double[] u) {
        List<Hyperparameter> s = searchable();
        if (u.length != s.size()) throw new IllegalArgumentException("expected " + s.size() + " coordinates, got " + u.length);
        Map<String, Object> values = new LinkedHashMap<>();
        int i = 0;
        for (Hyperparameter h : all()) values.put(h.name(), h.searchable() ? h.decode(u[i++]) : h.defaultValue());
        return normalize(values);
    }

    /** A uniformly random point of the unit cube, decoded (each hyperparameter sampled by its own sampling). */
    public Map<String, Object> sample(java.util.random.RandomGenerator rng) {
        double[] u = new double[dimensions()];
        for (int i = 0; i < u.length; i++) u[i] = rng.nextDouble();
        return decode(u);
    }

    /** A key identifying a configuration by its active values, for "never propose a configuration already tried". */
    public String key(Map<String, Object> values) {
        Map<String, Object> n = normalize(values);
        StringBuilder b = new StringBuilder();
        for (Hyperparameter h : all()) {
            if (!n.containsKey(h.name())) continue;
            Object v = n.get(h.name());
            b.append(h.name()).append('=').append(v instanceof Number x ? Double.toString(x.doubleValue()) : String.valueOf(v)).append(';');
        }
        return b.toString();
    }

    /** KerasTuner's search-space summary: the count, then one line per hyperparameter. */
    public String summary() {
        List<Hyperparameter> all = all();
        StringBuilder b = new StringBuilder("Search space summary\nDefault search space size: " + searchable().size() + "\n");
        for (Hyperparameter h : all) b.append(h.name()).append(" (").append(h.kind().name().toLowerCase(java.util.Locale.ROOT)).append(")\n    ").append(h.describe()).append('\n');
        return b.toString();
    }

    /** The number of distinct configurations when every dimension is discrete, else -1 (infinite). */
    public long cardinality() {
        long n = 1;
        for (Hyperparameter h : searchable()) {
            List<Object> d = h.discreteValues();
            if (d == null) return -1;
            n = Math.multiplyExact(n, d.size());
        }
        return n;
    }

    @Override
    public String toString() { return Collections.unmodifiableMap(params).toString(); }
}
