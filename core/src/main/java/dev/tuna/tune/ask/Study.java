package dev.tuna.tune.ask;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import dev.tuna.tune.TrialHold;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.Tuner;
import dev.tuna.tune.study.StudyLocation;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToDoubleFunction;

/**
 * tuna's oracles and study store as the tuner of any program, Optuna's ask-and-tell: {@link #ask()} hands out a
 * trial, {@link #tell} records its value, {@link #optimize} loops both over parallel threads. What it writes is an
 * ordinary tuna study, which {@code tuna trials}, {@code tuna best} and {@code tuna report} read, which several
 * processes (or machines, on PostgreSQL) share, and which records its {@link SearchDefinition} so that a later
 * process needs only the study.
 *
 * <pre>{@code
 * try (Study study = Study.open(Path.of("studies/mine"), definition)) {
 *     study.optimize(hp -> train((double) hp.get("learning_rate"), (long) hp.get("units")), 30, 2);
 *     System.out.println(study.best().orElseThrow().values());
 * }
 * }</pre>
 *
 * <p>Two kinds of trial: an asked one ({@link #ask()}) is open until told, as in Optuna, since its runner is a
 * program tuna does not watch; one that {@link #optimize} runs belongs to this process, is heartbeated, and goes
 * back to the queue when the process dies (even by {@code kill -9}), to be rerun under its number by the next worker.
 */
public final class Study implements AutoCloseable {
    /** The outcome of an {@link #optimize} call: trials it finished, why it stopped, and whether it stopped because trials kept failing. */
    public record Result(int completed, int failed, String stopReason, boolean broken) {}

    /** What {@link #optimize} reports as it goes (called from the worker threads). */
    public interface Progress {
        default void trialStarted(AskedTrial trial) {}

        default void trialFinished(TrialRow finished, TrialRow best, double seconds) {}

        /** The process is going down (SIGINT, SIGTERM); the running trials have just gone back to the queue. */
        default void interrupted(int released) {}
    }

    private final StudyStore store;
    private final SearchDefinition definition;
    private final SearchSpace space;
    private final Oracle oracle;
    /** Why the last proposal on this thread was DONE (the proposer runs on the claiming thread, inside the claim). */
    private final ThreadLocal<String> stop = new ThreadLocal<>();
    private final ThreadLocal<Boolean> brokenHere = ThreadLocal.withInitial(() -> false);
    private final Set<Integer> running = ConcurrentHashMap.newKeySet();

    private Study(StudyStore store, SearchDefinition definition) {
        this.store = store;
        this.definition = definition;
        this.space = definition.space();
        this.oracle = definition.newOracle();
    }

    /** Opens the SQLite study in dir, creating it with this definition, or checking that an existing one was made with it. */
    public static Study open(Path dir, SearchDefinition definition) { return open(StudyLocation.folder(dir), definition); }

    /** Opens an existing study with the definition it recorded. */
    public static Study open(Path dir) { return open(StudyLocation.folder(dir), null); }

