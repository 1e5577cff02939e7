package dev.tuna.ensemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.task.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ensemble.json as a user may edit it: every bad key is one line naming the file, the member and the key. */
class EnsembleManifestTest {
    @TempDir
    Path tmp;

    Path dir;
    Path json;
    String original;

    /** A valid two-member ensemble (the model files' contents do not matter to the manifest). */
    @BeforeEach
    void write() throws Exception {
        dir = tmp.resolve("ens");
        Files.createDirectories(dir.resolve("members"));
        Files.writeString(dir.resolve("members/net.safetensors"), "x");
        Files.writeString(dir.resolve("members/gbt.ubj"), "x");
        Map<String, Object> recipe = new LinkedHashMap<>(Map.of("spec_file", "job.yaml", "spec", "model: {}", "hypermodel", "",
                "overrides", List.of(), "values", Map.of("units", 8)));
        new EnsembleManifest("caruana", Task.CLASSIFICATION, List.of("a", "b"), List.of(4), List.of(
                new EnsembleManifest.Member("net", "neural", 0.75, "members/net.safetensors", recipe),
                new EnsembleManifest.Member("gbt", "gbt", 0.25, "members/gbt.ubj", Map.of("max_depth", 3)))).write(dir);
        json = dir.resolve(EnsembleManifest.FILE);
        original = Files.readString(json);
    }

    @SuppressWarnings("unchecked")
    private String refused(Consumer<Map<String, Object>> edit) throws Exception {
        Map<String, Object> m = (Map<String, Object>) Json.parse(original);
        edit.accept(m);
        Files.writeString(json, Json.write(m));
        String msg = assertThrows(BadInputException.class, () -> EnsembleManifest.read(dir)).getMessage();
        assertEquals(1, msg.lines().count(), msg);
        return msg;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> member(Map<String, Object> m, int i) { return (Map<String, Object>) ((List<Object>) m.get("members")).get(i); }

    @Test
    void theWrittenManifestReadsBack() {
        EnsembleManifest m = EnsembleManifest.read(dir);
        assertEquals(List.of("a", "b"), m.classNames());
        assertEquals(List.of(0.75, 0.25), m.members().stream().map(EnsembleManifest.Member::weight).toList());
        assertEquals("members/gbt.ubj", m.members().get(1).file());
    }

    // Issue 10 #8: NullPointerException, "kind() is null" and ClassCastException texts, and svm reaching XGBoost.
    @Test
    void missingOrMistypedKeysNameTheFileTheMemberAndTheKey() throws Exception {
        String m1 = json + ": member 1 'gbt': ";
        assertEquals(m1 + "file: missing: expected a string", refused(m -> member(m, 1).remove("file")));
        assertEquals(m1 + "kind: missing: expected a string", refused(m -> member(m, 1).remove("kind")));
        assertEquals(m1 + "recipe: missing: expected an object", refused(m -> member(m, 1).remove("recipe")));
        assertEquals(m1 + "kind: expected one of neural, gbt, random_forest, got 'svm'", refused(m -> member(m, 1).put("kind", "svm")));
        for (Object w : Arrays.asList("NaN", "1", true, List.of(1), null, -0.25)) {
            String shown = w instanceof String s ? "'" + s + "'" : Json.write(w);
            assertEquals(m1 + "weight: expected a number >= 0, got " + shown, refused(m -> member(m, 1).put("weight", w)), "weight " + w);
        }
        assertEquals(json + ": member 0: name: missing: expected a string", refused(m -> member(m, 0).remove("name")));
        assertEquals(json + ": member 0 'net': recipe.values: expected an object, got [1]",
                refused(m -> ((Map<String, Object>) member(m, 0).get("recipe")).put("values", List.of(1))));
        assertEquals(json + ": class_names: missing: expected a list of class names", refused(m -> m.remove("class_names")));
        assertEquals(json + ": class_names: expected a list of strings, got 1 in it", refused(m -> m.put("class_names", List.of("a", 1))));
        assertEquals(json + ": feature_shape: expected a list of positive integers, got 0 in it", refused(m -> m.put("feature_shape", List.of(0))));
        assertEquals(json + ": members: missing: expected a list of members", refused(m -> m.remove("members")));
    }

    @Test
    void everyTaskRoundTripsWithItsClassNames() {
        Map<Task, List<String>> names = Map.of(Task.CLASSIFICATION, List.of("a", "b", "c"), Task.BINARY, List.of("no", "yes"), Task.REGRESSION, List.of());
        for (Task task : Task.values()) {
            Path d = tmp.resolve("ens-" + task.id());
            new EnsembleManifest("caruana", task, names.get(task), List.of(2, 3), List.of(
                    new EnsembleManifest.Member("gbt", "gbt", 1.0, "members/gbt.ubj", Map.of("max_depth", 3)))).write(d);
            write(d.resolve("members/gbt.ubj"));
            EnsembleManifest back = EnsembleManifest.read(d);
            assertEquals(task, back.task());
            assertEquals(names.get(task), back.classNames());
            assertEquals(List.of(2, 3), back.featureShape());
            assertEquals(EnsembleManifest.FORMAT, Json.parse(readString(d.resolve(EnsembleManifest.FILE))) instanceof Map<?, ?> m ? m.get("format") : null);
        }
    }

    @Test
    void aManifestFromBeforeTasksReadsAsClassification() throws Exception {
        // What tuna ensemble wrote before tasks: format 1, no task key.
        Files.writeString(json, """
                {"format": "tuna-ensemble-1", "method": "caruana", "class_names": ["a", "b"], "feature_shape": [4],
                 "members": [{"name": "gbt", "kind": "gbt", "weight": 1.0, "file": "members/gbt.ubj", "recipe": {}}]}""");
        EnsembleManifest m = EnsembleManifest.read(dir);
        assertEquals(Task.CLASSIFICATION, m.task());
        assertEquals(List.of("a", "b"), m.classNames());
    }

    @Test
    void aMissingOrUnknownTaskOrClassNamesThatDoNotFitItAreOneLine() throws Exception {
        assertEquals(json + ": task: missing: expected a string", refused(m -> m.remove("task")));
        assertEquals(json + ": task: expected classification, binary or regression, got 'ranking'", refused(m -> m.put("task", "ranking")));
        assertEquals(json + ": class_names: expected none for a regression ensemble, got 2", refused(m -> m.put("task", "regression")));
        assertEquals(json + ": class_names: expected 2 for a binary ensemble, got 3", refused(m -> {
            m.put("task", "binary");
            m.put("class_names", List.of("a", "b", "c"));
        }));
        assertEquals(json + ": task: not in format tuna-ensemble-1; write format tuna-ensemble-2 to name a task", refused(m -> m.put("format", "tuna-ensemble-1")));
    }

    private static void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "x");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void notJsonIsOneLine() throws Exception {
        Files.writeString(json, "{\"format\": ");
        String msg = assertThrows(BadInputException.class, () -> EnsembleManifest.read(json)).getMessage();
        assertEquals(json + ": not valid JSON: unexpected end of JSON at offset 11", msg);
    }

