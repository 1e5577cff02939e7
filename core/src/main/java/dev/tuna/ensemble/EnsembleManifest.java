package dev.tuna.ensemble;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved ensemble: a folder with {@value #FILE} and one model file per member (safetensors for networks, XGBoost's
 * UBJSON for trees). Each member keeps its recipe, what rebuilds it: for a network the spec's text, its --set
 * overrides or Java hypermodel class, and the configuration's values; for trees XGBoost's parameters. The task
 * says what the members predict (and so what tuna predict writes); the class names (none for regression) and
 * feature shape let {@code tuna predict} check new data against what the members were trained on.
 */
public record EnsembleManifest(String method, Task task, List<String> classNames, List<Integer> featureShape, List<Member> members, String label) {
    /** A manifest that names no label column (data without one, or made before manifests kept it). */
    public EnsembleManifest(String method, Task task, List<String> classNames, List<Integer> featureShape, List<Member> members) {
        this(method, task, classNames, featureShape, members, null);
    }

    public static final String FILE = "ensemble.json";
    /** Format 2 adds the task; format 1 files (classifiers only, before tasks) still read, as classification. */
    public static final String FORMAT = "tuna-ensemble-2";
    public static final String FORMAT_1 = "tuna-ensemble-1";

    /** kind: neural, gbt or random_forest; file: relative to the ensemble's folder, inside it; weights sum to 1. */
    public record Member(String name, String kind, double weight, String file, Map<String, Object> recipe) {}

    public void write(Path dir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("method", method);
        m.put("task", task.id());
        m.put("class_names", classNames);
        m.put("feature_shape", featureShape);
        // The training data's label column: tuna predict takes it as a CSV's label by default, so that a file whose
        // label is not named "label" is never read with its label as a feature.
        if (label != null) m.put("label", label);
        List<Object> ms = new ArrayList<>();
        for (Member x : members) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", x.name);
            e.put("kind", x.kind);
            e.put("weight", x.weight);
            e.put("file", x.file);
            e.put("recipe", x.recipe);
            ms.add(e);
        }
        m.put("members", ms);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(FILE + ".tmp");
            Files.writeString(tmp, Json.write(m));
            Files.move(tmp, dir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot write the ensemble: " + e.getMessage());
        }
    }

    /** The folder an ensemble lives in, given the folder or its manifest file. */
    public static Path folder(Path dirOrFile) {
        return Files.isDirectory(dirOrFile) ? dirOrFile : dirOrFile.toAbsolutePath().getParent();
    }

    /** Reads and checks the manifest and its members' files (see {@link ManifestReader}); bad input is one line. */
    public static EnsembleManifest read(Path dirOrFile) {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE) : dirOrFile;
        if (!Files.isRegularFile(file)) throw new BadInputException("--model " + dirOrFile + ": no ensemble here (expected " + file + "; run tuna ensemble first)");
        return ManifestReader.read(file);
    }
}
