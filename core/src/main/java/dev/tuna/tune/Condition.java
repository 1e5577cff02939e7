package dev.tuna.tune;

import java.util.List;

/**
 * A hyperparameter exists only when its parent is active and takes one of these values (KerasTuner's
 * conditional scope, the YAML {@code when:} key).
 */
public record Condition(String parent, List<Object> values) {
    public Condition {
        if (parent == null || parent.isBlank()) throw new IllegalArgumentException("a condition needs a parent hyperparameter name");
        if (values == null || values.isEmpty()) throw new IllegalArgumentException("condition on '" + parent + "' needs at least one value");
        values = List.copyOf(values);
    }

    /** Whether the parent's value is one of the condition's values (numbers compare by value, 2 == 2.0). */
    public boolean holdsFor(Object parentValue) {
        for (Object v : values) if (Hyperparameter.sameValue(v, parentValue)) return true;
        return false;
    }

    @Override
    public String toString() {
        return parent + " in " + values;
    }
}
