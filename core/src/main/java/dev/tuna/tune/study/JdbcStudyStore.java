package dev.tuna.tune.study;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.TrialState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntToLongFunction;

/**
 * The study store over JDBC: SQLite (a study folder holding {@code study.db}, WAL mode) or PostgreSQL (one schema
 * per study in a shared database), the differences kept in a {@link Dialect}. Any number of tuner processes, on
 * this host or others, work on one study at once: each claims trials in a write transaction (serialised by
 * SQLite's write lock, or by a PostgreSQL advisory lock held while the oracle proposes), and a trial whose worker
 * died (even by {@code kill -9}) goes back to the queue and is rerun under the same number ({@link WorkerLiveness}).
 *
 * <p>Threads: one JDBC connection per store, every call guarded by one lock, so trial workers and the heartbeat
 * thread may share a store. A connection the database drops (a server restart, a network blip: PostgreSQL only)
 * is reopened with backoff for a bounded time and the interrupted transaction run again; a result whose commit was
 * not acknowledged is recognised on the retry, so it is recorded exactly once.
 */
final class JdbcStudyStore implements StudyStore {
    private static final long HEARTBEAT_PERIOD_MILLIS = 5_000;
    /** How long a lost connection is retried before the store gives up ({@code TUNA_STORAGE_RETRY_SECONDS}; 120 s). */
    static final long RETRY_MILLIS = 1000L * Long.getLong("tuna.storage.retry.seconds",
            Long.parseLong(System.getenv().getOrDefault("TUNA_STORAGE_RETRY_SECONDS", "120")));

    private static final String TRIAL_COLUMNS = "number, state, hp_values, meta, objective, summary, worker, started_ms, finished_ms,"
            + " heartbeat_ms, seed, checkpoint, reason, attempts";

    /** Opens a connection to the study's database (again, after one was lost). */
    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    private final StudyLocation location;
    /** For messages: the database file, or the study's name and URL (never a password). */
    private final String where;
    private final String workerId;
    private final Dialect dialect;
    private final Connector connector;
    private final boolean readOnly;
    private Connection conn; // guarded by lock; null after it was lost, until reopened
    private final ReentrantLock lock = new ReentrantLock();
    // The trials this store claimed and has not finished: the heartbeat thread only writes while there are some.
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    /** The trials this store asked (no heartbeat): what a retried ask recognises as its own. */
    private final Set<Integer> askedHere = ConcurrentHashMap.newKeySet();
    private volatile long staleAfterMillis = DEFAULT_STALE_AFTER.toMillis();
    private volatile long heartbeatPeriodMillis = HEARTBEAT_PERIOD_MILLIS;
    private final Heartbeats heartbeats = new Heartbeats(this::heartbeat, () -> !held.isEmpty(), this::isClosed);
    private boolean closed; // guarded by lock
    /**
     * True on a thread while its transaction runs again after a lost connection: its first run may have committed.
     * Per thread, as each thread's own work is what may have happened (the heartbeat thread's retry says nothing
     * about a worker's).
     */
    private final ThreadLocal<Boolean> retrying = ThreadLocal.withInitial(() -> false);
    /** Milliseconds for heartbeats and staleness when a test sets them; otherwise the dialect's clock. */
    private volatile java.util.function.LongSupplier testClock;

    private JdbcStudyStore(StudyLocation location, String where, String workerId, Dialect dialect, Connector connector, boolean readOnly) {
        this.location = location;
        this.where = where;
        this.workerId = workerId;
        this.dialect = dialect;
        this.connector = connector;
        this.readOnly = readOnly;
    }

    /** {@link StudyStore#open(StudyLocation, boolean)} under a given worker id (tests pose as a worker on another host). */
    static JdbcStudyStore open(StudyLocation at, boolean overwrite, String workerId) {
        if (!at.isShared()) {
            Path d = at.folder();
            StudyFolder.prepareForDatabase(d, overwrite);
            Path db = d.resolve(DB_FILE);
            return connect(at, db.toString(), workerId, new Dialect.Sqlite(false), () -> DriverManager.getConnection("jdbc:sqlite:" + db), false, false);
        }
        StudyFolder.prepareForArtifacts(at.folder(), overwrite);
        StorageUrl u = at.storage();
        Dialect.Postgres dialect = new Dialect.Postgres(at.schema());
        return connect(at, at.describe(), workerId, dialect, () -> DriverManager.getConnection(u.jdbcUrl(), u.properties()), false, overwrite);
    }

