package dev.tuna.tune.study;

import dev.tuna.tune.Proposal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntToLongFunction;

/**
 * A study: its metadata, its trials, their per-epoch metrics, retrain results and blobs, and the folder that holds
 * its artifacts. What the tuner, {@code trials}, {@code best}, {@code retrain}, {@code ensemble} and {@code report}
 * need, whatever database holds it: a SQLite file in the study folder (the default), or a schema in a shared
 * PostgreSQL database that workers on many machines feed ({@link StudyLocation}).
 *
 * <p>Any number of workers, in one process or many, work on one study at once: each claims trials in a
 * transaction that gives no two workers one trial, and a trial whose worker died (even by {@code kill -9}) goes
 * back to the queue and is rerun under the same number (see {@link WorkerLiveness}). While a store holds RUNNING
 * trials a daemon thread refreshes their heartbeat every 5 s.
 */
public interface StudyStore extends AutoCloseable {
    /** The database file inside a SQLite study folder. */
    String DB_FILE = "study.db";
    /** The schema this code writes; a database with a newer one is refused rather than misread. */
    int SCHEMA_VERSION = 1;
    /** The meta key holding the schema version. */
    String SCHEMA_VERSION_KEY = "schema_version";
    /** How long a heartbeat from another host may age before its trial is requeued, unless changed. */
    Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(60);
    /** The folders tuna writes inside a study folder (besides a SQLite database). */
    List<String> ARTIFACT_FOLDERS = StudyFolder.ARTIFACT_FOLDERS;

    /** A claim's outcome: TRY with the trial now RUNNING for this worker, or WAIT / DONE with no trial. */
    record Claim(Proposal.Kind kind, TrialRow trial) {}

    /**
     * Opens the SQLite study in dir, creating the directory and {@code study.db} when missing; overwrite deletes an
     * existing database (and tuna's artifact folders) first. Throws BadInputException naming the path when dir is a
     * file, a non-empty directory without a study, or holds a database that is unreadable, not a study, or newer.
     */
    static StudyStore open(Path dir, boolean overwrite) { return open(StudyLocation.folder(dir), overwrite); }

    /** Opens (creating when missing) the study at a location; overwrite starts it afresh. */
    static StudyStore open(StudyLocation where, boolean overwrite) { return JdbcStudyStore.open(where, overwrite, WorkerLiveness.newWorkerId()); }

    /**
     * Opens an existing SQLite study only to read it (trials, best, report): nothing is written, so a study in a
     * read-only folder or on a read-only mount can still be listed.
     */
    static StudyStore openReadOnly(Path dir) { return openReadOnly(StudyLocation.folder(dir)); }

    /** Opens an existing study only to read it; a shared study that does not exist is bad input. */
    static StudyStore openReadOnly(StudyLocation where) { return JdbcStudyStore.openReadOnly(where); }

    /** The study's artifact folder (absolute): the SQLite study's own folder, or a shared study's artifact folder. */
    Path dir();

    /** Where the study is, for messages: its folder, or its name and database URL (never a password). */
    StudyLocation location();

    /**
     * This store's worker id, {@code host/pid/processStartMillis/random}, recorded on the trials it claims; in a
     * container with its own pid namespace the host part reads {@code hostname~pidnsN}.
     */
    String workerId();

    /** How old another host's heartbeat may be before its RUNNING trial counts as abandoned. */
    Duration staleAfter();

    /** Changes the staleness limit (tests shorten it; keep it well above the 5 s heartbeat period otherwise). */
    void setStaleAfter(Duration limit);

    /** Sets a study-level metadata entry (spec text, objective, oracle, seed, ...), replacing an earlier value. */
    void putMeta(String key, String value);

    /** A metadata entry, or null when absent. */
    String meta(String key);

    /** Every metadata entry, ordered by key. */
    Map<String, String> meta();

