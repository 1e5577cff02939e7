package dev.tuna.data.tabular;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a saved {@link TabularPreprocessor}. The format (version 1):
 * <pre>
 * {"format": "tuna-tabular-preprocessor", "version": 1,
 *  "label": {"column": "income", "kind": "classes", "classes": ["&lt;=50K", "&gt;50K"], "numeric_classes": false},
 *  "impute": "mean",
 *  "columns": [
 *    {"name": "age", "type": "numeric", "treatment": "standardize", "fill": 38.6, "mean": 38.6, "scale": 13.6, "missing_indicator": true},
 *    {"name": "workclass", "type": "categorical", "treatment": "one_hot", "levels": ["Federal-gov", "Private"]},
 *    {"name": "id", "type": "numeric", "treatment": "drop"}]}
 * </pre>
 * A value label has {@code "kind": "values"} and no classes. A numeric column's feature is ((x, or fill when
 * missing) - mean) / scale, so treatment none has mean 0 and scale 1. Doubles are written as the shortest text that
 * reads back to the same double, so a loaded preprocessor gives bit-identical features.
 */
final class TabularPreprocessorJson {
    private TabularPreprocessorJson() {}

    static TabularPreprocessor read(Object parsed, String where) {
        Map<String, Object> root = object(parsed, "the top level");
        if (!TabularPreprocessor.FORMAT.equals(root.get("format"))) {
            throw new IllegalArgumentException("format is " + root.get("format") + ", expected \"" + TabularPreprocessor.FORMAT + "\"");
        }
        long version = number(root, "version").longValue();
        if (version != TabularPreprocessor.VERSION) {
            throw new IllegalArgumentException("version " + version + ": this tuna reads version " + TabularPreprocessor.VERSION);
        }
        Map<String, Object> label = object(root.get("label"), "label");
        String labelColumn = string(label, "column");
        String kindName = string(label, "kind");
        LabelKind kind = switch (kindName) {
            case "classes" -> LabelKind.CLASSES;
            case "values" -> LabelKind.VALUES;
            default -> throw new IllegalArgumentException("label.kind '" + kindName + "': expected classes or values");
        };
        List<String> classes = kind == LabelKind.CLASSES ? strings(label.get("classes"), "label.classes") : List.of();
        if (kind == LabelKind.CLASSES && classes.isEmpty()) throw new IllegalArgumentException("label.classes is empty");
        boolean numericClasses = kind == LabelKind.CLASSES && bool(label, "numeric_classes");
        TabularPreprocessor.Impute impute = TabularPreprocessor.Impute.parse(string(root, "impute"), "impute");
        List<TabularPreprocessor.ColumnState> columns = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Object cols = root.get("columns");
        if (!(cols instanceof List<?> list)) throw new IllegalArgumentException("columns: expected a list");
        for (int k = 0; k < list.size(); k++) {
            String at = "columns[" + k + "]";
            Map<String, Object> c = object(list.get(k), at);
            String name = string(c, "name");
            if (!names.add(name)) throw new IllegalArgumentException(at + ": column '" + name + "' appears twice");
            ColumnType type = ColumnType.parse(string(c, "type"), at + ".type");
            Treatment t = Treatment.parse(string(c, "treatment"), at + ".treatment");
            if (t == Treatment.DROP) {
                columns.add(new TabularPreprocessor.ColumnState(name, type, t, 0, 0, 1, false, List.of()));
            } else if (type == ColumnType.NUMERIC) {
                if (t.categorical()) throw new IllegalArgumentException(at + ": treatment " + t.id() + " for a numeric column");
                double fill = finite(c, "fill", at), mean = finite(c, "mean", at), scale = finite(c, "scale", at);
                if (!(scale > 0)) throw new IllegalArgumentException(at + ".scale " + scale + ": expected a positive number");
                columns.add(new TabularPreprocessor.ColumnState(name, type, t, fill, mean, scale, bool(c, "missing_indicator"), List.of()));
            } else {
                if (!t.categorical()) throw new IllegalArgumentException(at + ": treatment " + t.id() + " for a categorical column");
                List<String> levels = strings(c.get("levels"), at + ".levels");
                if (new HashSet<>(levels).size() != levels.size()) throw new IllegalArgumentException(at + ".levels: a level appears twice");
                columns.add(new TabularPreprocessor.ColumnState(name, type, t, 0, 0, 1, false, levels));
            }
        }
        return TabularPreprocessor.restore(columns, labelColumn, kind, classes, numericClasses, impute);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object v, String what) {
        if (!(v instanceof Map<?, ?> m)) throw new IllegalArgumentException(what + ": expected an object");
        return (Map<String, Object>) m;
    }

    private static String string(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof String s)) throw new IllegalArgumentException(key + ": expected a string");
        return s;
    }

    private static Number number(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Number n)) throw new IllegalArgumentException(key + ": expected a number");
        return n;
    }

    private static double finite(Map<String, Object> m, String key, String at) {
        if (!(m.get(key) instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new IllegalArgumentException(at + "." + key + ": expected a finite number");
        }
        return n.doubleValue();
    }

    private static boolean bool(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Boolean b)) throw new IllegalArgumentException(key + ": expected true or false");
        return b;
    }

    private static List<String> strings(Object v, String what) {
        if (!(v instanceof List<?> l)) throw new IllegalArgumentException(what + ": expected a list of strings");
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String s)) throw new IllegalArgumentException(what + ": expected a list of strings");
            out.add(s);
        }
        return out;
    }
}