    /**
     * Opens an existing study only to read it. A SQLite WAL database whose folder is not writable cannot get its
     * shared-memory file, so such a study is read as immutable (nobody can be writing it there).
     */
    static JdbcStudyStore openReadOnly(StudyLocation at) {
        if (!at.isShared()) {
            Path d = at.folder();
            Path db = d.resolve(DB_FILE);
            if (!Files.isRegularFile(db)) throw new BadInputException(d + ": no study here (expected " + db + ")");
            if (!Files.isReadable(db)) throw new BadInputException(db + ": cannot read the study database");
            String uri = "jdbc:sqlite:file:" + db.toUri().getRawPath() + "?mode=ro" + (Files.isWritable(d) ? "" : "&immutable=1");
            return connect(at, db.toString(), WorkerLiveness.newWorkerId(), new Dialect.Sqlite(true), () -> DriverManager.getConnection(uri), true, false);
        }
        StorageUrl u = at.storage();
        return connect(at, at.describe(), WorkerLiveness.newWorkerId(), new Dialect.Postgres(at.schema()),
                () -> DriverManager.getConnection(u.jdbcUrl(), u.properties()), true, false);
    }

    private static JdbcStudyStore connect(StudyLocation at, String where, String workerId, Dialect dialect, Connector connector, boolean readOnly,
                                          boolean drop) {
        JdbcStudyStore s = new JdbcStudyStore(at, where, workerId, dialect, connector, readOnly);
        try {
            s.conn = connector.open();
            if (drop) dialect.drop(s.conn);
            dialect.setUp(s.conn, !readOnly);
            if (readOnly) s.checkReadOnly();
            else s.createOrCheck();
            return s;
        } catch (SQLException e) {
            closeQuietly(s.conn);
            String why = s.scrub(oneLine(e));
            if (dialect.connectionLost(e)) throw new BadInputException(where + ": cannot reach the study database (" + why + ")", e);
            throw new BadInputException(where + ": not a readable study database (" + why + ")", e);
        } catch (RuntimeException e) {
            closeQuietly(s.conn);
            throw e;
        }
    }

    /** The schema checks of {@link #createOrCheck()}, without creating anything. */
    private void checkReadOnly() throws SQLException {
        lock.lock();
        try {
            Set<String> tables = dialect.tables(conn);
            if (tables.isEmpty() && location.isShared()) throw new BadInputException(where + ": no such study (run tuna tune first)");
            checkSchema(tables);
        } finally {
            lock.unlock();
        }
    }

    /** Creates the schema in an empty database, or checks an existing one. */
    private void createOrCheck() throws SQLException {
        lock.lock();
        try {
            inTransaction(true, () -> {
                Set<String> tables = dialect.tables(conn);
                if (tables.isEmpty()) {
                    createSchema();
                    return null;
                }
                checkSchema(tables);
                return null;
            });
        } finally {
            lock.unlock();
        }
    }

    private void checkSchema(Set<String> tables) throws SQLException {
        if (tables.isEmpty()) throw new BadInputException(where + ": not a tuna study database (it is empty)");
        if (!tables.contains("meta") || !tables.contains("trials")) {
            throw new BadInputException(where + ": not a tuna study database (it has tables " + tables + ")");
        }
        String v = metaSql(SCHEMA_VERSION_KEY);
        int version;
        try {
            version = Integer.parseInt(Objects.requireNonNull(v).strip());
        } catch (NullPointerException | NumberFormatException e) {
            throw new BadInputException(where + ": not a tuna study database (schema_version is " + (v == null ? "missing" : "'" + v + "'") + ")");
        }
        if (version > SCHEMA_VERSION) {
            throw new BadInputException(where + ": schema version " + version + " is newer than this tuna reads (" + SCHEMA_VERSION
                    + "); use a newer tuna");
        }
        if (version < 1) throw new BadInputException(where + ": not a tuna study database (schema_version " + version + ")");
    }