    /**
     * Opens the study at a location (a folder, or a named study on PostgreSQL). A new study records the definition;
     * an existing one must have been made with the same hyperparameters, objective, oracle and seed (its budget may
     * change, so a rerun can extend it); with a null definition the study's own is used, and a study without one is
     * bad input.
     */
    public static Study open(StudyLocation at, SearchDefinition definition) {
        if (definition == null) {
            if (!at.isShared() && !Files.isRegularFile(at.folder().resolve(StudyStore.DB_FILE))) {
                throw new BadInputException(at.describe() + ": no study here; the first ask needs a space file (or a SearchDefinition)");
            }
            if (at.isShared()) StudyStore.openReadOnly(at).close(); // "no such study" rather than an empty one made
        }
        StudyStore store = StudyStore.open(at, false);
        try {
            return new Study(store, adopt(store, definition));
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static SearchDefinition adopt(StudyStore store, SearchDefinition given) {
        String where = store.location().describe();
        String recorded = store.meta(DefinitionJson.META_KEY);
        if (recorded == null) {
            if (store.meta("spec") != null || !store.trials().isEmpty()) {
                throw new BadInputException(where + ": a study that tuna tune made from a job file; ask, tell and tune --command need a study of their own");
            }
            if (given == null) throw new BadInputException(where + ": no search definition recorded; the first ask needs a space file (or a SearchDefinition)");
            return record(store, given);
        }
        SearchDefinition old = DefinitionJson.read(recorded, where);
        if (given == null) return old;
        if (!DefinitionJson.identity(old).equals(DefinitionJson.identity(given))) {
            throw new BadInputException(where + ": this study was made with another search (its hyperparameters, objective, oracle or seed differ);"
                    + " use the same space file, or another study");
        }
        return given.maxTrials() == old.maxTrials() && given.maxConsecutiveFailedTrials() == old.maxConsecutiveFailedTrials() ? old : record(store, given);
    }

    /** Records the definition with the keys trials, best and report read; returns it as read back, so every process sees one set of value types. */
    private static SearchDefinition record(StudyStore store, SearchDefinition d) {
        String text = DefinitionJson.write(d);
        store.putMeta(DefinitionJson.META_KEY, text);
        store.putMeta("objective", d.objective().metric());
        store.putMeta("direction", d.objective().direction());
        store.putMeta("oracle", d.oracle() + " " + Json.write(d.oracleSettings()));
        store.putMeta("seed", String.valueOf(d.seed()));
        if (store.meta("created") == null) store.putMeta("created", java.time.Instant.now().toString());
        return DefinitionJson.read(text, store.location().describe());
    }

    public SearchDefinition definition() { return definition; }

    public StudyStore store() { return store; }

    /** A fresh copy of the study's space (for its summary, or to check values). */
    public SearchSpace space() { return definition.space(); }

    /**
     * The next trial for a program to run: a trial of a dead worker waiting to be rerun, else a new one the oracle
     * proposes. It stays open until told. Throws NothingToAskException when the search is done or must wait.
     */
    public AskedTrial ask() {
        StudyStore.Claim c = store.ask(this::propose, n -> Tuner.trialSeed(definition.seed(), n));
        if (c.kind() == Proposal.Kind.DONE) throw new NothingToAskException(stopReason(), false);
        if (c.kind() == Proposal.Kind.WAIT) {
            List<Integer> open = store.trials().stream().filter(r -> r.state() == TrialState.RUNNING).map(r -> r.number() + 1).toList();
            throw new NothingToAskException("the " + oracle.name() + " oracle waits for running trials to finish first (running: trials " + open + ")", true);
        }
        return trial(c.trial());
    }

    /** Records an asked trial's value; a value that is not finite, an unknown trial or one already told is bad input. */
    public void tell(AskedTrial trial, double value) { tell(trial.number(), value); }

    /** Records the value of asked trial {@code number} (0-based, as {@link AskedTrial#number()}). */
    public void tell(int number, double value) {
        if (!Double.isFinite(value)) {
            throw new BadInputException("trial " + (number + 1) + ": the value " + value + " is not a finite number; tell it failed with a reason instead");
        }
        store.tell(number, value, Map.of());
    }

    /** Records an asked trial as failed, with why. */
    public void tellFailed(AskedTrial trial, String reason) { tellFailed(trial.number(), reason); }

    public void tellFailed(int number, String reason) {
        if (reason == null || reason.isBlank()) throw new BadInputException("trial " + (number + 1) + ": a failed trial needs a reason");
        store.tellFailed(number, reason);
    }

    /** Every trial so far, in number order. */
    public List<TrialRow> trials() { return store.trials(); }

    /** The best complete trial by the objective, if any. */
    public Optional<TrialRow> best() { return definition.objective().best(store.trials(), 1).stream().findFirst(); }

    /** {@link #optimize(TrialObjective, int, int, Progress)} of a function of the hyperparameters alone. */
    public Result optimize(ToDoubleFunction<Map<String, Object>> objective, int n, int parallelism) {
        return optimize(t -> objective.applyAsDouble(t.values()), n, parallelism, null);
    }

    /**
     * Runs up to n trials (fewer when the budget, the oracle or the failure limit stops the search first) on
     * {@code parallelism} threads: each claims a trial as a worker (heartbeated; requeued if this process dies),
     * evaluates it and records its value. An exception, or a value that is not finite, records the trial as failed
     * with the reason, and the search goes on until max_consecutive_failed_trials fail in a row.
     */
    public Result optimize(TrialObjective objective, int n, int parallelism, Progress progress) {
        if (n < 1) throw new IllegalArgumentException("n " + n + ": expected a positive number of trials");
        if (parallelism < 1) throw new IllegalArgumentException("parallelism " + parallelism + ": expected a positive integer");
        Progress p = progress == null ? new Progress() {} : progress;
        AtomicInteger slots = new AtomicInteger(n);
        int[] counts = new int[2];
        AtomicReference<String> stopped = new AtomicReference<>("");
        AtomicReference<Boolean> broken = new AtomicReference<>(false);
        AtomicReference<RuntimeException> fatal = new AtomicReference<>();
        Thread hook = new Thread(() -> {
            int released = running.size();
            for (int t : running) {
                try {
                    store.release(t);
                } catch (RuntimeException e) {
                    // best effort: once this process is gone its trials are requeued anyway
                }
            }
            p.interrupted(released);
        }, "tuna-release-trials");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < parallelism; w++) {
                threads.add(Thread.ofPlatform().name("tuna-ask-worker-" + w).start(() -> {
                    try {
                        work(objective, slots, counts, stopped, broken, p);
                    } catch (RuntimeException e) {
                        fatal.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs
            }
        }
        if (fatal.get() != null) throw fatal.get();
        String why = stopped.get().isEmpty() ? n + " trial(s) run, as asked" : stopped.get();
        synchronized (counts) {
            return new Result(counts[0], counts[1], why, broken.get());
        }
    }

    private void work(TrialObjective objective, AtomicInteger slots, int[] counts, AtomicReference<String> stopped, AtomicReference<Boolean> broken, Progress p) {
        while (!Thread.currentThread().isInterrupted()) {
            if (slots.getAndDecrement() <= 0) return;
            StudyStore.Claim c = store.claim(this::propose, n -> Tuner.trialSeed(definition.seed(), n));
            if (c.kind() == Proposal.Kind.DONE) {
                stopped.compareAndSet("", stopReason());
                if (brokenHere.get()) broken.set(true);
                return;
            }
            if (c.kind() == Proposal.Kind.WAIT) {
                slots.incrementAndGet();
                try {
                    Thread.sleep(200); // Hyperband's round is finishing on other workers, as in Tuner
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            boolean ok = run(objective, c.trial(), p);
            synchronized (counts) {
                counts[ok ? 0 : 1]++;
            }
        }
    }

    /** Evaluates one claimed trial and records it; true when it completed. */
    private boolean run(TrialObjective objective, TrialRow row, Progress p) {
        int n = row.number();
        running.add(n);
        long t0 = System.nanoTime();
        try {
            AskedTrial trial = trial(row);
            p.trialStarted(trial);
            TrialHold.atStart(n);
            String failure;
            double value = Double.NaN;
            try {
                Files.createDirectories(trial.dir());
                value = objective.evaluate(trial);
                failure = Double.isFinite(value) ? null : definition.objective().metric() + " was " + value + ", not a finite number";
            } catch (TrialFailedException e) {
                failure = e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                store.release(n);
                return false;
            } catch (Exception e) {
                failure = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (failure == null) {
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("seconds", seconds);
                store.complete(n, value, summary, trial.dir().toString());
            } else {
                store.fail(n, failure);
            }
            p.trialFinished(store.trial(n).orElseThrow(), best().orElse(null), seconds);
            return failure == null;
        } finally {
            running.remove(n);
        }
    }

    /** The trial a program gets from a stored row: values completed and cleaned by the space, the schedule, its folder. */
    private AskedTrial trial(TrialRow r) {
        Map<String, Object> schedule = new LinkedHashMap<>();
        for (String k : AskedTrial.SCHEDULE_KEYS) if (r.meta().containsKey(k)) schedule.put(k, r.meta().get(k));
        return new AskedTrial(r.number(), space.normalize(r.values()), r.seed(), store.dir().resolve("trials").resolve(Tuner.fileName(r.number())), schedule);
    }

    private String stopReason() {
        String s = stop.get();
        return s == null ? "the " + oracle.name() + " oracle finished its search" : s;
    }

    /** Called inside the claim's transaction with every trial so far. */
    private Proposal propose(List<TrialRow> rows) {
        stop.remove();
        brokenHere.set(false);
        String broken = brokenReason(rows);
        if (broken != null) {
            stop.set(broken);
            brokenHere.set(true);
            return Proposal.DONE;
        }
        if (definition.maxTrials() > 0 && rows.size() >= definition.maxTrials()) {
            stop.set("max_trials (" + definition.maxTrials() + ") reached");
            return Proposal.DONE;
        }
        List<Trial> trials = new ArrayList<>(rows.size());
        for (TrialRow r : rows) trials.add(new Trial(r.number(), space.normalize(r.values()), r.state(), definition.objective().score(r.objective()), r.meta()));
        Proposal p = oracle.propose(space, trials, rows.size());
        if (p.kind() == Proposal.Kind.DONE) {
            long card = space.cardinality();
            stop.set(card >= 0 && rows.size() >= card ? "all " + card + " configurations of the space are tried (the " + oracle.name() + " oracle never repeats one)"
                    : "the " + oracle.name() + " oracle finished its search");
        }
        return p.kind() == Proposal.Kind.TRY ? Proposal.of(space.normalize(p.values()), p.meta()) : p;
    }

    /** Non-null when the last max_consecutive_failed_trials finished trials all failed (as the tuner judges it). */
    private String brokenReason(List<TrialRow> rows) { return dev.tuna.tune.Tuner.brokenReason(rows, definition.maxConsecutiveFailedTrials()); }

    @Override
    public void close() { store.close(); }
}