    // Issue 10 #14: member paths that leave the folder were opened; weights were renormalised silently.
    @Test
    void memberFilesMustBeInsideTheFolderAndExist() throws Exception {
        String f = json + ": member 1 'gbt': file: ";
        Path folder = dir.toAbsolutePath().normalize();
        Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(tmp.resolve("outside/m.ubj"), "x");
        assertEquals(f + "'../outside/m.ubj' is outside the ensemble folder " + folder + ": expected a file inside it",
                refused(m -> member(m, 1).put("file", "../outside/m.ubj")));
        assertEquals(f + "'../../../../etc/passwd' is outside the ensemble folder " + folder + ": expected a file inside it",
                refused(m -> member(m, 1).put("file", "../../../../etc/passwd")));
        String abs = tmp.resolve("outside/m.ubj").toAbsolutePath().toString();
        assertEquals(f + "expected a path relative to the ensemble folder " + folder + ", got '" + abs + "'",
                refused(m -> member(m, 1).put("file", abs)));
        // A path that stays inside after normalising is fine.
        String inside = refusedOrNull(m -> member(m, 1).put("file", "members/../members/gbt.ubj"));
        assertEquals(null, inside);

        Files.createSymbolicLink(dir.resolve("members/link.ubj"), tmp.resolve("outside/m.ubj").toAbsolutePath());
        assertEquals(f + "'members/link.ubj' is a symbolic link to " + tmp.resolve("outside/m.ubj").toRealPath()
                + ", outside the ensemble folder " + folder + ": expected a file inside it", refused(m -> member(m, 1).put("file", "members/link.ubj")));

        // A missing file is reported even for a member of weight 0, which predict would skip.
        assertEquals(f + "missing model file " + folder.resolve("members/gone.ubj"), refused(m -> {
            member(m, 1).put("file", "members/gone.ubj");
            member(m, 1).put("weight", 0.0);
            member(m, 0).put("weight", 1.0);
        }));
    }

    @Test
    void weightsMustSumToOne() throws Exception {
        assertEquals(json + ": members: the weights sum to 1.25, expected 1 (within 1.0E-6); tuna does not renormalise them",
                refused(m -> member(m, 1).put("weight", 0.5)));
        // Within the tolerance is accepted: hand-written decimals need not be exact.
        assertEquals(null, refusedOrNull(m -> {
            member(m, 0).put("weight", 0.7500004);
            member(m, 1).put("weight", 0.25);
        }));
    }

    @SuppressWarnings("unchecked")
    private String refusedOrNull(Consumer<Map<String, Object>> edit) throws Exception {
        Map<String, Object> m = (Map<String, Object>) Json.parse(original);
        edit.accept(m);
        Files.writeString(json, Json.write(m));
        try {
            EnsembleManifest.read(dir);
            return null;
        } catch (BadInputException e) {
            return e.getMessage();
        }
    }
}