    private void createSchema() throws SQLException {
        String dbl = dialect.doubleType();
        try (Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
            // hp_values, meta and summary are JSON objects; objective is NULL unless COMPLETE; times are epoch ms.
            s.execute("CREATE TABLE trials (number INTEGER PRIMARY KEY, state TEXT NOT NULL, hp_values TEXT NOT NULL, meta TEXT NOT NULL,"
                    + " objective " + dbl + ", summary TEXT NOT NULL, worker TEXT, started_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL,"
                    + " heartbeat_ms BIGINT NOT NULL, seed BIGINT NOT NULL, checkpoint TEXT, reason TEXT, attempts INTEGER NOT NULL)");
            s.execute("CREATE INDEX trials_by_state ON trials (state, number)");
            s.execute("CREATE TABLE epochs (trial INTEGER NOT NULL, execution INTEGER NOT NULL, epoch INTEGER NOT NULL,"
                    + " metrics TEXT NOT NULL, PRIMARY KEY (trial, execution, epoch))");
            s.execute("CREATE TABLE retrains (trial INTEGER PRIMARY KEY, rank_no INTEGER NOT NULL, best_epoch INTEGER NOT NULL,"
                    + " epochs INTEGER NOT NULL, test_accuracy " + dbl + ", test_loss " + dbl + ", model_path TEXT, extra TEXT NOT NULL)");
            s.execute("CREATE TABLE blobs (name TEXT PRIMARY KEY, data " + dialect.bytesType() + " NOT NULL)");
        }
        putMetaSql(SCHEMA_VERSION_KEY, Integer.toString(SCHEMA_VERSION));
    }

    // ---- identity and settings -------------------------------------------------------------------

    @Override public Path dir() { return location.folder(); }

    @Override public StudyLocation location() { return location; }

    /**
     * This store's worker id, {@code host/pid/processStartMillis/random}, recorded on the trials it claims; in a
     * container with its own pid namespace the host part reads {@code hostname~pidnsN}.
     */
    @Override public String workerId() { return workerId; }

    /** How old another host's heartbeat may be before its RUNNING trial counts as abandoned. */
    public Duration staleAfter() { return Duration.ofMillis(staleAfterMillis); }

    /** Changes the staleness limit (tests shorten it; keep it well above the 5 s heartbeat period otherwise). */
    public void setStaleAfter(Duration limit) {
        if (limit.isNegative() || limit.isZero()) throw new IllegalArgumentException("staleness limit must be positive, got " + limit);
        staleAfterMillis = limit.toMillis();
    }

    /** Tests drive the clock that heartbeats and staleness read. */
    void setClock(java.util.function.LongSupplier millis) { testClock = Objects.requireNonNull(millis); }

    /** Now, on the clock that judges heartbeats: the database server's for a shared study, else this host's. */
    private long now() throws SQLException {
        java.util.function.LongSupplier t = testClock;
        return t != null ? t.getAsLong() : dialect.now(conn);
    }

    /** Tests shorten the heartbeat period; it takes effect at the first claim. */
    void setHeartbeatPeriod(Duration period) { heartbeatPeriodMillis = period.toMillis(); }

    // ---- study metadata --------------------------------------------------------------------------

    /** Sets a study-level metadata entry (spec text, objective, oracle, seed, ...), replacing an earlier value. */
    public void putMeta(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        write(false, () -> {
            putMetaSql(key, value);
            return null;
        });
    }

    /** A metadata entry, or null when absent. */
    public String meta(String key) {
        return read(() -> metaSql(key));
    }

