package dev.tuna.tune;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The hyperparameters of one trial as a hypermodel sees them, KerasTuner style: each call both declares a
 * hyperparameter (registering it in the search space the first time) and returns this trial's value for it,
 * or its default when the oracle has not assigned one yet.
 *
 * <pre>{@code
 * long layers = hp.intRange("num_layers", 1, 3);
 * for (int i = 0; i < layers; i++) units[i] = hp.intRange("units_" + i, 32, 512, 32, "linear");
 * String opt = hp.choice("optimizer", List.of("adam", "sgd"));
 * hp.conditionalScope("optimizer", List.of("sgd"), () -> hp.floatRange("momentum", 0, 0.99));
 * }</pre>
 */
public final class HyperParameters {
    private final SearchSpace space;
    private final Map<String, Object> assigned;
    private final Map<String, Object> used = new LinkedHashMap<>();
    private final Deque<Condition> scopes = new ArrayDeque<>();

    /** A trial's view: values assigned by the oracle; anything else takes its default. */
    public HyperParameters(SearchSpace space, Map<String, Object> assigned) {
        this.space = space;
        this.assigned = assigned == null ? Map.of() : Map.copyOf(assigned);
    }

    /** Every hyperparameter at its default (what `tuna train` and a first trial use). */
    public static HyperParameters defaults(SearchSpace space) { return new HyperParameters(space, Map.of()); }

    public SearchSpace space() { return space; }

    /** The values this trial actually used, in the order they were read: what a study records. */
    public Map<String, Object> values() { return java.util.Collections.unmodifiableMap(used); }

    public long intRange(String name, long lo, long hi) { return intRange(name, lo, hi, 1, "linear"); }

    /** An integer in [lo, hi]; with log sampling a step above 1 multiplies (32, 64, 128, ...). */
    public long intRange(String name, long lo, long hi, long step, String sampling) {
        Hyperparameter.Sampling s = Hyperparameter.Sampling.parse(sampling);
        return (Long) value(Hyperparameter.intRange(name, lo, hi, s == Hyperparameter.Sampling.LINEAR ? Math.max(1, step) : (step > 1 ? step : 0), s, null, scope()));
    }

    public double floatRange(String name, double lo, double hi) { return floatRange(name, lo, hi, 0, "linear"); }

    public double floatRange(String name, double lo, double hi, double step, String sampling) {
        return (Double) value(Hyperparameter.floatRange(name, lo, hi, step, Hyperparameter.Sampling.parse(sampling), null, scope()));
    }

    @SuppressWarnings("unchecked")
    public <T> T choice(String name, List<T> values) {
        return (T) value(Hyperparameter.choice(name, values, null, scope()));
    }

    public boolean bool(String name) { return bool(name, false); }

    public boolean bool(String name, boolean dflt) {
        return (Boolean) value(Hyperparameter.bool(name, dflt, scope()));
    }

    @SuppressWarnings("unchecked")
    public <T> T fixed(String name, T value) {
        return (T) value(Hyperparameter.fixed(name, value, scope()));
    }

    /** Declares (or finds) any hyperparameter and returns this trial's value for it. */
    public Object value(Hyperparameter h) {
        if (h.condition() == null && !scopes.isEmpty()) h = h.withCondition(scopes.peek());
        Hyperparameter reg = space.register(h);
        if (reg.condition() != null && !space.isActive(reg, view())) return reg.defaultValue(); // not part of this trial
        Object v = reg.searchable() && assigned.containsKey(reg.name()) ? reg.canonical(assigned.get(reg.name())) : reg.defaultValue();
        used.put(reg.name(), v);
        return v;
    }

    /**
     * Runs body only when the parent's value is one of parentValues, declaring the hyperparameters it reads as
     * conditional on that; returns the body's result, or null when the branch is not taken.
     */
    public <T> T conditionalScope(String parent, List<?> parentValues, Supplier<T> body) {
        if (!used.containsKey(parent)) throw new IllegalArgumentException("conditional scope on '" + parent + "': read that hyperparameter first");
        Condition c = new Condition(parent, List.copyOf(parentValues));
        if (!c.holdsFor(used.get(parent))) return null;
        scopes.push(c);
        try {
            return body.get();
        } finally {
            scopes.pop();
        }
    }

    /** The value read earlier for a name. */
    public Object get(String name) {
        if (!used.containsKey(name)) throw new IllegalArgumentException("hyperparameter '" + name + "' has not been read in this trial");
        return used.get(name);
    }

    private Condition scope() { return scopes.peek(); }

    /** The values known so far: those read in this trial over those assigned (a parent may be read after its child). */
    private Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>(assigned);
        v.putAll(used);
        return v;
    }
}
