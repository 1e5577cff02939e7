package dev.tuna.spec;

import dev.tuna.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads a job's YAML file and applies `--set key=value` overrides (dotted keys, [i] or .i for list items). */
public final class SpecFile {
    private SpecFile() {}

    public static SpecNode load(Path file, List<String> overrides, HyperResolver resolver) {
        return parse(file.toString(), read(file), overrides, resolver);
    }

    /** A spec file's text; a missing or unreadable file is bad input naming it. */
    public static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read: " + e.getMessage());
        }
    }

    public static SpecNode parse(String name, String text, List<String> overrides, HyperResolver resolver) {
        return new SpecNode(name, "", parseRaw(name, text, overrides), resolver);
    }

    /**
     * The spec's content as JSON with every mapping's keys sorted: equal for two texts that differ only in
     * comments, layout, quoting or key order, so a study compares what a spec says rather than how it is written.
     */
    public static String canonical(String name, String text) {
        return dev.tuna.data.Json.write(sorted(parseRaw(name, text, List.of())));
    }

    private static Object sorted(Object v) {
        if (v instanceof Map<?, ?> m) {
            java.util.TreeMap<String, Object> t = new java.util.TreeMap<>();
            for (var e : m.entrySet()) t.put(String.valueOf(e.getKey()), sorted(e.getValue()));
            return t;
        }
        if (v instanceof List<?> l) return l.stream().map(SpecFile::sorted).toList();
        return v;
    }

    /**
     * The spec as plain maps and lists with the overrides applied and no hyperparameter resolved: parse it once
     * and wrap it in a {@link SpecNode} per resolver (the tuner reads one spec under many configurations).
     * Reading a spec never changes this tree.
     */
    public static Map<String, Object> parseRaw(String name, String text, List<String> overrides) {
        Object root;
        try {
            refuseComplexKeys(name, yaml().compose(new java.io.StringReader(text)));
            root = yaml().load(text);
        } catch (DuplicateKeyException e) {
            // SnakeYAML's default keeps the last value and logs a warning on stderr; a key written twice is a mistake
            // the user should hear about, once, in our format.
            throw new BadInputException(SpecNode.oneLine(where(name, e) + ": "
                    + e.getProblem().replaceFirst("^found duplicate key (.*)$", "duplicate key '$1'") + "; write each key once"));
        } catch (MarkedYAMLException e) {
            // SnakeYAML's problem can span lines ("unexpected character found\n(10)"), and keys are the user's
            throw new BadInputException(SpecNode.oneLine(where(name, e) + ": invalid YAML: " + e.getProblem()));
        } catch (YAMLException e) {
            throw new BadInputException(name + ": invalid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        } catch (IllegalArgumentException e) {
            throw notANumber(name, e);
        }
        if (root == null) root = new LinkedHashMap<String, Object>();
        if (!(root instanceof Map)) throw new BadInputException(name + ": expected a mapping at the top level (data:, model:, train:)");
        Map<String, Object> map = deepCopy(name, root);
        for (String o : overrides == null ? List.<String>of() : overrides) apply(name, map, o);
        return map;
    }

    /**
     * SnakeYAML resolves some non-numbers as YAML 1.1 numbers (its float pattern takes "._", which is "." once the
     * underscores go) and then fails to parse them with a NumberFormatException, which carries no position.
     */
    private static BadInputException notANumber(String where, IllegalArgumentException e) {
        return new BadInputException(SpecNode.oneLine(where + ": invalid YAML: a value that looks like a number is not one ("
                + e.getMessage() + "); quote it if it is text"), e);
    }

    /**
     * A job file's keys are plain words; SnakeYAML would build a mapping or list used as a key ({@code ? {a: 1}: x})
     * and hash it, which recurses without end when the key holds an alias to itself ({@code ? k: &a {x: *a}}),
     * overflowing the stack inside SnakeYAML. So the composed node graph is checked for such keys before building.
     */
    private static void refuseComplexKeys(String name, Node root) {
        Deque<Node> todo = new ArrayDeque<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        if (root != null) todo.push(root);
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (!seen.add(n)) continue;
            if (n instanceof MappingNode m) {
                for (NodeTuple t : m.getValue()) {
                    if (!(t.getKeyNode() instanceof ScalarNode)) {
                        var mark = t.getKeyNode().getStartMark();
                        throw new BadInputException(name + (mark == null ? "" : " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1))
                                + ": a " + (t.getKeyNode() instanceof MappingNode ? "mapping" : "list") + " used as a key; expected a plain key such as model:");
                    }
                    todo.push(t.getValueNode());
                }
            } else if (n instanceof SequenceNode q) {
                for (Node x : q.getValue()) todo.push(x);
            }
        }
    }

    /** "job.yaml line 3, column 15", or the name alone when SnakeYAML gives no position. */
    private static String where(String name, MarkedYAMLException e) {
        var mark = e.getProblemMark();
        return mark == null ? name : name + " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    /** A safe loader that refuses duplicate keys instead of keeping the last one with a logged warning. */
    private static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(new SafeConstructor(options));
    }

    /** The most values a spec may hold once YAML's aliases are expanded; job files hold hundreds. */
    static final long MAX_VALUES = 1_000_000;

    /**
     * The YAML tree as fresh maps and lists. YAML aliases make SnakeYAML share a node, and a node may contain itself
     * ({@code a: &x [*x]}), which would recurse forever, or aliases of aliases may expand exponentially (25 levels of
     * two aliases are 2^25 values from a 1 kB file); both are refused, naming the file.
     */
    @SuppressWarnings("unchecked")
    private static <T> T deepCopy(String name, Object root) {
        long[] count = {0};
        Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());
        return (T) copy(name, root, count, open);
    }

    private static Object copy(String name, Object o, long[] count, Set<Object> open) {
        if (++count[0] > MAX_VALUES) {
            throw new BadInputException(name + ": the YAML expands to more than " + MAX_VALUES + " values through its aliases (*name); expected a job file");
        }
        if (!(o instanceof Map<?, ?>) && !(o instanceof List<?>)) return o;
        if (!open.add(o)) throw new BadInputException(name + ": a YAML alias (*name) refers to a mapping or list that contains it; expected a tree of values");
        try {
            if (o instanceof Map<?, ?> m) {
                Map<String, Object> out = new LinkedHashMap<>();
                for (var e : m.entrySet()) out.put(String.valueOf(copy(name, e.getKey(), count, open)), copy(name, e.getValue(), count, open));
                return out;
            }
            List<Object> out = new ArrayList<>();
            for (Object x : (List<?>) o) out.add(copy(name, x, count, open));
            return out;
        } finally {
            open.remove(o);
        }
    }

    @SuppressWarnings("unchecked")
    static void apply(String name, Map<String, Object> root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) throw new BadInputException("--set " + override + ": expected key=value, e.g. train.epochs=5");
        String key = override.substring(0, eq).trim();
        Object value;
        try {
            value = yaml().load(override.substring(eq + 1));
        } catch (YAMLException e) {
            throw new BadInputException("--set " + override + ": invalid YAML value: " + e.getMessage().lines().findFirst().orElse(""));
        } catch (IllegalArgumentException e) {
            throw notANumber("--set " + override, e);
        }
        String[] parts = key.replaceAll("\\[(\\d+)]", ".$1").split("\\.");
        Object cur = root;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            boolean last = i == parts.length - 1;
            if (cur instanceof Map<?, ?> m) {
                Map<String, Object> mm = (Map<String, Object>) m;
                if (last) {
                    mm.put(p, value);
                } else {
                    Object next = mm.get(p);
                    if (next == null) {
                        next = parts[i + 1].matches("\\d+") ? new ArrayList<>() : new LinkedHashMap<String, Object>();
                        mm.put(p, next);
                    }
                    cur = next;
                }
            } else if (cur instanceof List<?> l && p.matches("\\d+")) {
                List<Object> ll = (List<Object>) l;
                int idx = Integer.parseInt(p);
                if (idx >= ll.size()) throw new BadInputException("--set " + key + ": index " + idx + " is past the end of a list of " + ll.size());
                if (last) ll.set(idx, value);
                else cur = ll.get(idx);
            } else {
                throw new BadInputException("--set " + key + ": '" + p + "' does not lead into a mapping or list in " + name);
            }
        }
    }
}