    /** Every metadata entry, ordered by key. */
    public Map<String, String> meta() {
        return read(() -> {
            Map<String, String> out = new LinkedHashMap<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT name, value FROM meta ORDER BY name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getString(2));
            }
            return Collections.unmodifiableMap(out);
        });
    }

    private void putMetaSql(String key, String value) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }

    private String metaSql(String key) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT value FROM meta WHERE name = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    // ---- trials ----------------------------------------------------------------------------------

    /**
     * Claims the next trial in one write transaction: requeues other workers' dead RUNNING trials, then takes
     * the lowest-numbered PENDING trial, else asks proposer (given every trial in number order) and on TRY
     * inserts trial number {@code count} as RUNNING with seed {@code trialSeed(number)}. WAIT and DONE insert
     * nothing. The proposer runs inside the transaction, so it should be quick: other workers wait for it.
     */
    public Claim claim(Function<List<TrialRow>, Proposal> proposer, IntToLongFunction trialSeed) {
        Claim claim = claimAs(workerId, held, proposer, trialSeed);
        if (claim.trial() != null) startHeartbeats();
        return claim;
    }

    @Override
    public Claim ask(Function<List<TrialRow>, Proposal> proposer, IntToLongFunction trialSeed) {
        return claimAs(WorkerLiveness.askedBy(workerId), askedHere, proposer, trialSeed);
    }

    /**
     * A claim recorded under {@code owner}; {@code mine} collects the trials this store returned under that owner
     * (a retried claim finds its first run's trial as the owner's trial not in it).
     */
    private Claim claimAs(String owner, Set<Integer> mine, Function<List<TrialRow>, Proposal> proposer, IntToLongFunction trialSeed) {
        Objects.requireNonNull(proposer, "proposer");
        Objects.requireNonNull(trialSeed, "trialSeed");
        Claim claim = write(true, () -> {
            long now = now();
            if (retrying.get()) {
                // The first run of this claim may have committed before the connection dropped: a trial RUNNING
                // under this worker that it does not know it holds is that claim's, so it is the one returned.
                try (PreparedStatement ps = conn.prepareStatement("SELECT number FROM trials WHERE state = ? AND worker = ? ORDER BY number")) {
                    ps.setString(1, TrialState.RUNNING.name());
                    ps.setString(2, owner);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            int n = rs.getInt(1);
                            if (!mine.contains(n)) return new Claim(Proposal.Kind.TRY, trialSql(n));
                        }
                    }
                }
            }
            requeueDead(now);
            Integer pending = null;
            try (PreparedStatement ps = conn.prepareStatement("SELECT MIN(number) FROM trials WHERE state = ?")) {
                ps.setString(1, TrialState.PENDING.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        int n = rs.getInt(1);
                        if (!rs.wasNull()) pending = n;
                    }
                }
            }
            if (pending != null) {
                // A rerun starts from scratch: the dead attempt's epochs would mix with the new ones.
                try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET state = ?, worker = ?, started_ms = ?, heartbeat_ms = ?,"
                        + " finished_ms = 0, objective = NULL, summary = '{}', checkpoint = NULL, attempts = attempts + 1 WHERE number = ?")) {
                    ps.setString(1, TrialState.RUNNING.name());
                    ps.setString(2, owner);
                    ps.setLong(3, now);
                    ps.setLong(4, now);
                    ps.setInt(5, pending);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = conn.prepareStatement("DELETE FROM epochs WHERE trial = ?")) {
                    ps.setInt(1, pending);
                    ps.executeUpdate();
                }
                return new Claim(Proposal.Kind.TRY, trialSql(pending));
            }
            List<TrialRow> all = trialsSql();
            Proposal p = Objects.requireNonNull(proposer.apply(all), "the proposer returned null");
            if (p.kind() != Proposal.Kind.TRY) return new Claim(p.kind(), null);
            int number = all.size(); // numbers are dense (trials are never deleted), so this is also max + 1
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO trials (" + TRIAL_COLUMNS + ")"
                    + " VALUES (?, ?, ?, ?, NULL, '{}', ?, ?, 0, ?, ?, NULL, NULL, 1)")) {
                ps.setInt(1, number);
                ps.setString(2, TrialState.RUNNING.name());
                ps.setString(3, Json.write(p.values()));
                ps.setString(4, Json.write(p.meta()));
                ps.setString(5, owner);
                ps.setLong(6, now);
                ps.setLong(7, now);
                ps.setLong(8, trialSeed.applyAsLong(number));
                ps.executeUpdate();
            }
            return new Claim(Proposal.Kind.TRY, trialSql(number));
        });
        if (claim.trial() != null) mine.add(claim.trial().number());
        return claim;
    }

    /** Puts other workers' dead RUNNING trials back to PENDING (inside claim's transaction). */
    private void requeueDead(long now) throws SQLException {
        List<Object[]> dead = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT number, worker, heartbeat_ms FROM trials WHERE state = ?")) {
            ps.setString(1, TrialState.RUNNING.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String worker = rs.getString(2);
                    String why = deathOf(worker, rs.getLong(3), now);
                    if (why != null) dead.add(new Object[] {rs.getInt(1), worker, why});
                }
            }
        }
        for (Object[] d : dead) {
            // Keeps number, values, meta and seed, so that the rerun is the trial the oracle asked for.
            try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET state = ?, reason = ? WHERE number = ? AND state = ?")) {
                ps.setString(1, TrialState.PENDING.name());
                ps.setString(2, "requeued: worker " + d[1] + " " + d[2]);
                ps.setInt(3, (Integer) d[0]);
                ps.setString(4, TrialState.RUNNING.name());
                ps.executeUpdate();
            }
        }
    }

    /**
     * For a RUNNING trial whose worker has gone (killed, its machine's heartbeat stale): why, so listings can say
     * "interrupted" before a rerun requeues it. Null for any other trial, or when the worker may be alive.
     */
    @Override
    public String interruptedReason(TrialRow r) {
        if (r.state() != dev.tuna.tune.TrialState.RUNNING) return null;
        long now = read(this::now);
        return deathOf(r.worker(), r.heartbeatMillis(), now);
    }

    /** Why a RUNNING trial's worker counts as dead, or null when it may be alive. */
    String deathOf(String worker, long heartbeatMillis, long now) {
        return WorkerLiveness.deathOf(workerId, worker, heartbeatMillis, now, staleAfterMillis);
    }

    /**
     * Refreshes the heartbeat of every RUNNING trial this worker holds. The store does this itself every 5 s
     * from a daemon thread while it holds trials; call it directly after a long pause to be safe.
     */
    @Override
    public void heartbeat() {
        write(false, () -> {
            try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET heartbeat_ms = ? WHERE state = ? AND worker = ?")) {
                ps.setLong(1, now());
                ps.setString(2, TrialState.RUNNING.name());
                ps.setString(3, workerId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private void startHeartbeats() {
        lock.lock();
        try {
            if (!closed) heartbeats.start(heartbeatPeriodMillis);
        } finally {
            lock.unlock();
        }
    }

    void setBeatListener(Runnable listener) { heartbeats.setListener(listener); }

    /** Records one epoch's metrics, committed at once (only while this worker holds the trial RUNNING, else IllegalStateException). */
    public void addEpoch(int trial, int execution, int epoch, Map<String, Double> metrics) {
        Objects.requireNonNull(metrics, "metrics");
        write(false, () -> {
            requireHeld(trial, "record an epoch of");
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO epochs (trial, execution, epoch, metrics) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (trial, execution, epoch) DO UPDATE SET metrics = excluded.metrics")) {
                ps.setInt(1, trial);
                ps.setInt(2, execution);
                ps.setInt(3, epoch);
                ps.setString(4, Json.write(metrics));
                ps.executeUpdate();
            }
            touch(trial); // progress is proof of life
            return null;
        });
    }

    @Override
    public void complete(int trial, double objective, Map<String, Object> used, Map<String, Object> summary, String checkpoint) {
        finish(trial, TrialState.COMPLETE, objective, used, summary, checkpoint, null, "complete");
    }

    @Override
    public void fail(int trial, String reason, Map<String, Object> used) {
        finish(trial, TrialState.FAILED, Double.NaN, used, Map.of(), null, reason == null ? "" : reason, "fail");
    }

    private void finish(int trial, TrialState state, double objective, Map<String, Object> used, Map<String, Object> summary, String checkpoint,
                        String reason, String action) {
        try {
            write(false, () -> {
                if (retrying.get()) {
                    // The first run may have committed before the connection dropped: then the result is recorded.
                    TrialRow t = trialSql(trial);
                    if (t != null && t.state() == state && workerId.equals(t.worker())) return null;
                }
                requireHeld(trial, action);
                // hp_values: the values the trial used when given, else the proposal's as stored.
                try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET state = ?, objective = ?, summary = ?, checkpoint = ?,"
                        + " reason = ?, finished_ms = ?, heartbeat_ms = ?, hp_values = COALESCE(?, hp_values) WHERE number = ? AND state = ? AND worker = ?")) {
                    long now = now();
                    ps.setString(1, state.name());
                    if (Double.isFinite(objective)) ps.setDouble(2, objective);
                    else ps.setNull(2, java.sql.Types.DOUBLE); // NaN and infinities read back as NaN
                    ps.setString(3, Json.write(summary == null ? Map.of() : summary));
                    ps.setString(4, checkpoint);
                    ps.setString(5, reason);
                    ps.setLong(6, now);
                    ps.setLong(7, now);
                    ps.setString(8, used == null ? null : Json.write(used));
                    ps.setInt(9, trial);
                    ps.setString(10, TrialState.RUNNING.name());
                    ps.setString(11, workerId);
                    ps.executeUpdate();
                }
                return null;
            });
        } finally {
            held.remove(trial); // finished, or not ours any more: either way no longer heartbeated
        }
    }

    @Override
    public void tell(int trial, double objective, Map<String, Object> summary) {
        told(trial, TrialState.COMPLETE, objective, summary, null);
    }

    @Override
    public void tellFailed(int trial, String reason) {
        told(trial, TrialState.FAILED, Double.NaN, Map.of(), reason == null ? "" : reason);
    }

    /** Finishes an asked trial, whoever asked it; one that is not open and asked is refused, naming its state. */
    private void told(int trial, TrialState state, double objective, Map<String, Object> summary, String reason) {
        write(false, () -> {
            TrialRow t = trialSql(trial);
            if (t == null) throw new BadInputException(where + ": no trial " + (trial + 1) + " in the study (it has " + countSql() + " trials)");
            if (retrying.get() && t.state() == state && t.asked()) return null; // the first run committed
            if (t.state() == TrialState.COMPLETE || t.state() == TrialState.FAILED) {
                throw new BadInputException(where + ": trial " + (trial + 1) + " is finished already (" + t.state().name().toLowerCase(java.util.Locale.ROOT)
                        + (t.state() == TrialState.COMPLETE ? ", " + t.objective() : "") + "); a result is told once");
            }
            if (t.state() != TrialState.RUNNING || !t.asked()) {
                throw new BadInputException(where + ": trial " + (trial + 1) + " was not asked (it is " + t.state().name().toLowerCase(java.util.Locale.ROOT)
                        + ", run by tuna's worker " + t.worker() + "); only trials given by tuna ask are told");
            }
            try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET state = ?, objective = ?, summary = ?, reason = ?, finished_ms = ?,"
                    + " heartbeat_ms = ? WHERE number = ? AND state = ? AND worker = ?")) {
                long now = now();
                ps.setString(1, state.name());
                if (Double.isFinite(objective)) ps.setDouble(2, objective);
                else ps.setNull(2, java.sql.Types.DOUBLE);
                ps.setString(3, Json.write(summary == null ? Map.of() : summary));
                ps.setString(4, reason);
                ps.setLong(5, now);
                ps.setLong(6, now);
                ps.setInt(7, trial);
                ps.setString(8, TrialState.RUNNING.name());
                ps.setString(9, t.worker());
                ps.executeUpdate();
            }
            return null;
        });
        askedHere.remove(trial);
    }

    private int countSql() throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT COUNT(*) FROM trials"); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /**
     * Puts a trial this worker holds RUNNING back to PENDING, so that a later claim reruns it (a Ctrl-C'd
     * tuner). Does nothing when this worker does not hold it, so that shutting down never throws.
     */
    public void release(int trial) {
        try {
            write(false, () -> {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET state = ?, reason = ? WHERE number = ? AND state = ? AND worker = ?")) {
                    ps.setString(1, TrialState.PENDING.name());
                    ps.setString(2, "released by worker " + workerId);
                    ps.setInt(3, trial);
                    ps.setString(4, TrialState.RUNNING.name());
                    ps.setString(5, workerId);
                    ps.executeUpdate();
                }
                return null;
            });
        } finally {
            held.remove(trial);
        }
    }

    private void requireHeld(int trial, String action) throws SQLException {
        TrialRow t = trialSql(trial);
        if (t == null) throw new IllegalStateException("cannot " + action + " trial " + trial + ": no such trial in " + where);
        if (t.state() != TrialState.RUNNING || !workerId.equals(t.worker())) {
            held.remove(trial);
            throw new IllegalStateException("cannot " + action + " trial " + trial + ": this worker (" + workerId + ") no longer holds it;"
                    + " it is " + t.state() + (t.worker() == null ? "" : " (worker " + t.worker() + ")")
                    + " - it was requeued as abandoned and perhaps taken by another worker");
        }
    }

    private void touch(int trial) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET heartbeat_ms = ? WHERE number = ?")) {
            ps.setLong(1, now());
            ps.setInt(2, trial);
            ps.executeUpdate();
        }
    }

    /** Every trial, in number order. */
    public List<TrialRow> trials() {
        return read(this::trialsSql);
    }

    /** One trial, or empty when there is no trial with that number. */
    public Optional<TrialRow> trial(int number) {
        return Optional.ofNullable(read(() -> trialSql(number)));
    }

    private List<TrialRow> trialsSql() throws SQLException {
        List<TrialRow> out = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + TRIAL_COLUMNS + " FROM trials ORDER BY number");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) out.add(trialRow(rs));
        }
        return Collections.unmodifiableList(out);
    }

    private TrialRow trialSql(int number) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT " + TRIAL_COLUMNS + " FROM trials WHERE number = ?")) {
            ps.setInt(1, number);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? trialRow(rs) : null;
            }
        }
    }

    private TrialRow trialRow(ResultSet rs) throws SQLException {
        int number = rs.getInt(1);
        double objective = rs.getDouble(5);
        if (rs.wasNull()) objective = Double.NaN;
        return new TrialRow(number, TrialState.valueOf(rs.getString(2)), jsonMap(rs.getString(3), "values of trial " + number),
                jsonMap(rs.getString(4), "meta of trial " + number), objective, jsonMap(rs.getString(6), "summary of trial " + number),
                rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getString(12), rs.getString(13),
                rs.getInt(14));
    }

    // ---- epochs ----------------------------------------------------------------------------------

    /** A trial's per-epoch metrics, ordered by execution, then epoch. */
    public List<EpochRow> epochs(int trial) {
        return read(() -> {
            List<EpochRow> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT execution, epoch, metrics FROM epochs WHERE trial = ? ORDER BY execution, epoch")) {
                ps.setInt(1, trial);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Double> metrics = new LinkedHashMap<>();
                        jsonMap(rs.getString(3), "metrics of trial " + trial).forEach((k, v) ->
                                metrics.put(k, v instanceof Number n ? n.doubleValue() : Double.NaN));
                        out.add(new EpochRow(trial, rs.getInt(1), rs.getInt(2), metrics));
                    }
                }
            }
            return Collections.unmodifiableList(out);
        });
    }

    // ---- retrains --------------------------------------------------------------------------------

    /** Records a retrain result, replacing an earlier one for the same trial. */
    public void putRetrain(RetrainRow r) {
        Objects.requireNonNull(r, "retrain row");
        write(false, () -> {
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO retrains (trial, rank_no, best_epoch, epochs, test_accuracy, test_loss,"
                    + " model_path, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (trial) DO UPDATE SET rank_no = excluded.rank_no,"
                    + " best_epoch = excluded.best_epoch, epochs = excluded.epochs, test_accuracy = excluded.test_accuracy,"
                    + " test_loss = excluded.test_loss, model_path = excluded.model_path, extra = excluded.extra")) {
                ps.setInt(1, r.trial());
                ps.setInt(2, r.rank());
                ps.setInt(3, r.bestEpoch());
                ps.setInt(4, r.epochs());
                setDouble(ps, 5, r.testAccuracy());
                setDouble(ps, 6, r.testLoss());
                ps.setString(7, r.modelPath());
                ps.setString(8, Json.write(r.extra()));
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Every retrain result, ordered by rank (then trial). */
    public List<RetrainRow> retrains() {
        return read(() -> {
            List<RetrainRow> out = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT trial, rank_no, best_epoch, epochs, test_accuracy, test_loss, model_path,"
                    + " extra FROM retrains ORDER BY rank_no, trial");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int trial = rs.getInt(1);
                    out.add(new RetrainRow(trial, rs.getInt(2), rs.getInt(3), rs.getInt(4), getDouble(rs, 5), getDouble(rs, 6),
                            rs.getString(7), jsonMap(rs.getString(8), "retrain extra of trial " + trial)));
                }
            }
            return Collections.unmodifiableList(out);
        });
    }

    // ---- blobs -----------------------------------------------------------------------------------

    /** Stores a blob under a key (ensemble predictions and the like), replacing an earlier one. */
    public void putBlob(String key, byte[] data) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(data, "data");
        write(false, () -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "INSERT INTO blobs (name, data) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET data = excluded.data")) {
                ps.setString(1, key);
                ps.setBytes(2, data);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The blob stored under a key, or empty. */
    public Optional<byte[]> blob(String key) {
        return Optional.ofNullable(read(() -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT data FROM blobs WHERE name = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return null;
                    byte[] b = rs.getBytes(1);
                    return b == null ? new byte[0] : b; // SQLite hands an empty blob back as null
                }
            }
        }));
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    /**
     * Stops the heartbeat thread and closes the database. Trials still RUNNING stay so: on this host they are
     * requeued once this process exits, elsewhere once their heartbeat is stale; call {@link #release} first to
     * hand them back at once.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            heartbeats.stop();
            held.clear();
            closeQuietly(conn);
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Sql<T> {
        T run() throws SQLException;
    }

    /**
     * Runs body as one write transaction under the store's lock ({@code exclusive}: no other writer of the study
     * meanwhile, for claims); SQL failures become StudyException, and a lost connection is reopened and the
     * transaction run again (see {@link #run}).
     */
    private <T> T write(boolean exclusive, Sql<T> body) {
        if (readOnly) throw new IllegalStateException(where + " is open read-only");
        return run(() -> inTransaction(exclusive, body));
    }

    /** Runs body (one SELECT, so a consistent snapshot in autocommit mode) under the store's lock. */
    private <T> T read(Sql<T> body) { return run(body); }

    /** body in a transaction on the current connection; the caller holds the lock. */
    private <T> T inTransaction(boolean exclusive, Sql<T> body) throws SQLException {
        dialect.begin(conn, exclusive);
        boolean committed = false;
        try {
            T result = body.run();
            dialect.commit(conn);
            committed = true;
            return result;
        } finally {
            if (!committed) {
                try {
                    dialect.rollback(conn);
                } catch (SQLException ignored) {
                    // the transaction (or the connection) is already gone; the original exception is the one to report
                }
            }
        }
    }

    /**
     * Runs one unit of work under the lock. When the dialect says the connection was lost (PostgreSQL restarted, the
     * network dropped), the connection is reopened with exponential backoff (0.5 s doubling to 8 s) and the work run
     * again, for up to {@link #RETRY_MILLIS}; each wait is said on stderr in one line. A write whose commit was not
     * acknowledged may have happened: the claim and finish bodies look for their own effect first ({@link #retrying}).
     */
    private <T> T run(Sql<T> body) {
        long deadline = 0;
        int attempt = 0;
        while (true) {
            long waitMillis;
            lock.lock();
            try {
                ensureOpen();
                if (conn == null) {
                    conn = connector.open();
                    dialect.setUp(conn, false);
                }
                return body.run();
            } catch (SQLException e) {
                if (!dialect.connectionLost(e)) throw new StudyException(where + ": " + scrub(oneLine(e)), e);
                closeQuietly(conn);
                conn = null;
                long now = System.nanoTime();
                if (attempt == 0) deadline = now + RETRY_MILLIS * 1_000_000;
                if (now - deadline >= 0) {
                    throw new StudyException(where + ": the study database was unreachable for " + RETRY_MILLIS / 1000 + " s (" + scrub(oneLine(e)) + ")", e);
                }
                waitMillis = Math.min(8_000, 500L << Math.min(attempt, 4));
                attempt++;
                retrying.set(true);
                System.err.println("tuna: the study database " + where + " is unreachable (" + scrub(oneLine(e)) + "); retry " + attempt
                        + " in " + waitMillis / 1000.0 + " s, for up to " + RETRY_MILLIS / 1000 + " s");
                System.err.flush();
            } finally {
                if (conn != null) retrying.set(false); // done, or failed for another reason: either way not retried
                lock.unlock();
            }
            try {
                Thread.sleep(waitMillis); // backoff before reconnecting: not a test waiting on the clock
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new StudyException(where + ": interrupted while waiting for the study database", ie);
            }
        }
    }

    /** A driver message with the password hidden, should the driver echo it. */
    private String scrub(String message) { return location.isShared() ? location.storage().scrub(message) : message; }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("the study store for " + location.describe() + " is closed");
    }

    private Map<String, Object> jsonMap(String text, String what) {
        if (text == null || text.isEmpty()) return Map.of();
        Object v;
        try {
            v = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new StudyException(where + ": the " + what + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!(v instanceof Map<?, ?> m)) throw new StudyException(where + ": the " + what + " is not a JSON object", null);
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) m;
        return out;
    }

    private static void setDouble(PreparedStatement ps, int i, double v) throws SQLException {
        if (Double.isFinite(v)) ps.setDouble(i, v);
        else ps.setNull(i, java.sql.Types.DOUBLE);
    }

    private static double getDouble(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? Double.NaN : v;
    }

    static <K, V> Map<K, V> readOnly(Map<K, V> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m)); // JSON maps may hold nulls: no Map.copyOf
    }

    private static String oneLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s+", " ").strip();
    }

    private static void closeQuietly(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing is best effort
        }
    }
}
