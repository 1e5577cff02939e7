package dev.tuna.optim;

import dev.tuna.errors.Range;
import java.lang.foreign.SegmentAllocator;
import java.util.Map;
import java.util.Set;

/** Builds an optimizer from its Keras name and options, filling in Keras' defaults. */
public final class Optimizers {
    private Optimizers() {}

    public static final Set<String> NAMES = Set.of("sgd", "adam", "adamw", "rmsprop");

    private static final Set<String> CLIPPING = Set.of("clipnorm", "global_clipnorm", "clipvalue");

    /**
     * Each numeric option's valid range. Out of range, training does not fail but quietly goes wrong: a beta or rho
     * of 1 or more never forgets (or grows without bound), epsilon 0 divides by zero, a clipping threshold of 0 or
     * less turns clipping off (Keras' "not set"), so each is refused instead.
     */
    private static final Map<String, Range> RANGES = Map.ofEntries(
            Map.entry("learning_rate", Range.POSITIVE), Map.entry("momentum", Range.UNIT_HALF_OPEN),
            Map.entry("beta_1", Range.UNIT_HALF_OPEN), Map.entry("beta_2", Range.UNIT_HALF_OPEN), Map.entry("epsilon", Range.POSITIVE),
            Map.entry("rho", Range.UNIT_HALF_OPEN), Map.entry("weight_decay", Range.NON_NEGATIVE),
            Map.entry("clipnorm", Range.POSITIVE), Map.entry("global_clipnorm", Range.POSITIVE), Map.entry("clipvalue", Range.POSITIVE));

    /** The options an optimizer takes (the clipping ones for all of them); empty for an unknown name. */
    public static Set<String> options(String name) {
        Set<String> own = switch (name) {
            case "sgd" -> Set.of("learning_rate", "momentum", "nesterov", "weight_decay");
            case "adam", "adamw" -> Set.of("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay");
            case "rmsprop" -> Set.of("learning_rate", "rho", "momentum", "epsilon");
            default -> Set.of();
        };
        if (own.isEmpty()) return own;
        Set<String> all = new java.util.HashSet<>(own);
        all.addAll(CLIPPING);
        return Set.copyOf(all);
    }

    /** A numeric option's valid range, or null for a non-numeric one (nesterov). */
    public static Range range(String option) { return RANGES.get(option); }

    /**
     * name: sgd, adam, adamw or rmsprop; options: learning_rate, momentum, nesterov, beta_1, beta_2, epsilon,
     * rho, weight_decay, clipnorm, global_clipnorm, clipvalue. Unknown names or options are errors.
     */
    public static Optimizer create(String name, Map<String, Object> options, SegmentAllocator slots) {
        Opts o = new Opts(name, options);
        Clipping clip = new Clipping(o.f("clipnorm", 0), o.f("global_clipnorm", 0), o.f("clipvalue", 0));
        Optimizer opt = switch (name) {
            case "sgd" -> new Sgd(o.f("learning_rate", 0.01f), o.f("momentum", 0f), o.b("nesterov", false), o.f("weight_decay", 0f), clip, slots);
            case "adam" -> new Adam(o.f("learning_rate", 0.001f), o.f("beta_1", 0.9f), o.f("beta_2", 0.999f), o.f("epsilon", 1e-7f), o.f("weight_decay", 0f), clip, slots);
            case "adamw" -> new Adam(o.f("learning_rate", 0.001f), o.f("beta_1", 0.9f), o.f("beta_2", 0.999f), o.f("epsilon", 1e-7f), o.f("weight_decay", 0.004f), clip, slots);
            case "rmsprop" -> new RmsProp(o.f("learning_rate", 0.001f), o.f("rho", 0.9f), o.f("momentum", 0f), o.f("epsilon", 1e-7f), clip, slots);
            default -> throw new IllegalArgumentException("optimizer '" + name + "': expected sgd, adam, adamw or rmsprop");
        };
        o.checkAllUsed();
        return opt;
    }

    private static final class Opts {
        private final String name;
        private final Map<String, Object> map;
        private final java.util.Set<String> used = new java.util.HashSet<>();

        Opts(String name, Map<String, Object> map) {
            this.name = name;
            this.map = map == null ? Map.of() : map;
        }

        float f(String key, float dflt) {
            used.add(key);
            Object v = map.get(key);
            if (v == null) return dflt;
            float f;
            if (v instanceof Number n) {
                f = n.floatValue();
            } else {
                try {
                    f = Float.parseFloat(v.toString());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("optimizer " + name + " option " + key + ": expected a number, got '" + v + "'");
                }
            }
            Range r = RANGES.get(key);
            return r == null ? f : r.check("optimizer " + name + " option " + key, f);
        }

        boolean b(String key, boolean dflt) {
            used.add(key);
            Object v = map.get(key);
            if (v == null) return dflt;
            if (v instanceof Boolean bo) return bo;
            throw new IllegalArgumentException("optimizer " + name + " option " + key + ": expected true or false, got '" + v + "'");
        }

        void checkAllUsed() {
            for (String k : map.keySet()) {
                if (!used.contains(k)) throw new IllegalArgumentException("optimizer " + name + " has no option '" + k + "'");
            }
        }
    }
}
