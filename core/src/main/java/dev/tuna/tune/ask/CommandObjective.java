package dev.tuna.tune.ask;

import dev.tuna.data.Json;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Tuner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a program per trial ({@code tuna tune --command}): the command's placeholders take the trial's values, the
 * program runs under {@code /bin/sh -c} in the working folder with the trial in its environment, its stdout and
 * stderr go to {@code stdout.log} and {@code stderr.log} in the trial's folder, and its objective is read from the
 * result file or its last line of stdout ({@link ProgramResult}). A non-zero exit status fails the trial with the
 * last lines of its stderr.
 *
 * <p>Placeholders: every hyperparameter (an inactive conditional one is the empty word), {@code {trial}} (1-based),
 * {@code {trial_dir}}, {@code {result_file}}, {@code {seed}}, {@code {study}}, and with the hyperband oracle
 * {@code {epochs}}, {@code {initial_epoch}} and {@code {resume_dir}} (the folder of the trial to continue from; empty
 * when none). The same go into the environment: TUNA_TRIAL, TUNA_TRIAL_DIR, TUNA_RESULT_FILE, TUNA_SEED, TUNA_STUDY,
 * TUNA_HP_JSON (every value as one JSON object), TUNA_EPOCHS, TUNA_INITIAL_EPOCH, TUNA_RESUME_DIR.
 */
public final class CommandObjective implements TrialObjective, AutoCloseable {
    /** How many lines of stderr a failed trial's reason quotes. */
    static final int STDERR_LINES = 5;
    private static final List<String> BUILT_IN = List.of("trial", "trial_dir", "result_file", "seed", "study");
    private static final List<String> SCHEDULED = List.of("epochs", "initial_epoch", "resume_dir");

    private final CommandTemplate template;
    private final SearchDefinition definition;
    private final Path studyDir;
    private final Path workDir;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();
    private final Thread hook = new Thread(this::destroyAll, "tuna-stop-trial-programs");

    /**
     * Checks the command's placeholders against the definition (an unknown one is bad input naming it) and arms a
     * shutdown hook that stops the running programs when tuna is stopped (SIGINT, SIGTERM).
     */
    public CommandObjective(String command, SearchDefinition definition, Path studyDir, Path workDir) {
        this.template = CommandTemplate.parse(command, placeholders(definition), "--command");
        this.definition = definition;
        this.studyDir = studyDir;
        this.workDir = workDir;
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The names a command may use with this definition. */
    public static Set<String> placeholders(SearchDefinition d) {
        Set<String> out = new LinkedHashSet<>();
        for (Hyperparameter h : d.hyperparameters()) out.add(h.name());
        out.addAll(BUILT_IN);
        if (d.oracle().equals("hyperband")) out.addAll(SCHEDULED);
        return out;
    }

    public CommandTemplate template() { return template; }

    @Override
    public double evaluate(AskedTrial trial) throws IOException, InterruptedException {
        Path dir = trial.dir();
        Files.createDirectories(dir);
        Path result = dir.resolve("result.json"), stdout = dir.resolve("stdout.log"), stderr = dir.resolve("stderr.log");
        Files.deleteIfExists(result); // a rerun must not read what a killed attempt left
        Map<String, String> words = new LinkedHashMap<>();
        for (Hyperparameter h : definition.hyperparameters()) words.put(h.name(), trial.values().containsKey(h.name()) ? word(trial.values().get(h.name())) : "");
        words.put("trial", String.valueOf(trial.shownNumber()));
        words.put("trial_dir", dir.toString());
        words.put("result_file", result.toString());
        words.put("seed", String.valueOf(trial.seed()));
        words.put("study", studyDir.toString());
        if (definition.oracle().equals("hyperband")) {
            words.put("epochs", word(trial.schedule().get("epochs")));
            words.put("initial_epoch", word(trial.schedule().getOrDefault("initial_epoch", 0)));
            Object from = trial.schedule().get("resume_from");
            words.put("resume_dir", from instanceof Number n ? studyDir.resolve("trials").resolve(Tuner.fileName(n.intValue())).toString() : "");
        }
        String line = template.render(words);
        Files.writeString(dir.resolve("command.txt"), line + "\n");
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", line).directory(workDir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = pb.environment();
        for (var e : words.entrySet()) {
            if (BUILT_IN.contains(e.getKey()) || SCHEDULED.contains(e.getKey())) env.put("TUNA_" + e.getKey().toUpperCase(java.util.Locale.ROOT), e.getValue());
        }
        env.put("TUNA_HP_JSON", Json.write(trial.values()));
        Process p = pb.start();
        live.add(p);
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            destroy(p);
            throw e;
        } finally {
            live.remove(p);
        }
        if (code != 0) {
            List<String> err = ProgramResult.lastLines(stderr, STDERR_LINES);
            String tail = err.isEmpty() ? "nothing on stderr" : "stderr: " + String.join(" | ", err);
            if (tail.length() > 600) tail = tail.substring(0, 597) + "...";
            throw new TrialFailedException("exit status " + code + "; " + tail);
        }
        return ProgramResult.value(definition.objective().metric(), result, stdout);
    }

    /** A value as the program reads it: integers without a fraction, floats as Java writes them (1.0E-4), text as is. */
    static String word(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return Double.toString(d);
        if (v instanceof Number n) return Long.toString(n.longValue());
        return String.valueOf(v);
    }

    private void destroyAll() {
        for (Process p : live) destroy(p);
    }

    private static void destroy(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
    }

    /** Disarms the shutdown hook (the programs have finished by the time a search returns). */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs
        }
    }
}
