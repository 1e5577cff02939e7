package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.data.Json;
import dev.tuna.data.Split;
import dev.tuna.errors.BadInputException;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import dev.tuna.spec.SpecNode;
import dev.tuna.tune.HyperModel;
import dev.tuna.tune.Oracle;
import dev.tuna.tune.SpecHyperModel;
import dev.tuna.tune.TuneSpec;
import dev.tuna.tune.Tuner;
import dev.tuna.tune.oracle.Oracles;
import dev.tuna.tune.study.StudyStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Searches a spec's hyperparameters into a study folder; re-running it on the same study resumes the search. */
@Command(name = "tune", mixinStandardHelpOptions = true, description = "Search the hyperparameters of a spec; results go to a study folder (a database) that a rerun resumes.")
public final class TuneCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the job's YAML file, with hyperparameter forms and a tune: section")
    Path specFile;

    @Option(names = "--study", paramLabel = "DIR|NAME", description = "the study folder (default: studies/<spec name>); with --storage, the study's name"
            + " (default: the spec's name)")
    String study;

    @Mixin
    StorageOptions storage = new StorageOptions();

    @Option(names = "--oracle", description = "random, grid, bayesian, genetic or hyperband (default: the spec's tune.oracle, else random)")
    String oracle;

    @Option(names = "--max-trials", paramLabel = "N", description = "the trial budget (default: tune.max_trials, else 10)")
    Integer maxTrials;

    @Option(names = "--executions-per-trial", paramLabel = "K", description = "trainings per trial, averaged (default: tune.executions_per_trial, else 1)")
    Integer executions;

    @Option(names = "--objective", paramLabel = "METRIC", description = "val_accuracy, val_loss, accuracy or loss (default: tune.objective, else val_accuracy)")
    String objective;

    @Option(names = "--direction", description = "max or min (default: inferred from the objective)")
    String direction;

    @Option(names = "--workers", paramLabel = "N", description = "trials run in parallel in this process (default: tune.workers, else auto)")
    Integer workers;

    @Option(names = "--hypermodel", paramLabel = "CLASS", description = "a Java class implementing dev.tuna.tune.HyperModel to search instead of the spec's model (class path: $TUNA_CLASSPATH)")
    String hypermodel;

    @Option(names = "--devices-per-trial", paramLabel = "N", description = "train each trial on N mirrored replicas: CPU cores, or GPUs of --device cuda:0,1,... (default: ${DEFAULT-VALUE}: one trial per device)",
            defaultValue = "1")
    int devicesPerTrial;

    @Option(names = "--overwrite", description = "delete the study and start afresh instead of resuming it")
    boolean overwrite;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a spec value, e.g. --set train.epochs=5")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--command", paramLabel = "'PROGRAM {hp} ...'", description = "run this program per trial instead of training a model;"
            + " SPEC.yaml is then a space file (hyperparameters: and tune:, see examples/ask-space.yaml)")
    String command;

    /**
     * The study metadata that must match for a rerun to resume (the keys TuneCommand records), and how a refusal
     * names each ("this study was made with a different ...").
     */
    private static final Map<String, String> IDENTITY_NAMES = Map.ofEntries(Map.entry("spec_canonical", "spec (its parsed content)"),
            Map.entry("overrides", "set of --set overrides"), Map.entry("hypermodel", "--hypermodel"), Map.entry("oracle", "oracle or oracle settings"),
            Map.entry("objective", "objective"), Map.entry("direction", "objective direction"), Map.entry("seed", "seed"),
            Map.entry("executions_per_trial", "executions_per_trial"), Map.entry("precision", "--precision"));

    @Override
    public Integer call() {
        if (command != null) return CommandTune.run(this);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String text = SpecFile.read(specFile);
        String name = specFile.toString();
        SpecNode root = SpecFile.parse(name, text, overrides, HyperResolver.defaults());
        JobSpec base = JobSpec.from(root);
        TuneSpec t = flags(TuneSpec.from(root));
        long seed = common.seed != null ? common.seed : t.seed() != null ? t.seed() : base.train().seed();
        String given = study != null ? study : storage.shared() ? baseName(specFile) : Path.of("studies", baseName(specFile)).toString();
        dev.tuna.tune.study.StudyLocation at = storage.location(given);
        String dir = StudyOptions.shown(at, given);
        Backend backend = DeviceChoice.backend(common.device, common.precision, err);
        Oracle o;
        try {
            o = Oracles.create(t.oracle(), seed, t.oracleSettings(), base.train().epochs());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(name + ": tune.oracle: " + e.getMessage());
        }
        Map<String, String> identity = new LinkedHashMap<>();
        // The parsed spec, not its text: a comment or a reformatted line does not make another search.
        identity.put("spec_canonical", SpecFile.canonical(name, text));
        identity.put("overrides", Json.write(overrides));
        identity.put("hypermodel", hypermodel == null ? "" : hypermodel);
        HyperModel hm = hypermodel == null ? new SpecHyperModel(name, text, overrides) : HyperModels.load(hypermodel);
        identity.put("oracle", t.oracle() + " " + Json.write(t.oracleSettings()));
        identity.put("objective", t.objective().metric());
        identity.put("direction", t.objective().direction());
        identity.put("seed", String.valueOf(seed));
        identity.put("executions_per_trial", String.valueOf(t.executionsPerTrial()));
        identity.put("precision", dev.tuna.backend.Precision.parse(common.precision).id());
        try (StudyStore store = StudyStore.open(at, overwrite)) {
            boolean resumed = !store.trials().isEmpty();
            if (resumed) checkSameStudy(store, identity, dir);
            // One trial per CPU core; on a GPU one trial at a time (it has the whole device).
            if (devicesPerTrial < 1) throw new BadInputException("--devices-per-trial " + devicesPerTrial + ": expected a positive integer");
            // On GPUs, each worker has its own devicesPerTrial GPUs of the --device list; on the CPU each trial takes
            // devicesPerTrial cores and the cores left run other trials beside it.
            List<dev.tuna.distribute.ReplicaGroup> gpuSlots = backend.device().kind() == dev.tuna.tensor.Device.Kind.CPU ? null
                    : DeviceChoice.gpuSlots(common.device, devicesPerTrial, common.precision, err);
            if (gpuSlots != null && t.workers() > 0 && t.workers() != gpuSlots.size()) {
                throw new BadInputException((workers != null ? "--workers " : name + ": tune.workers ") + t.workers() + ": --device " + common.device
                        + " with --devices-per-trial " + devicesPerTrial + " runs " + gpuSlots.size() + " trial(s) at a time, one per group of GPUs");
            }
            int nWorkers = gpuSlots != null ? gpuSlots.size()
                    : t.workers() > 0 ? t.workers() : backend.device().kind() == dev.tuna.tensor.Device.Kind.CPU ? Math.max(1, autoWorkers() / devicesPerTrial) : 1;
            try (DataBundle data = DataBundle.load(base)) {
                String fingerprint = data.fingerprint(); // hashed once: every example of both splits
                if (resumed) data.checkSameAs(store, dir, fingerprint);
                for (var e : identity.entrySet()) store.putMeta(e.getKey(), e.getValue());
                store.putMeta("spec", text);
                store.putMeta(DataBundle.DATA_KEY, fingerprint);
                store.putMeta("spec_file", specFile.toAbsolutePath().toString());
                if (store.meta("created") == null) store.putMeta("created", java.time.Instant.now().toString());
                Split split = data.split();
                out.printf("Data: %d training, %d validation examples of shape %s, %s (the test set is kept for tuna retrain)%n",
                        split.train().size(), split.validation().size(), data.inputShape(), data.describeLabels());
                out.println(data.chosen().describe());
                Tuner.Data searched = data.tunerData(base);
                data.prepare(hm);
                String recorded = store.meta("task");
                if (recorded != null && !recorded.equals(data.task().id())) {
                    throw new BadInputException("--study " + dir + ": the study was tuned as a " + recorded + " task, this job is " + data.chosen().describe()
                            + "; set task: " + recorded + " or tune a new study");
                }
                store.putMeta("task", data.task().id());
                if (resumed) out.printf("Resuming the study in %s (%s recorded)%n", dir, TunerOutput.count(store.trials().size(), "trial"));
                boolean live = System.console() != null && System.console().isTerminal();
                TunerOutput listener = new TunerOutput(out, live, t.objective());
                // The user's own command resumes the search, less --overwrite (which would delete what was saved).
                List<String> again = new ArrayList<>(List.of("tuna"));
                for (String a : spec.commandLine().getParseResult().originalArgs()) if (!a.equals("--overwrite")) again.add(Shell.quote(a));
                if (study == null) again.addAll(List.of("--study", Shell.quote(given)));
                listener.resumeWith(String.join(" ", again));
                Tuner tuner = new Tuner(hm, base, t, o, store, backend, seed, listener);
                if (gpuSlots == null) tuner.setReplicasPerTrial(devicesPerTrial);
                else tuner.setWorkerDevices(gpuSlots);
                Tuner.Summary s;
                try {
                    // Cross-validation: each fold as a search sees it, trees on their raw columns; closing frees the copies.
                    try (DataBundle.SearchFolds folds = data.searchFolds(base)) {
                        if (!folds.data().isEmpty()) {
                            tuner.setFolds(folds.data());
                            out.printf("Cross-validation: %d folds of %s rows each; a trial's %s is the mean over them%n", folds.data().size(),
                                    folds.data().stream().map(f -> String.valueOf(f.validation().size())).distinct().collect(java.util.stream.Collectors.joining(" or ")),
                                    t.objective().metric());
                        }
                        s = tuner.search(searched, nWorkers);
                    }
                } catch (Tuner.SearchBrokenException e) {
                    listener.resultsSummary(store, 3);
                    throw e;
                }
                out.println();
                out.println("Search finished: " + s.stopReason() + "; this run completed " + TunerOutput.count(s.completed(), "trial") + ", " + s.failed() + " failed");
                listener.resultsSummary(store, 3);
                String next = storage.shared() ? "--storage " + Shell.quote(storage.shown()) + " --study " + Shell.quote(at.name()) : "--study " + Shell.quote(given);
                out.println("Study saved in " + dir + "; next: tuna retrain " + next + ", or tuna ensemble " + next + " --gbt");
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private TuneSpec flags(TuneSpec t) {
        if (oracle != null) {
            if (!Oracles.NAMES.contains(oracle)) throw new BadInputException("--oracle " + oracle + ": expected random, grid, bayesian, genetic or hyperband");
            t = t.withOracle(oracle);
        }
        if (maxTrials != null) {
            if (maxTrials <= 0) throw new BadInputException("--max-trials " + maxTrials + ": expected a positive integer");
            t = t.withMaxTrials(maxTrials);
        }
        if (executions != null) {
            if (executions <= 0) throw new BadInputException("--executions-per-trial " + executions + ": expected a positive integer");
            t = t.withExecutions(executions);
        }
        if (objective != null || direction != null) {
            String metric = objective != null ? objective : t.objective().metric();
            String dir = direction != null ? direction : objective != null ? null : t.objective().direction();
            t = t.withObjective(TuneSpec.objective(metric, dir, objective != null ? "--objective" : "--direction"));
        }
        if (workers != null) {
            if (workers <= 0) throw new BadInputException("--workers " + workers + ": expected a positive integer");
            t = t.withWorkers(workers);
        }
        return t;
    }

    /**
     * Parallel trials on the CPU: one single-threaded trial per core (up to 8). Small models cannot keep two
     * cores busy inside one GEMM, so whole trials side by side finish the seed search 1.5x sooner on two
     * cores than one trial on both (37 s against 25 s, same results: the GEMM's split never changes the sums).
     */
    static int autoWorkers() {
        return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
    }

    private static void checkSameStudy(StudyStore store, Map<String, String> identity, String dir) {
        for (var e : identity.entrySet()) {
            String old = store.meta(e.getKey());
            // A study made before precision was recorded was float32: nothing else could be tuned then.
            if (old == null && e.getKey().equals("precision")) old = "float32";
            if (old != null && !old.equals(e.getValue())) {
                String was = e.getKey().equals("precision") ? " (it was tuned in " + old + ", this run asks for " + e.getValue() + ")" : "";
                throw new BadInputException("--study " + dir + ": this study was made with a different " + IDENTITY_NAMES.get(e.getKey()) + was
                        + "; rerun with the same spec and settings to resume it, or pass --overwrite to start afresh");
            }
        }
        // Studies made before the parsed spec was recorded are compared by their text.
        if (store.meta("spec_canonical") == null && store.meta("spec") != null) {
            String old = store.meta("spec");
            if (!SpecFile.canonical("old", old).equals(identity.get("spec_canonical"))) {
                throw new BadInputException("--study " + dir + ": this study was made with a different spec (its parsed content)"
                        + "; rerun with the same spec and settings to resume it, or pass --overwrite to start afresh");
            }
        }
    }

    private static String baseName(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
