package dev.tuna.spec;

import dev.tuna.errors.BadInputException;
import dev.tuna.errors.Range;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A value in a job spec with the path that leads to it, so every error names the file and the key
 * ("seed.yaml: model.layers[0].dense.units: expected an integer, got 'abc'"). Hyperparameter forms
 * ({int: ...}, {float: ...}, {choice: ...}, {bool: ...}) are resolved through a {@link HyperResolver}.
 */
public final class SpecNode {
    private final String file;
    private final String path;
    private final Object value;
    private final HyperResolver resolver;
    /** The search form this value was resolved from, or null for a plain value. */
    private final HyperForm form;

    public SpecNode(String file, String path, Object value, HyperResolver resolver) {
        this.file = file;
        this.path = path;
        this.resolver = resolver;
        this.form = resolver != null && HyperForm.isForm(value) ? HyperForm.parse(this, value) : null;
        this.value = form != null ? resolver.resolve(form) : value;
    }

    /**
     * Reads this value with reader, after reading each value its search form can take (a range's two ends, every
     * choice) the same way: a form that could give a bad value is refused as the file is read, not in the trial
     * that first draws it. Every typed accessor reads through here, so a setting's checks cover its forms.
     */
    public <T> T read(Function<SpecNode, T> reader) {
        if (form != null) {
            for (Object candidate : form.candidates()) {
                String of = ", a value of the search form " + form.describe();
                try {
                    reader.apply(new SpecNode(file, path, candidate, null));
                } catch (BadInputException e) {
                    throw new BadInputException(oneLine(e.getMessage() + of), e);
                } catch (IllegalArgumentException e) {
                    throw new BadInputException(oneLine(file + ": " + path + ": " + e.getMessage() + of), e);
                }
            }
        }
        return reader.apply(this);
    }

    public String path() { return path; }

    public String file() { return file; }

    public Object raw() { return value; }

    public boolean isNull() { return value == null; }

    public BadInputException error(String expected) {
        return new BadInputException(oneLine(file + ": " + (path.isEmpty() ? "" : path + ": ") + expected
                + (value == null ? "" : ", got '" + abbreviate(value) + "'")));
    }

    /** Keys and values are the user's and may hold line breaks (YAML's "a\nb"); a refusal is one line. */
    static String oneLine(String s) { return s.replaceAll("\\s*[\r\n]+\\s*", " "); }

    private static String abbreviate(Object v) {
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private String childPath(String key) { return path.isEmpty() ? key : path + "." + key; }

    public boolean isMap() { return value instanceof Map; }

    public boolean isList() { return value instanceof List; }

    @SuppressWarnings("unchecked")
    public Map<String, Object> asMap() {
        if (!(value instanceof Map)) throw error("expected a mapping");
        return (Map<String, Object>) value;
    }

    public boolean has(String key) { return value instanceof Map<?, ?> m && m.containsKey(key); }

    /** A child of a mapping; absent keys give a null node. */
    public SpecNode get(String key) {
        Object v = value instanceof Map<?, ?> m ? m.get(key) : null;
        if (value != null && !(value instanceof Map)) throw error("expected a mapping with key '" + key + "'");
        return new SpecNode(file, childPath(key), v, resolver);
    }

    /** A child of a mapping as written, before any hyperparameter form in it is resolved (null when absent). */
    public Object unresolved(String key) {
        return value instanceof Map<?, ?> m ? m.get(key) : null;
    }

    /** A node over a value built by the caller (a generated form), reported at this node's file and the given path. */
    public SpecNode derived(String childPath, Object v) {
        return new SpecNode(file, childPath, v, resolver);
    }

    /** A child that must be present. */
    public SpecNode require(String key) {
        SpecNode n = get(key);
        if (n.isNull()) throw new BadInputException(oneLine(file + ": " + n.path + ": missing (required)"));
        return n;
    }

    public List<SpecNode> asList() {
        if (!(value instanceof List<?> l)) throw error("expected a list");
        List<SpecNode> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) out.add(new SpecNode(file, path + "[" + i + "]", l.get(i), resolver));
        return out;
    }

    /** Fails on keys outside the allowed set, naming the first unknown one and the allowed ones. */
    public void checkKeys(Set<String> allowed) {
        for (String k : asMap().keySet()) {
            if (!allowed.contains(k)) {
                throw new BadInputException(oneLine(file + ": " + childPath(k) + ": unknown key; expected one of " + new java.util.TreeSet<>(allowed)));
            }
        }
    }

    public String asString() { return read(SpecNode::stringValue); }

    private String stringValue() {
        if (value instanceof String s) return s;
        if (value instanceof Number || value instanceof Boolean) return value.toString();
        throw error("expected a string");
    }

    public String asString(String dflt) { return isNull() ? dflt : asString(); }

    public long asLong() { return read(SpecNode::longValue); }

    private long longValue() {
        if (value instanceof Integer || value instanceof Long) return ((Number) value).longValue();
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) return d.longValue();
        if (value instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw error("expected an integer");
    }

    public long asLong0(long dflt) { return isNull() ? dflt : asLong(); }

    public int asInt() { return read(SpecNode::intValue); }

    private int intValue() {
        long v = longValue();
        if (v != (int) v) throw error("expected an integer within 32 bits");
        return (int) v;
    }

    public int asInt(int dflt) { return isNull() ? dflt : asInt(); }

    public int asPositiveInt() {
        return read(n -> {
            int v = n.intValue();
            if (v <= 0) throw n.error("expected a positive integer");
            return v;
        });
    }

    public int asPositiveInt(int dflt) { return isNull() ? dflt : asPositiveInt(); }

    public double asDouble() { return read(SpecNode::doubleValue); }

    private double doubleValue() {
        if (value instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) throw error("expected a finite number");
            return d;
        }
        if (value instanceof String s) {
            try {
                double d = Double.parseDouble(s.trim());
                if (Double.isFinite(d)) return d;
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw error("expected a number");
    }

    public double asDouble(double dflt) { return isNull() ? dflt : asDouble(); }

    /** A number in the range ("model.optimizer.beta_1: expected a number in [0, 1), got '1.5'"). */
    public double asDouble(Range range) {
        return read(n -> {
            double v = n.doubleValue();
            if (!range.contains(v)) throw n.error("expected " + range.expected());
            return v;
        });
    }

    public double asDouble(double dflt, Range range) { return isNull() ? dflt : asDouble(range); }

    public boolean asBool() { return read(SpecNode::boolValue); }

    private boolean boolValue() {
        if (value instanceof Boolean b) return b;
        if ("true".equals(value) || "false".equals(value)) return Boolean.parseBoolean((String) value);
        throw error("expected true or false");
    }

    public boolean asBool(boolean dflt) { return isNull() ? dflt : asBool(); }

    /** The mapping with every hyperparameter form resolved, as plain values (for option maps). */
    public Map<String, Object> resolvedMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : asMap().keySet()) out.put(k, get(k).raw());
        return out;
    }
}
