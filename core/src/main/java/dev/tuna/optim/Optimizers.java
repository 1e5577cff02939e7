package dev.tuna.optim;

import java.lang.foreign.SegmentAllocator;
import java.util.Map;

/** Builds an optimizer from its Keras name and options, filling in Keras' defaults. */
public final class Optimizers {
    private Optimizers() {}

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
            if (v instanceof Number n) return n.floatValue();
            try {
                return Float.parseFloat(v.toString());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("optimizer " + name + " option " + key + ": expected a number, got '" + v + "'");
            }
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
