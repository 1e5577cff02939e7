package dev.tuna.tune;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One dimension of a search space: an integer or float range (linear, log or reverse-log sampling, optional step),
 * a choice, a boolean, or a fixed value, optionally conditional on a parent. Every kind maps to the unit interval
 * so that oracles (random, Bayesian, genetic) work in one encoding: a discrete kind (choices, booleans, stepped
 * ranges) gives each of its n values an equal bin [k/n, (k+1)/n) and encodes to the bin's centre; a continuous
 * range maps through its sampling's scale.
 */
public record Hyperparameter(String name, Kind kind, double lo, double hi, double step, Sampling sampling,
                             List<Object> choices, Object defaultValue, Condition condition) {

    public enum Kind { INT, FLOAT, CHOICE, BOOL, FIXED }

    public enum Sampling {
        LINEAR, LOG, REVERSE_LOG;

        public static Sampling parse(String s) {
            return switch (s == null ? "linear" : s) {
                case "linear" -> LINEAR;
                case "log" -> LOG;
                case "reverse_log" -> REVERSE_LOG;
                default -> throw new IllegalArgumentException("sampling '" + s + "': expected linear, log or reverse_log");
            };
        }

        public String yamlName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /** How many points a continuous range contributes to a grid search. */
    public static final int GRID_POINTS_CONTINUOUS = 10;

    public Hyperparameter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        if (name.isBlank()) throw new IllegalArgumentException("a hyperparameter needs a name");
        if (sampling == null) sampling = Sampling.LINEAR;
        choices = choices == null ? List.of() : List.copyOf(choices);
        switch (kind) {
            case INT, FLOAT -> {
                if (!(lo <= hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
                    throw new IllegalArgumentException(name + ": expected low <= high, got [" + lo + ", " + hi + "]");
                }
                if (kind == Kind.INT && (lo != Math.rint(lo) || hi != Math.rint(hi))) throw new IllegalArgumentException(name + ": integer range bounds must be integers");
                if (step < 0 || !Double.isFinite(step)) throw new IllegalArgumentException(name + ": step must be positive");
                if (kind == Kind.INT && step != Math.rint(step)) throw new IllegalArgumentException(name + ": an integer range's step must be an integer");
                if (sampling != Sampling.LINEAR && lo <= 0) throw new IllegalArgumentException(name + ": " + sampling.yamlName() + " sampling needs a positive low end");
                if (sampling != Sampling.LINEAR && step > 0 && step <= 1 && !(kind == Kind.INT && step == 1)) {
                    throw new IllegalArgumentException(name + ": with " + sampling.yamlName() + " sampling the step multiplies, so it must be greater than 1");
                }
                if (defaultValue == null) defaultValue = kind == Kind.INT ? (Object) (long) lo : (Object) lo;
            }
            case CHOICE -> {
                if (choices.isEmpty()) throw new IllegalArgumentException(name + ": a choice needs at least one value");
                if (defaultValue == null) defaultValue = choices.getFirst();
            }
            case BOOL -> {
                if (defaultValue == null) defaultValue = Boolean.FALSE;
            }
            case FIXED -> {
                if (defaultValue == null) throw new IllegalArgumentException(name + ": a fixed hyperparameter needs a value");
            }
        }
        // Canonical default: Long for INT, Double for FLOAT, the matching choice object.
        defaultValue = canonical(kind, lo, hi, choices, defaultValue, name);
    }

    // ---- factories -------------------------------------------------------------------------------

    public static Hyperparameter intRange(String name, long lo, long hi, long step, Sampling sampling, Object dflt, Condition when) {
        return new Hyperparameter(name, Kind.INT, lo, hi, sampling == Sampling.LINEAR && step <= 0 ? 1 : step, sampling, List.of(), dflt, when);
    }

    public static Hyperparameter floatRange(String name, double lo, double hi, double step, Sampling sampling, Object dflt, Condition when) {
        return new Hyperparameter(name, Kind.FLOAT, lo, hi, step, sampling, List.of(), dflt, when);
    }

    public static Hyperparameter choice(String name, List<?> choices, Object dflt, Condition when) {
        return new Hyperparameter(name, Kind.CHOICE, 0, 0, 0, Sampling.LINEAR, new ArrayList<>(choices), dflt, when);
    }

    public static Hyperparameter bool(String name, boolean dflt, Condition when) {
        return new Hyperparameter(name, Kind.BOOL, 0, 0, 0, Sampling.LINEAR, List.of(), dflt, when);
    }

    public static Hyperparameter fixed(String name, Object value, Condition when) {
        return new Hyperparameter(name, Kind.FIXED, 0, 0, 0, Sampling.LINEAR, List.of(), value, when);
    }

    /** A copy with another condition. */
    public Hyperparameter withCondition(Condition c) {
        return new Hyperparameter(name, kind, lo, hi, step, sampling, choices, defaultValue, c);
    }

    // ---- values ----------------------------------------------------------------------------------

    /** Whether this is a dimension an oracle searches (everything but a fixed value). */
    public boolean searchable() { return kind != Kind.FIXED; }

    /** The finite list of values when this kind is discrete, else null (a continuous range). */
    public List<Object> discreteValues() {
        return switch (kind) {
            case CHOICE -> choices;
            case BOOL -> List.of(Boolean.FALSE, Boolean.TRUE);
            case FIXED -> List.of(defaultValue);
            case INT, FLOAT -> steppedGrid();
        };
    }

    /** The values of a stepped range (additive for linear sampling, multiplicative for log), or null. */
    private List<Object> steppedGrid() {
        boolean additive = sampling == Sampling.LINEAR;
        if (kind == Kind.FLOAT && step <= 0) return null;
        if (kind == Kind.INT && !additive && step <= 1) return null; // log-sampled integers without a step: continuous, rounded
        List<Object> out = new ArrayList<>();
        double eps = 1e-9 * Math.max(1, Math.abs(hi));
        for (double v = lo; v <= hi + eps; v = additive ? v + step : v * step) {
            out.add(kind == Kind.INT ? (Object) Math.round(v) : (Object) v);
            if (out.size() > 1_000_000) throw new IllegalArgumentException(name + ": more than a million values; use a larger step");
        }
        return out;
    }

    /** The values a grid search visits: every discrete value, or GRID_POINTS_CONTINUOUS points spread in the sampling's scale. */
    public List<Object> gridValues() {
        List<Object> d = discreteValues();
        if (d != null) return d;
        List<Object> out = new ArrayList<>();
        int n = kind == Kind.INT ? (int) Math.min(GRID_POINTS_CONTINUOUS, hi - lo + 1) : GRID_POINTS_CONTINUOUS;
        for (int i = 0; i < n; i++) {
            Object v = decode(n == 1 ? 0.5 : (double) i / (n - 1));
            if (out.stream().noneMatch(o -> sameValue(o, v))) out.add(v);
        }
        return out;
    }

    /** The unit-interval position of a value. */
    public double encode(Object value) {
        List<Object> d = discreteValues();
        if (d != null) {
            int k = indexOf(d, value);
            if (k < 0) throw new IllegalArgumentException(name + ": " + value + " is not one of " + abbreviate(d));
            return (k + 0.5) / d.size();
        }
        double v = ((Number) value).doubleValue();
        double u = switch (sampling) {
            case LINEAR -> hi == lo ? 0.5 : (v - lo) / (hi - lo);
            case LOG -> hi == lo ? 0.5 : (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
            case REVERSE_LOG -> hi == lo ? 0.5 : 1 - (Math.log(lo + hi - v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
        };
        return Math.clamp(u, 0.0, 1.0);
    }

    /** The value at a unit-interval position (clamped into [0, 1]). */
    public Object decode(double u) {
        u = Double.isNaN(u) ? 0.5 : Math.clamp(u, 0.0, 1.0);
        List<Object> d = discreteValues();
        if (d != null) return d.get(Math.min(d.size() - 1, (int) Math.floor(u * d.size())));
        double v = switch (sampling) {
            case LINEAR -> lo + u * (hi - lo);
            case LOG -> Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo)));
            case REVERSE_LOG -> lo + hi - Math.exp(Math.log(lo) + (1 - u) * (Math.log(hi) - Math.log(lo)));
        };
        v = Math.clamp(v, lo, hi);
        return kind == Kind.INT ? (Object) Math.round(v) : (Object) v;
    }

    /** The value in its canonical Java type (Long, Double, Boolean, the choice's own object), or an exception. */
    public Object canonical(Object value) {
        return canonical(kind, lo, hi, choices, value, name);
    }

    private static Object canonical(Kind kind, double lo, double hi, List<Object> choices, Object value, String name) {
        switch (kind) {
            case INT -> {
                if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) throw new IllegalArgumentException(name + ": expected an integer, got " + value);
                long v = n.longValue();
                if (v < lo || v > hi) throw new IllegalArgumentException(name + ": " + v + " is outside [" + (long) lo + ", " + (long) hi + "]");
                return v;
            }
            case FLOAT -> {
                if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) throw new IllegalArgumentException(name + ": expected a number, got " + value);
                double v = n.doubleValue();
                if (v < lo - 1e-12 * Math.abs(lo) || v > hi + 1e-12 * Math.abs(hi)) throw new IllegalArgumentException(name + ": " + v + " is outside [" + lo + ", " + hi + "]");
                return Math.clamp(v, lo, hi);
            }
            case CHOICE -> {
                int k = indexOf(choices, value);
                if (k < 0) throw new IllegalArgumentException(name + ": " + value + " is not one of " + abbreviate(choices));
                return choices.get(k);
            }
            case BOOL -> {
                if (value instanceof Boolean b) return b;
                if ("true".equals(value) || "false".equals(value)) return Boolean.parseBoolean((String) value);
                throw new IllegalArgumentException(name + ": expected true or false, got " + value);
            }
            default -> {
                return value;
            }
        }
    }

    private static int indexOf(List<Object> values, Object v) {
        for (int i = 0; i < values.size(); i++) if (sameValue(values.get(i), v)) return i;
        return -1;
    }

    /** Equality where numbers compare by value (a choice of 2 read back from JSON as 2.0 is the same value). */
    public static boolean sameValue(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
        return Objects.equals(a, b);
    }

    private static String abbreviate(List<Object> l) {
        String s = l.toString();
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    /** One line for the search-space summary: "units (int): [16, 64], step 16, linear, default 16". */
    public String describe() {
        String body = switch (kind) {
            case INT -> "int [" + (long) lo + ", " + (long) hi + "]" + (step > 1 || sampling != Sampling.LINEAR && step > 0 ? ", step " + fmt(step) : "") + ", " + sampling.yamlName();
            case FLOAT -> "float [" + fmt(lo) + ", " + fmt(hi) + "]" + (step > 0 ? ", step " + fmt(step) : "") + ", " + sampling.yamlName();
            case CHOICE -> "choice " + abbreviate(choices);
            case BOOL -> "bool";
            case FIXED -> "fixed";
        };
        return body + ", default " + defaultValue + (condition == null ? "" : ", when " + condition);
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }
}
