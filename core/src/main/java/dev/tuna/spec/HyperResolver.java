package dev.tuna.spec;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Chooses a value for each hyperparameter form met while reading a spec: its default for `tuna train`,
 * the oracle's choice for a tuner trial. A resolver returns null for a form that is inactive in its configuration
 * (its {@code when:} does not hold), which then reads as if the key were not written.
 */
@FunctionalInterface
public interface HyperResolver {
    Object resolve(HyperForm form);

    /** Takes each form's default (KerasTuner's: the low end of a range, the first choice, false), ignoring conditions. */
    HyperResolver DEFAULTS = HyperForm::defaultValue;

    /**
     * The default configuration as the tuner's first trial reads it: each form's default, and null for a form
     * whose when-parent was met earlier in the file with a value outside its condition (so momentum conditional on
     * optimizer: sgd is not handed to Adam). One resolver per read: it remembers the values met.
     */
    static HyperResolver defaults() {
        Map<String, Object> met = new HashMap<>();
        return form -> {
            Object v = form.defaultValue();
            if (form.whenParent() != null && met.containsKey(form.whenParent())) {
                Object parent = met.get(form.whenParent());
                if (parent == null || form.whenValues().stream().noneMatch(w -> same(w, parent))) v = null;
            }
            met.put(form.name(), v);
            return v;
        };
    }

    private static boolean same(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
        return Objects.equals(a, b);
    }
}
