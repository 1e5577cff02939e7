package dev.tuna.tune;

import dev.tuna.backend.Backend;
import dev.tuna.backend.cpu.CpuParallel;
import dev.tuna.data.Dataset;
import dev.tuna.data.Safetensors;
import dev.tuna.errors.BadInputException;
import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizer;
import dev.tuna.spec.JobSpec;
import dev.tuna.tensor.Shape;
import dev.tuna.train.Callback;
import dev.tuna.train.EarlyStopping;
import dev.tuna.train.History;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import dev.tuna.trees.TreeColumns;
import dev.tuna.trees.TreeSpec;
import dev.tuna.trees.XgbModel;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The search loop: claim a trial from the study (the oracle proposes inside the claim's transaction), train
 * it {@code executions_per_trial} times, record every epoch, commit the result, repeat. Several workers (threads
 * here, processes elsewhere) share one study safely; each trial's model and trainer are closed before the next
 * one starts, so memory after trial N equals memory after trial 1.
 *
 * <p>A trial whose loss turns NaN, or that runs out of memory, fails with its reason and the search goes on;
 * {@code max_consecutive_failed_trials} failures in a row stop it. A bad spec (a user error) stops it at once.
 */
public final class Tuner {
    /**
     * The data a search trains and validates on; the test set is never given to the tuner. {@code numClasses} is the
     * model's outputs (the classes of a classifier, 1 for a binary or regression task); each trial's loss is its
     * {@code train.loss} (the task's default when unset). {@code trees}, when given, is what tree trials train and
     * validate on instead (the same rows in another form: tabular data's raw columns); null: the same data sets.
     */
    public record Data(Dataset train, Dataset validation, Shape inputShape, int numClasses, dev.tuna.task.Task task,
                       List<dev.tuna.metrics.Metric> metrics, TreeView trees) {
        public Data {
            if (trees != null && (trees.train().size() != train.size()
                    || (validation == null ? 0 : validation.size()) != (trees.validation() == null ? 0 : trees.validation().size()))) {
                throw new IllegalArgumentException("the trees' view has other rows than the networks' data");
            }
        }

        public Data(Dataset train, Dataset validation, Shape inputShape, int numClasses, dev.tuna.task.Task task, List<dev.tuna.metrics.Metric> metrics) {
            this(train, validation, inputShape, numClasses, task, metrics, null);
        }

        public Data(Dataset train, Dataset validation, Shape inputShape, int numClasses) {
            this(train, validation, inputShape, numClasses, dev.tuna.task.Task.CLASSIFICATION, List.of());
        }

        /** The training rows as tree trials see them. */
        Dataset treeTrain() { return trees == null ? train : trees.train(); }

        /** The validation rows as tree trials see them. */
        Dataset treeValidation() { return trees == null ? validation : trees.validation(); }

        /** The tree columns' names and types, null for plain numeric columns. */
        TreeColumns treeColumns() { return trees == null ? null : trees.columns(); }

        dev.tuna.train.TaskSetup setup(JobSpec.TrainSpec train) { return dev.tuna.train.TaskSetup.of(task, train.loss(), metrics); }
    }

    /** The rows of a {@link Data} as trees take them, with the columns' names and XGBoost types. */
    public record TreeView(Dataset train, Dataset validation, TreeColumns columns) {}

    /** What the tuner reports while it runs (the CLI prints it KerasTuner style). */
    public interface Listener {
        default void onSearchBegin(SearchSpace space, int finishedBefore, int workers) {}

        default void onTrialBegin(TrialRow trial, Map<String, Object> values, TrialRow best) {}

        /** Epoch progress for one execution (called from the worker's thread; several run at once with parallel workers). */
        default ProgressListener progress(int trial, int execution, int executions) { return ProgressListener.SILENT; }

        default void onTrialEnd(TrialRow finished, TrialRow best, double elapsedSeconds) {}

        /** The process is going down (SIGINT, SIGTERM) mid-search; running trials have just gone back to the queue. */
        default void onInterrupted(int runningReleased) {}
    }

    /** The outcome of a search: trials this run finished, and why it stopped. */
    public record Summary(int completed, int failed, String stopReason) {}

    /** Thrown when max_consecutive_failed_trials trials failed in a row. */
    public static final class SearchBrokenException extends RuntimeException {
        public SearchBrokenException(String message) { super(message); }
    }

    private final HyperModel hyperModel;
    private final JobSpec base;
    private final TuneSpec tune;
    private final Oracle oracle;
    private final StudyStore store;
    private final Backend backend;
    private final long seed;
    private final Listener listener;
    private final SearchSpace space = new SearchSpace();
    private final Set<Integer> declared = ConcurrentHashMap.newKeySet();
    private final Set<Integer> running = ConcurrentHashMap.newKeySet();
    private final AtomicReference<RuntimeException> fatal = new AtomicReference<>();
    private volatile String stopReason = "";
    private long startNanos;
    private volatile Data data;

    public Tuner(HyperModel hyperModel, JobSpec base, TuneSpec tune, Oracle oracle, StudyStore store, Backend backend, long seed, Listener listener) {
        this.hyperModel = hyperModel;
        this.base = base;
        this.tune = tune;
        this.oracle = oracle;
        this.store = store;
        this.backend = backend;
        this.seed = seed;
        this.listener = listener == null ? new Listener() {} : listener;
    }

    public SearchSpace space() { return space; }

    /**
     * The name of trial {@code number}'s files: 1-based like every table a user reads ("trial-0002" is trial 2),
     * while the study stores 0-based numbers. Old studies keep their folders: checkpoints are found by stored path.
     */
    public static String fileName(int number) { return String.format("trial-%04d", number + 1); }

    /** A trial's seed: executions add 0, 1, 2, ... */
    public static long trialSeed(long seed, int number) { return seed + 7919L * number; }

    /** Runs the search with the given number of parallel workers (threads) until the oracle or the budget says done. */
    public Summary search(Data data, int workers) {
        if (tune.objective().metric().startsWith("val_") && (data.validation() == null || data.validation().size() == 0)) {
            throw new BadInputException("tune.objective " + tune.objective().metric() + " needs validation data; set validation: {last: N}");
        }
        startNanos = System.nanoTime();
        this.data = data;
        // Reading the hypermodel at its defaults declares the default branch; the branches recorded trials took
        // are declared next, and new ones join as trials take them.
        declareValues(Map.of());
        List<TrialRow> before = store.trials();
        for (TrialRow r : before) declare(r);
        listener.onSearchBegin(space, (int) before.stream().filter(r -> r.state() == TrialState.COMPLETE || r.state() == TrialState.FAILED).count(), workers);
        Thread hook = new Thread(() -> {
            int n = running.size();
            releaseRunning();
            listener.onInterrupted(n);
        }, "tuna-release-trials");
        Runtime.getRuntime().addShutdownHook(hook);
        int[] counts = new int[2];
        try {
            if (workerDevices != null && workers != workerDevices.size()) {
                throw new IllegalArgumentException(workers + " workers for " + workerDevices.size() + " device slots");
            }
            if (workers <= 1) {
                slot.set(workerDevices == null ? null : workerDevices.getFirst());
                try {
                    loop(data, false, counts);
                } finally {
                    slot.remove();
                }
            } else {
                List<Thread> threads = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    dev.tuna.distribute.ReplicaGroup mine = workerDevices == null ? null : workerDevices.get(w);
                    Thread t = Thread.ofPlatform().name("tuna-worker-" + w).unstarted(() -> CpuParallel.serially(() -> {
                        slot.set(mine);
                        try {
                            loop(data, true, counts);
                        } catch (RuntimeException e) {
                            fatal.compareAndSet(null, e);
                        }
                    }));
                    threads.add(t);
                    t.start();
                }
                for (Thread t : threads) t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            releaseRunning();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook runs
            }
        }
        if (fatal.get() != null) throw fatal.get();
        synchronized (counts) {
            return new Summary(counts[0], counts[1], stopReason);
        }
    }

    private void releaseRunning() {
        for (int n : running) {
            try {
                store.release(n);
            } catch (RuntimeException e) {
                // best effort: the heartbeat going stale requeues it anyway
            }
        }
    }

    private void declare(TrialRow r) {
        if (declared.add(r.number())) declareValues(r.values());
    }

    private void declareValues(Map<String, Object> values) {
        hyperModel.declare(space, values, data.inputShape(), data.numClasses(), base.train());
    }

    private void loop(Data data, boolean parallel, int[] counts) {
        while (fatal.get() == null) {
            StudyStore.Claim claim = store.claim(this::propose, n -> trialSeed(seed, n));
            if (claim.kind() == Proposal.Kind.DONE) return;
            if (claim.kind() == Proposal.Kind.WAIT) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            TrialRow row = claim.trial();
            running.add(row.number());
            try {
                boolean ok = runTrial(row, data, parallel);
                synchronized (counts) {
                    counts[ok ? 0 : 1]++;
                }
            } finally {
                running.remove(row.number());
            }
        }
    }

    /** Called inside the claim's transaction with every trial so far. */
    private Proposal propose(List<TrialRow> rows) {
        for (TrialRow r : rows) declare(r);
        String broken = brokenReason(rows);
        if (broken != null) {
            stopReason = broken;
            fatal.compareAndSet(null, new SearchBrokenException(broken));
            return Proposal.DONE;
        }
        if (rows.size() >= tune.trialBudget()) {
            stopReason = "max_trials (" + tune.trialBudget() + ") reached";
            return Proposal.DONE;
        }
        List<Trial> trials = new ArrayList<>(rows.size());
        for (TrialRow r : rows) trials.add(new Trial(r.number(), space.normalize(r.values()), r.state(), tune.objective().score(r.objective()), r.meta()));
        Proposal p = oracle.propose(space, trials, rows.size());
        if (p.kind() == Proposal.Kind.DONE) {
            long card = space.cardinality();
            stopReason = card >= 0 && rows.size() >= card ? "all " + card + " configurations of the space are tried (the " + oracle.name() + " oracle never repeats one)"
                    : "the " + oracle.name() + " oracle finished its search";
        }
        return p.kind() == Proposal.Kind.TRY ? Proposal.of(space.normalize(p.values()), p.meta()) : p;
    }

    /** Whether a write failed because the disk is full or the file system read-only (not this trial's fault). */
    static boolean isStorageGone(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (m.contains("No space left on device") || m.contains("Read-only file system") || m.contains("Disk quota exceeded")) return true;
            if (t instanceof java.nio.file.ReadOnlyFileSystemException) return true;
        }
        return false;
    }

    private String brokenReason(List<TrialRow> rows) { return brokenReason(rows, tune.maxConsecutiveFailedTrials()); }

    /**
     * Non-null when the last {@code limit} finished trials (max_consecutive_failed_trials), in the order they finished,
     * all failed: why a search stops; shared by the tuner and the ask/tell study.
     */
    public static String brokenReason(List<TrialRow> rows, int limit) {
        List<TrialRow> finished = rows.stream().filter(r -> r.state() == TrialState.COMPLETE || r.state() == TrialState.FAILED)
                .sorted(Comparator.comparingLong(TrialRow::finishedMillis).thenComparingInt(TrialRow::number)).toList();
        if (finished.size() < limit) return null;
        List<TrialRow> tail = finished.subList(finished.size() - limit, finished.size());
        if (tail.stream().allMatch(r -> r.state() == TrialState.FAILED)) {
            return "the last " + limit + " trials failed (max_consecutive_failed_trials); the last one: " + tail.getLast().reason();
        }
        return null;
    }

    /** Trains one trial; true when it completed. */
    private boolean runTrial(TrialRow row, Data data, boolean parallel) {
        long t0 = System.nanoTime();
        Map<String, Object> values = space.normalize(row.values());
        building.remove();
        listener.onTrialBegin(row, values, best());
        TrialHold.atStart(row.number());
        int perFold = tune.executionsPerTrial();
        int executions = folds == null ? perFold : folds.size() * perFold;
        double[] objectives = new double[executions];
        Map<String, Object> summary = new LinkedHashMap<>();
        List<Integer> bestEpochs = new ArrayList<>();
        List<Integer> epochsRun = new ArrayList<>();
        Path dir = store.dir().resolve("trials").resolve(fileName(row.number()));
        Map<String, Object> used = values;
        try {
            Files.createDirectories(dir);
            for (int e = 0; e < executions; e++) {
                ExecutionResult r = execute(row, values, e, executions, folds == null ? data : folds.get(e / perFold), dir, parallel);
                objectives[e] = r.objective;
                bestEpochs.add(r.bestEpoch);
                epochsRun.add(r.epochs);
                used = r.used;
            }
        } catch (BadInputException e) {
            store.fail(row.number(), e.getMessage());
            fatal.compareAndSet(null, e);
            return false;
        } catch (dev.tuna.train.TrainingDivergedException e) {
            return fail(row, "diverged: " + e.getMessage(), t0);
        } catch (OutOfMemoryError e) {
            return fail(row, "out of memory: " + e.getMessage(), t0);
        } catch (IOException e) {
            // A full disk or a folder that turned read-only fails every trial after this one too: the search stops
            // with one line instead of recording trial after trial as failed. The finished trials are in the study.
            if (isStorageGone(e)) {
                try {
                    store.release(row.number());
                } catch (RuntimeException ignored) {
                    // the database may be on the same full or read-only disk; the trial is requeued when this process ends
                }
                throw new dev.tuna.tune.study.StudyException(dir + ": cannot write the trial's checkpoint (" + e.getMessage()
                        + "); the search stops, and the trials finished before it are kept", e);
            }
            return fail(row, "cannot write its checkpoint: " + e.getMessage(), t0);
        } catch (RuntimeException e) {
            return fail(row, e.getClass().getSimpleName() + ": " + e.getMessage(), t0);
        }
        double mean = 0;
        for (double o : objectives) mean += o / executions;
        if (!Double.isFinite(mean)) return fail(row, tune.objective().metric() + " was not finite", t0);
        summary.put("objectives", toList(objectives));
        if (folds != null) summary.put("folds", folds.size());
        summary.put("best_epochs", bestEpochs);
        summary.put("epochs_run", epochsRun);
        // What the model read, not the proposal: building can declare hyperparameters the proposal could not
        // name (units_1 once a trial has two layers), read at their defaults. Normalised like proposals, so the
        // never-twice rule and the oracles compare like with like.
        Map<String, Object> usedValues = space.normalize(used);
        summary.put("values", usedValues);
        summary.put("seconds", (System.nanoTime() - t0) / 1e9);
        store.complete(row.number(), mean, usedValues, summary, dir.toString());
        listener.onTrialEnd(store.trial(row.number()).orElseThrow(), best(), elapsed());
        return true;
    }

    private boolean fail(TrialRow row, String reason, long t0) {
        // What the model had read when it failed (declared hyperparameters included), as a completed trial records.
        HyperParameters hp = building.get();
        store.fail(row.number(), reason, hp == null ? null : space.normalize(hp.values()));
        listener.onTrialEnd(store.trial(row.number()).orElseThrow(), best(), elapsed());
        return false;
    }

    private double elapsed() { return (System.nanoTime() - startNanos) / 1e9; }

    private static List<Double> toList(double[] a) {
        List<Double> l = new ArrayList<>();
        for (double d : a) l.add(d);
        return l;
    }

    /** The best complete trial so far, or null. */
    public TrialRow best() {
        List<TrialRow> best = tune.objective().best(store.trials(), 1);
        return best.isEmpty() ? null : best.getFirst();
    }

    private record ExecutionResult(double objective, int bestEpoch, int epochs, Map<String, Object> used) {}

    /** The hyperparameters of the execution this worker thread is building or training (what a failure records). */
    private final ThreadLocal<HyperParameters> building = new ThreadLocal<>();

    private ExecutionResult execute(TrialRow row, Map<String, Object> values, int e, int executions, Data data, Path dir, boolean parallel) {
        long execSeed = row.seed() + e;
        HyperParameters hp = new HyperParameters(space, values);
        building.set(hp);
        TreeSpec trees = hyperModel.trees(hp);
        if (trees != null) return executeTrees(row, trees, hp, e, executions, data, dir);
        int initialEpoch = row.meta().get("initial_epoch") instanceof Number n ? n.intValue() : 0;
        // This worker's devices: its own GPU (or GPUs, mirrored) when the search was given device slots.
        dev.tuna.distribute.ReplicaGroup devices = slot.get();
        Backend backend = devices == null ? this.backend : devices.backend(0);
        dev.tuna.distribute.ReplicaGroup mirror = devices == null ? replicasPerTrial : devices.size() > 1 ? devices : null;
        try (Model model = hyperModel.build(hp, data.inputShape(), data.numClasses(), execSeed)) {
            Optimizer opt = hyperModel.optimizer(hp, model);
            JobSpec.TrainSpec train = hyperModel.train(hp, base.train());
            int epochs = row.meta().get("epochs") instanceof Number n ? n.intValue() : train.epochs();
            if (row.meta().get("resume_from") instanceof Number parent) loadCheckpoint(model, opt, backend, parent.intValue(), e);
            List<Callback> callbacks = new ArrayList<>();
            JobSpec.EarlyStop es = train.earlyStopping();
            if (es != null) callbacks.add(new EarlyStopping(es.monitor(), es.mode(), es.patience(), es.minDelta(), es.restoreBestWeights()));
            double[] best = {Double.NaN};
            int[] bestEpoch = {-1};
            callbacks.add(new Callback() {
                @Override
                public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
                    store.addEpoch(row.number(), e, initialEpoch + epoch, logs);
                    Double v = logs.get(tune.objective().metric());
                    if (v != null && tune.objective().better(v, best[0])) {
                        best[0] = v;
                        bestEpoch[0] = initialEpoch + epoch;
                    }
                }
            });
            ProgressListener progress = listener.progress(row.number(), e, executions);
            int toRun = Math.max(1, epochs - initialEpoch);
            History h;
            if (mirror != null) {
                h = fitMirrored(mirror, row, hp, e, execSeed, train, toRun, callbacks, progress, data, model, opt);
            } else {
                try (Trainer trainer = new Trainer(model, opt, backend, execSeed).setTask(data.setup(train))) {
                    h = trainer.fit(data.train(), data.validation(), toRun, train.batchSize(), callbacks, progress);
                }
            }
            Map<String, dev.tuna.tensor.Tensor> state = new LinkedHashMap<>(model.stateDict());
            state.putAll(opt.stateDict(model.parameters()));
            Safetensors.write(dir.resolve("execution-" + e + ".safetensors"), state, Map.of("format", "tuna", "trial", String.valueOf(row.number()),
                    "epochs", String.valueOf(initialEpoch + h.epochCount()), "optimizer_iterations", String.valueOf(opt.iterations())));
            return new ExecutionResult(best[0], bestEpoch[0], initialEpoch + h.epochCount(), hp.values());
        }
    }

    /**
     * Trains one execution on the {@link #replicasPerTrial} mirrored replicas (CPU cores or GPUs): rank 0 trains the given model and runs
     * the trial's callbacks (the study's epochs, the objective, early stopping: the group's metrics are the same on
     * every replica, so the others stop with it); the other replicas build their own copies, which the trainer's
     * broadcast makes rank 0's, and load the same checkpoint so their optimizer state matches too.
     */
    private History fitMirrored(dev.tuna.distribute.ReplicaGroup replicasPerTrial, TrialRow row, HyperParameters hp, int e, long execSeed, JobSpec.TrainSpec train, int toRun, List<Callback> callbacks,
                                ProgressListener progress, Data data, Model model, Optimizer opt) {
        if (train.batchSize() < replicasPerTrial.size()) {
            throw new BadInputException("train.batch_size " + train.batchSize() + " is smaller than --devices-per-trial " + replicasPerTrial.size());
        }
        List<Callback> others = new ArrayList<>();
        for (Callback c : callbacks) if (c instanceof EarlyStopping) others.add(c);
        return replicasPerTrial.run((c, be) -> {
            Model m = c.rank() == 0 ? model : hyperModel.build(hp, data.inputShape(), data.numClasses(), execSeed);
            try (dev.tuna.distribute.BucketedGradientSync sync = new dev.tuna.distribute.BucketedGradientSync(c, be)) {
                Optimizer o = c.rank() == 0 ? opt : hyperModel.optimizer(hp, m);
                if (c.rank() != 0 && row.meta().get("resume_from") instanceof Number parent) loadCheckpoint(m, o, be, parent.intValue(), e);
                // Early stopping runs on every replica (same metrics, same decision); only rank 0 records.
                List<Callback> mine = c.rank() == 0 ? callbacks : others.stream().map(x -> (Callback) ((EarlyStopping) x).freshCopy()).toList();
                try (Trainer trainer = new Trainer(m, o, be, execSeed, sync).setTask(data.setup(train))) {
                    return trainer.fit(data.train(), data.validation(), toRun, train.batchSize(), mine, c.rank() == 0 ? progress : ProgressListener.SILENT);
                }
            } finally {
                if (c.rank() != 0) m.close();
            }
        }).getFirst();
    }

    /** Cross-validation: each trial trains once per fold (times executions_per_trial); null: on the data's one split. */
    private List<Data> folds;

    /**
     * Scores every trial by K-fold cross-validation: its executions run on these splits in turn (each
     * executions_per_trial times), and its objective is their mean. Each fold's data as {@link Data}.
     */
    public void setFolds(List<Data> folds) { this.folds = folds == null || folds.isEmpty() ? null : List.copyOf(folds); }

    /** The mirrored replicas that train each trial together; null: each trial on one trainer. */
    private dev.tuna.distribute.ReplicaGroup replicasPerTrial;

    /** Trains each trial on n mirrored CPU replicas, one core each (tuna tune --devices-per-trial N). */
    public void setReplicasPerTrial(int n) {
        if (n < 1) throw new IllegalArgumentException("replicas per trial " + n + ": expected a positive integer");
        replicasPerTrial = n == 1 ? null : dev.tuna.distribute.ReplicaGroup.cpu(n);
    }

    /**
     * The devices of each worker, one group per worker: worker w trains its trials on {@code perWorker.get(w)}, on
     * one trainer when the group has one device, mirrored over all of them otherwise ({@code --device cuda:0,1}: a
     * trial per GPU; with {@code --devices-per-trial 2}: each trial on both). search() then takes one worker per group.
     */
    public void setWorkerDevices(List<dev.tuna.distribute.ReplicaGroup> perWorker) {
        if (perWorker != null && perWorker.isEmpty()) throw new IllegalArgumentException("no device slots");
        workerDevices = perWorker == null ? null : List.copyOf(perWorker);
    }

    private List<dev.tuna.distribute.ReplicaGroup> workerDevices;
    /** The device slot of the worker on this thread (null without slots). */
    private final ThreadLocal<dev.tuna.distribute.ReplicaGroup> slot = new ThreadLocal<>();

    /**
     * One execution of a tree trial: XGBoost's boosting rounds play the part of epochs (each is recorded with the
     * same four metrics), boosting stops early when val_loss has not improved for early_stopping_rounds, and the
     * booster is saved in XGBoost's format as the trial's checkpoint.
     */
    private ExecutionResult executeTrees(TrialRow row, TreeSpec spec, HyperParameters hp, int e, int executions, Data data, Path dir) {
        if (row.meta().get("resume_from") != null || row.meta().get("epochs") != null) {
            throw new BadInputException("oracle " + tune.oracle() + ": hyperband schedules epochs, which tree models do not have; use random, grid, bayesian or genetic");
        }
        long execSeed = row.seed() + e;
        ProgressListener progress = listener.progress(row.number(), e, executions);
        int rounds = spec.rounds();
        double[] best = {Double.NaN};
        int[] bestRound = {-1};
        long[] t0 = {System.nanoTime()};
        progress.onEpochBegin(0, rounds, 1);
        try (XgbModel model = XgbModel.fit(spec, data.task(), data.treeTrain(), data.treeValidation(), data.treeColumns(), rounds, execSeed,
                (r, logs, validation, last) -> {
            double seconds = (System.nanoTime() - t0[0]) / 1e9;
            logs.put("time", seconds);
            store.addEpoch(row.number(), e, r, logs);
            progress.onEpochEnd(r, rounds, logs, seconds);
            Double v = logs.get(tune.objective().metric());
            if (v != null && tune.objective().better(v, best[0])) {
                best[0] = v;
                bestRound[0] = r;
            }
            if (!last) {
                t0[0] = System.nanoTime();
                progress.onEpochBegin(r + 1, rounds, 1);
            }
            return true;
        })) {
            model.save(dir.resolve("execution-" + e + ".ubj"));
            return new ExecutionResult(best[0], bestRound[0], model.rounds(), hp.values());
        }
    }

    /** Hyperband's promotion: continue from the parent trial's weights and optimizer state, same execution. */
    private void loadCheckpoint(Model model, Optimizer opt, Backend be, int parent, int execution) {
        TrialRow p = store.trial(parent).orElseThrow(() -> new IllegalStateException("trial " + parent + " to resume from is not in the study"));
        Path file = Path.of(p.checkpoint()).resolve("execution-" + execution + ".safetensors");
        try (Arena a = Arena.ofConfined()) {
            Safetensors.Contents c = Safetensors.readAll(file, a);
            model.loadStateDict(c.tensors());
            opt.loadStateDict(be, model.parameters(), c.tensors(), Long.parseLong(c.metadata().getOrDefault("optimizer_iterations", "0")));
        }
    }
}