    /**
     * Claims the next trial in one transaction: requeues other workers' dead RUNNING trials, then takes the
     * lowest-numbered PENDING trial, else asks proposer (given every trial in number order) and on TRY inserts trial
     * number {@code count} as RUNNING with seed {@code trialSeed(number)}. WAIT and DONE insert nothing. The proposer
     * runs inside the transaction, so it should be quick: other workers wait for it.
     */
    Claim claim(Function<List<TrialRow>, Proposal> proposer, IntToLongFunction trialSeed);

    /**
     * Claims the next trial as {@link #claim} does, for a program outside tuna to run: the trial is RUNNING under an
     * asked worker ({@link TrialRow#asked()}), gets no heartbeat, is never requeued by any worker's liveness check
     * and stays open until {@link #tell} or {@link #tellFailed} finishes it, from this process or any other.
     */
    Claim ask(Function<List<TrialRow>, Proposal> proposer, IntToLongFunction trialSeed);

    /**
     * Records an asked trial's result: COMPLETE with a raw objective value and a JSON summary. Throws BadInputException
     * naming the trial when there is no such trial, it is finished already, or it is a worker's and not asked.
     */
    void tell(int trial, double objective, Map<String, Object> summary);

    /** Records an asked trial as FAILED with a reason; refused as {@link #tell} is. */
    void tellFailed(int trial, String reason);

    /**
     * For a RUNNING trial whose worker has gone (killed, its machine's heartbeat stale): why, so listings can say
     * "interrupted" before a rerun requeues it. Null for any other trial, or when the worker may be alive.
     */
    String interruptedReason(TrialRow r);

    /** Refreshes the heartbeat of every RUNNING trial this worker holds (the store's own thread does so every 5 s). */
    void heartbeat();

    /** Records one epoch's metrics, committed at once (only while this worker holds the trial RUNNING, else IllegalStateException). */
    void addEpoch(int trial, int execution, int epoch, Map<String, Double> metrics);

    /**
     * Marks a trial COMPLETE with its raw objective value (NaN allowed), a JSON summary and its checkpoint path; sets
     * the finished time. Throws IllegalStateException when this worker no longer holds the trial RUNNING (it was
     * requeued, and perhaps taken by another worker).
     */
    default void complete(int trial, double objective, Map<String, Object> summary, String checkpoint) {
        complete(trial, objective, null, summary, checkpoint);
    }

    /**
     * The same, and the trial's stored hyperparameters become {@code used} (null: they stay the proposal's): the values the model was built with,
     * which include those a space that grew while the trial was built added after the proposal (what oracles, the
     * never-twice rule, {@code trials} and {@code best} then read).
     */
    void complete(int trial, double objective, Map<String, Object> used, Map<String, Object> summary, String checkpoint);

    /** Marks a trial FAILED with a reason; like {@link #complete}, only while this worker holds it RUNNING. */
    default void fail(int trial, String reason) { fail(trial, reason, null); }

    /** The same, storing the values the trial had read when it failed (null: keep the proposal's). */
    void fail(int trial, String reason, Map<String, Object> used);

    /**
     * Puts a trial this worker holds RUNNING back to PENDING, so that a later claim reruns it (a Ctrl-C'd tuner).
     * Does nothing when this worker does not hold it, so that shutting down never throws.
     */
    void release(int trial);

    /** Every trial, in number order. */
    List<TrialRow> trials();

    /** One trial, or empty when there is no trial with that number. */
    Optional<TrialRow> trial(int number);

    /** A trial's per-epoch metrics, ordered by execution, then epoch. */
    List<EpochRow> epochs(int trial);

    /** Records a retrain result, replacing an earlier one for the same trial. */
    void putRetrain(RetrainRow r);

    /** Every retrain result, ordered by rank (then trial). */
    List<RetrainRow> retrains();

    /** Stores a blob under a key (ensemble predictions and the like), replacing an earlier one. */
    void putBlob(String key, byte[] data);

    /** The blob stored under a key, or empty. */
    Optional<byte[]> blob(String key);

    /**
     * Stops the heartbeat thread and closes the database. Trials still RUNNING stay so: on this host they are
     * requeued once this process exits, elsewhere once their heartbeat is stale; call {@link #release} first to hand
     * them back at once.
     */
    @Override
    void close();
}
