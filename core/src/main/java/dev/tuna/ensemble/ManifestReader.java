package dev.tuna.ensemble;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and checks an {@value EnsembleManifest#FILE}. The file is often edited by hand (weights tried out, members
 * dropped), so every key is checked for its type and value before tuna predict does anything, and a bad one is a
 * single line naming the file, the member (index and name) and the key with what was expected. Member files must
 * lie inside the ensemble's folder (after resolving symbolic links) and exist, even at weight 0, so a manifest
 * cannot make tuna read files elsewhere, and the weights must already sum to 1: a blend is not silently renormalised.
 */
final class ManifestReader {
    /** How far the weights may sum from 1: what ensemble methods write is exact to about 1e-15. */
    static final double WEIGHT_SUM_TOLERANCE = 1e-6;

    static final List<String> KINDS = List.of("neural", "gbt", "random_forest");

    private final Path file;
    private final Path folder;

    private ManifestReader(Path file) {
        this.file = file;
        this.folder = file.toAbsolutePath().normalize().getParent();
    }

    static EnsembleManifest read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage());
        }
        Object root;
        try {
            root = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": not valid JSON: " + e.getMessage());
        }
        return new ManifestReader(file).manifest(root);
    }

    private EnsembleManifest manifest(Object root) {
        if (!(root instanceof Map<?, ?> m)) throw bad("", "expected a JSON object");
        boolean first = EnsembleManifest.FORMAT_1.equals(m.get("format"));
        if (!first && !EnsembleManifest.FORMAT.equals(m.get("format"))) {
            throw bad("format: ", "expected " + EnsembleManifest.FORMAT + " (or " + EnsembleManifest.FORMAT_1 + "), got " + show(m.get("format")));
        }
        String method = string(m, "method", "");
        Task task;
        if (first) {
            // Format 1 predates tasks: every ensemble then was a classifier, and a task key in it is a hand edit.
            if (m.containsKey("task")) throw bad("task: ", "not in format " + EnsembleManifest.FORMAT_1 + "; write format " + EnsembleManifest.FORMAT + " to name a task");
            task = Task.CLASSIFICATION;
        } else {
            String t = string(m, "task", "");
            try {
                task = Task.parse(t, "task");
            } catch (IllegalArgumentException e) {
                throw bad("task: ", "expected classification, binary or regression, got " + show(t));
            }
        }
        List<String> classNames = new ArrayList<>();
        for (Object c : list(m, "class_names", "", "a list of class names")) {
            if (!(c instanceof String s)) throw bad("class_names: ", "expected a list of strings, got " + show(c) + " in it");
            if (classNames.contains(s)) throw bad("class_names: ", "class " + show(s) + " is named twice");
            classNames.add(s);
        }
        if (task == Task.REGRESSION && !classNames.isEmpty()) throw bad("class_names: ", "expected none for a regression ensemble, got " + classNames.size());
        if (task == Task.BINARY && classNames.size() != 2) throw bad("class_names: ", "expected 2 for a binary ensemble, got " + classNames.size());
        if (task == Task.CLASSIFICATION && classNames.isEmpty()) throw bad("class_names: ", "expected at least one class name");
        List<Integer> shape = new ArrayList<>();
        for (Object d : list(m, "feature_shape", "", "a list of dimensions")) {
            if (!(d instanceof Long n) || n < 1 || n > Integer.MAX_VALUE) {
                throw bad("feature_shape: ", "expected a list of positive integers, got " + show(d) + " in it");
            }
            shape.add(Math.toIntExact(n));
        }
        if (shape.isEmpty()) throw bad("feature_shape: ", "expected at least one dimension");
        List<?> ms = list(m, "members", "", "a list of members");
        List<EnsembleManifest.Member> members = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < ms.size(); i++) {
            EnsembleManifest.Member x = member(i, ms.get(i));
            members.add(x);
            sum += x.weight();
        }
        if (members.isEmpty()) throw bad("members: ", "expected at least one member");
        if (!(Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE)) {
            throw bad("members: ", "the weights sum to " + sum + ", expected 1 (within " + WEIGHT_SUM_TOLERANCE + "); tuna does not renormalise them");
        }
        String label = m.containsKey("label") ? string(m, "label", "") : null;
        return new EnsembleManifest(method, task, List.copyOf(classNames), List.copyOf(shape), List.copyOf(members), label);
    }

    private EnsembleManifest.Member member(int i, Object o) {
        if (!(o instanceof Map<?, ?> e)) throw bad("member " + i + ": ", "expected an object, got " + show(o));
        // The name identifies the member in every later message, so it is read (and checked) first.
        String name = string(e, "name", "member " + i + ": ");
        String where = "member " + i + " '" + name + "': ";
        String kind = string(e, "kind", where);
        if (!KINDS.contains(kind)) throw bad(where + "kind: ", "expected one of " + String.join(", ", KINDS) + ", got " + show(kind));
        Object w = e.get("weight");
        // Long or Double only: JSON's strings, booleans, lists and null are not weights, and JSON has no NaN.
        if (!(w instanceof Long || w instanceof Double) || !(((Number) w).doubleValue() >= 0) || Double.isInfinite(((Number) w).doubleValue())) {
            throw bad(where + "weight: ", "expected a number >= 0, got " + show(w));
        }
        String path = string(e, "file", where);
        checkFile(where, path);
        Map<?, ?> r = object(e, "recipe", where);
        if (kind.equals("neural")) checkNeuralRecipe(where, r);
        @SuppressWarnings("unchecked")
        Map<String, Object> recipe = (Map<String, Object>) r;
        return new EnsembleManifest.Member(name, kind, ((Number) w).doubleValue(), path, recipe);
    }

    /** The keys tuna predict rebuilds a network from (see EnsembleCommand), so that it never meets a wrong type. */
    private void checkNeuralRecipe(String where, Map<?, ?> r) {
        string(r, "spec_file", where + "recipe.");
        string(r, "spec", where + "recipe.");
        string(r, "hypermodel", where + "recipe.");
        for (Object o : list(r, "overrides", where + "recipe.", "a list of key=value strings")) {
            if (!(o instanceof String)) throw bad(where + "recipe.overrides: ", "expected a list of key=value strings, got " + show(o) + " in it");
        }
        object(r, "values", where + "recipe.");
    }

    /** A member's model file must be inside the ensemble's folder, both as written and after following symlinks. */
    private void checkFile(String where, String path) {
        String key = where + "file: ";
        Path rel;
        try {
            rel = Path.of(path);
        } catch (InvalidPathException ex) {
            throw bad(key, "expected a path relative to the ensemble folder, got " + show(path));
        }
        if (path.isBlank() || rel.isAbsolute()) throw bad(key, "expected a path relative to the ensemble folder " + folder + ", got " + show(path));
        Path target = folder.resolve(rel).normalize();
        if (!target.startsWith(folder) || target.equals(folder)) {
            throw bad(key, show(path) + " is outside the ensemble folder " + folder + ": expected a file inside it");
        }
        if (!Files.exists(target)) throw bad(key, "missing model file " + target);
        try {
            Path real = target.toRealPath();
            if (!real.startsWith(folder.toRealPath())) {
                throw bad(key, show(path) + " is a symbolic link to " + real + ", outside the ensemble folder " + folder + ": expected a file inside it");
            }
        } catch (IOException ex) {
            throw bad(key, "cannot resolve " + target + ": " + ex.getMessage());
        }
        if (!Files.isRegularFile(target)) throw bad(key, target + " is not a file: expected a model file");
    }

    private String string(Map<?, ?> m, String key, String where) {
        Object v = m.get(key);
        if (!(v instanceof String s)) throw bad(where + key + ": ", (m.containsKey(key) ? "expected a string, got " + show(v) : "missing: expected a string"));
        return s;
    }

    private Map<?, ?> object(Map<?, ?> m, String key, String where) {
        Object v = m.get(key);
        if (!(v instanceof Map<?, ?> o)) throw bad(where + key + ": ", (m.containsKey(key) ? "expected an object, got " + show(v) : "missing: expected an object"));
        return o;
    }

    private List<?> list(Map<?, ?> m, String key, String where, String what) {
        Object v = m.get(key);
        if (!(v instanceof List<?> l)) throw bad(where + key + ": ", (m.containsKey(key) ? "expected " + what + ", got " + show(v) : "missing: expected " + what));
        return l;
    }

    /** One line even when a name or path in it holds a line break (JSON allows "\n" in both). */
    private BadInputException bad(String where, String what) {
        return new BadInputException((file + ": " + where + what).replaceAll("[\r\n]+", " "));
    }

    /** A JSON value as the user wrote it, on one line and short. */
    private static String show(Object v) {
        String s = v instanceof String str ? "'" + str + "'" : Json.write(v);
        s = s.replaceAll("[\\r\\n]+", " ");
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
