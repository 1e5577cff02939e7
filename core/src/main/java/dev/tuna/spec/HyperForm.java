package dev.tuna.spec;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A hyperparameter written in a spec: {int: [lo, hi], step, sampling}, {float: [lo, hi], step, sampling},
 * {choice: [...]}, {bool: default}, each with an optional name and default, and an optional condition
 * {@code when: {PARENT: value}} or {@code when: {PARENT: [values]}} (the parameter exists only when the
 * hyperparameter named PARENT takes one of those values). Its name defaults to the key it stands under
 * (e.g. "units"), as KerasTuner's seed example names them.
 */
public record HyperForm(String name, String path, Kind kind, double lo, double hi, double step, String sampling,
                        List<Object> choices, Object dflt, String whenParent, List<Object> whenValues) {
    public enum Kind { INT, FLOAT, CHOICE, BOOL }

    private static final Set<String> KEYS = Set.of("int", "float", "choice", "bool", "step", "sampling", "name", "default", "when");

    static boolean isForm(Object v) {
        return v instanceof Map<?, ?> m && (m.containsKey("int") || m.containsKey("float") || m.containsKey("choice") || m.containsKey("bool"));
    }

    static HyperForm parse(SpecNode at, Object raw) {
        Map<?, ?> m = (Map<?, ?>) raw;
        SpecNode node = new SpecNode(at.file(), at.path(), raw, null);
        node.checkKeys(KEYS);
        // {float: [..], int: [..]} used to take the int form silently: one mapping is one hyperparameter.
        List<String> kinds = java.util.stream.Stream.of("int", "float", "choice", "bool").filter(m::containsKey).toList();
        if (kinds.size() > 1) throw node.error("expected one of int, float, choice or bool, not " + String.join(" and ", kinds));
        String path = at.path();
        String key = path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[\\d+]$", "");
        String name = m.containsKey("name") ? node.get("name").asString() : key;
        Object dflt = m.get("default");
        String whenParent = null;
        List<Object> whenValues = List.of();
        if (m.containsKey("when")) {
            SpecNode w = node.get("when");
            if (!w.isMap() || w.asMap().size() != 1) throw w.error("expected {PARENT: value} or {PARENT: [values]} naming one hyperparameter");
            var e = w.asMap().entrySet().iterator().next();
            whenParent = e.getKey();
            // A value YAML left empty ({optimizer:}, or a quote that swallowed the colon) is null: said, not a crash.
            if (e.getValue() == null || e.getValue() instanceof List<?> l && l.contains(null)) {
                throw w.error("expected {" + whenParent + ": value} or {" + whenParent + ": [values]}, got an empty value");
            }
            whenValues = e.getValue() instanceof List<?> l ? List.copyOf(l) : List.of(e.getValue());
            if (whenValues.isEmpty()) throw w.get(whenParent).error("expected at least one value");
        }
        if (m.containsKey("int") || m.containsKey("float")) {
            boolean isInt = m.containsKey("int");
            SpecNode range = node.get(isInt ? "int" : "float");
            List<SpecNode> r = range.asList();
            if (r.size() != 2) throw range.error("expected [low, high]");
            double lo = isInt ? r.get(0).asLong() : r.get(0).asDouble();
            double hi = isInt ? r.get(1).asLong() : r.get(1).asDouble();
            if (!(lo <= hi)) throw range.error("expected low <= high");
            String sampling = node.get("sampling").asString("linear");
            if (!Set.of("linear", "log", "reverse_log").contains(sampling)) throw node.get("sampling").error("expected linear, log or reverse_log");
            if (!sampling.equals("linear") && lo <= 0) throw range.error("log sampling needs a positive low end");
            boolean linear = sampling.equals("linear");
            double step = node.get("step").asDouble(isInt && linear ? 1 : 0);
            if (step < 0 || (isInt && step != Math.rint(step))) throw node.get("step").error("expected a " + (isInt ? "positive integer" : "positive number"));
            if (!linear && node.has("step") && step <= 1) throw node.get("step").error("expected a factor above 1 (with " + sampling + " sampling the step multiplies)");
            return new HyperForm(name, path, isInt ? Kind.INT : Kind.FLOAT, lo, hi, step, sampling, List.of(), dflt, whenParent, whenValues);
        }
        if (m.containsKey("choice")) {
            List<SpecNode> c = node.get("choice").asList();
            if (c.isEmpty()) throw node.get("choice").error("expected a non-empty list");
            // One setting takes one type: [8, "sixteen", true] would pass the summary and fail in the trial that draws "sixteen".
            // Integers and floats mix (both are numbers).
            java.util.Set<String> types = new java.util.TreeSet<>();
            for (SpecNode x : c) {
                types.add(x.raw() instanceof Number ? "numbers" : x.raw() instanceof Boolean ? "booleans" : x.raw() instanceof String ? "strings" : "other values");
            }
            if (types.size() > 1) throw node.get("choice").error("expected choices of one type, not " + String.join(" and ", types) + " together");
            return new HyperForm(name, path, Kind.CHOICE, 0, 0, 0, null, c.stream().map(SpecNode::raw).toList(), dflt, whenParent, whenValues);
        }
        Object b = m.get("bool");
        if (!(b instanceof Boolean) && b != null) throw node.get("bool").error("expected true or false (the default)");
        return new HyperForm(name, path, Kind.BOOL, 0, 0, 0, null, List.of(), b == null ? Boolean.FALSE : b, whenParent, whenValues);
    }

    /**
     * The values to check a setting against before any trial: a range's two ends (the settings' valid sets are
     * intervals, so the ends decide), every choice, both booleans.
     */
    List<Object> candidates() {
        return switch (kind) {
            case INT -> List.of((long) lo, (long) hi);
            case FLOAT -> List.of(lo, hi);
            case CHOICE -> choices;
            case BOOL -> List.of(Boolean.FALSE, Boolean.TRUE);
        };
    }

    /** The form as a user wrote its values, for messages: {float: [0.5, 1.5]}, {choice: [adam, sgd]}, {bool}. */
    String describe() {
        return switch (kind) {
            case INT -> "{int: [" + (long) lo + ", " + (long) hi + "]}";
            case FLOAT -> "{float: [" + lo + ", " + hi + "]}";
            case CHOICE -> "{choice: " + choices + "}";
            case BOOL -> "{bool}";
        };
    }

    /** KerasTuner's default: the explicit default, else the range's low end, the first choice, or the bool's value. */
    public Object defaultValue() {
        if (dflt != null && kind != Kind.BOOL) return dflt;
        return switch (kind) {
            case INT -> (long) lo;
            case FLOAT -> lo;
            case CHOICE -> choices.getFirst();
            case BOOL -> dflt;
        };
    }
}
