package dev.tuna.tune.study;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.TrialState;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntToLongFunction;
import java.util.stream.Stream;

/**
 * The study database: a study is a directory holding {@code study.db} (SQLite, WAL mode) with the study's
 * metadata, its trials, their per-epoch metrics, retrain results and blobs. Any number of tuner processes, on
 * this host or others sharing the directory, work on one study at once: each claims trials in a write
 * transaction, and a trial whose worker died (even by {@code kill -9}) goes back to the queue and is rerun
 * under the same number.
 *
 * <p>Liveness: a worker id is {@code host/pid/processStartMillis/random}. A RUNNING trial of another worker is
 * requeued when that worker is on this host and its process is gone (or the pid now belongs to a process that
 * started at another time, or is a zombie), or when it is on another host and its heartbeat is older than
 * {@link #staleAfter()} (60 s by default). A worker on this host whose process lives is never requeued, however
 * late its heartbeat (a long GC or a stopped debugger must not cost it its trial), and a store never requeues
 * its own trials. While a store holds RUNNING trials a daemon thread refreshes their heartbeat every 5 s.
 * Across hosts the clocks must agree to well within the staleness limit, and the file system must support
 * SQLite's WAL locking (a local disk; not NFS).
 *
 * <p>Threads: one JDBC connection per store, every call guarded by one lock (an SQLite connection must not be
 * used by two threads at once), so trial workers and the heartbeat thread may share a store. Processes (and
 * several stores in one process) are serialised by SQLite: writes run in {@code BEGIN IMMEDIATE} transactions
 * with a 60 s busy timeout.
 *
 * <p>The SQL is standard apart from the SQLite pragmas and {@code BEGIN IMMEDIATE} in {@link #connect} and
 * {@link #write}, so another JDBC database (PostgreSQL) needs only those two places changed.
 */
public final class StudyStore implements AutoCloseable {
    /** The database file inside a study directory. */
    public static final String DB_FILE = "study.db";
    /** The schema this code writes; a database with a newer one is refused rather than misread. */
    public static final int SCHEMA_VERSION = 1;
    /** The meta key holding the schema version. */
    public static final String SCHEMA_VERSION_KEY = "schema_version";
    /** How long a heartbeat from another host may age before its trial is requeued, unless changed. */
    public static final Duration DEFAULT_STALE_AFTER = Duration.ofSeconds(60);

    private static final long HEARTBEAT_PERIOD_MILLIS = 5_000;
    private static final int BUSY_TIMEOUT_MILLIS = 60_000;
    // The pid namespace of a process not in a container: with any other namespace the pids we see are not the
    // host's, so two containers sharing a hostname must not compare each other's pids (see host()).
    private static final long INIT_PID_NAMESPACE = 4026531836L;
    private static final String HOST = host();

    private static final String TRIAL_COLUMNS = "number, state, hp_values, meta, objective, summary, worker, started_ms, finished_ms,"
            + " heartbeat_ms, seed, checkpoint, reason, attempts";

    private final Path dir;
    private final Path db;
    private final String workerId;
    private final Connection conn;
    private final ReentrantLock lock = new ReentrantLock();
    // The trials this store claimed and has not finished: the heartbeat thread only writes while there are some.
    private final Set<Integer> held = ConcurrentHashMap.newKeySet();
    private volatile long staleAfterMillis = DEFAULT_STALE_AFTER.toMillis();
    private volatile long heartbeatPeriodMillis = HEARTBEAT_PERIOD_MILLIS;
    private volatile boolean heartbeatWarned;
    private ScheduledExecutorService heartbeats; // guarded by lock
    private boolean closed; // guarded by lock
    /** Wall-clock milliseconds for heartbeats and staleness; tests set it, so no test waits on the real clock. */
    private volatile java.util.function.LongSupplier clock = System::currentTimeMillis;

    /** A claim's outcome: TRY with the trial now RUNNING for this worker, or WAIT / DONE with no trial. */
    public record Claim(Proposal.Kind kind, TrialRow trial) {}

    private StudyStore(Path dir, Path db, String workerId, Connection conn) {
        this.dir = dir;
        this.db = db;
        this.workerId = workerId;
        this.conn = conn;
    }

    /**
     * Opens the study in dir, creating the directory and {@code study.db} when missing; overwrite deletes an
     * existing database (and {@code dir/trials/}) first. Throws BadInputException naming the path when dir is a
     * file, a non-empty directory without a study, or holds a database that is unreadable, not a study, or newer.
     */
    public static StudyStore open(Path dir, boolean overwrite) {
        return open(dir, overwrite, newWorkerId());
    }

    /** {@link #open(Path, boolean)} under a given worker id (tests pose as a worker on another host). */
    static StudyStore open(Path dir, boolean overwrite, String workerId) {
        Path d = dir.toAbsolutePath().normalize();
        Path db = d.resolve(DB_FILE);
        if (Files.exists(d) && !Files.isDirectory(d)) {
            throw new BadInputException(d + ": not a study directory (it is a file); a study is a directory holding " + DB_FILE);
        }
        if (Files.isDirectory(d) && !Files.exists(db) && !isEmpty(d)) {
            // Refused even with overwrite: overwriting deletes files, and this directory is someone else's.
            throw new BadInputException(d + ": exists and is not a study (no " + DB_FILE + " in it); choose a new or empty directory");
        }
        try {
            Files.createDirectories(d);
            if (overwrite) {
                for (String suffix : List.of("", "-wal", "-shm", "-journal")) Files.deleteIfExists(d.resolve(DB_FILE + suffix));
                // Everything tuna wrote from the old study goes with it, so nothing of it is mistaken for the new one's.
                for (String folder : ARTIFACT_FOLDERS) deleteTree(d.resolve(folder));
            }
        } catch (IOException e) {
            throw new BadInputException(d + ": cannot prepare the study directory (" + e.getMessage() + ")", e);
        }
        if (Files.exists(db) && !Files.isReadable(db)) throw new BadInputException(db + ": cannot read the study database");
        return connect(d, db, workerId, "jdbc:sqlite:" + db, false);
    }

    /**
     * Opens an existing study only to read it (trials, best, report): nothing is written, so a study in a
     * read-only folder or on a read-only mount can still be listed. A WAL database whose folder is not writable
     * cannot get its shared-memory file, so such a study is read as immutable (nobody can be writing it there).
     */
    public static StudyStore openReadOnly(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        Path db = d.resolve(DB_FILE);
        if (!Files.isRegularFile(db)) throw new BadInputException(d + ": no study here (expected " + db + ")");
        if (!Files.isReadable(db)) throw new BadInputException(db + ": cannot read the study database");
        String uri = "jdbc:sqlite:file:" + db.toUri().getRawPath() + "?mode=ro" + (Files.isWritable(d) ? "" : "&immutable=1");
        return connect(d, db, newWorkerId(), uri, true);
    }

    /** The folders tuna writes inside a study directory (besides the database). */
    public static final List<String> ARTIFACT_FOLDERS = List.of("trials", "models", "ensemble", "report");

    private static StudyStore connect(Path d, Path db, String workerId, String url, boolean readOnly) {
        Connection c = null;
        try {
            c = DriverManager.getConnection(url);
            StudyStore s = new StudyStore(d, db, workerId, c);
            if (readOnly) s.checkReadOnly();
            else s.connect();
            return s;
        } catch (SQLException e) {
            closeQuietly(c);
            throw new BadInputException(db + ": not a readable study database (" + oneLine(e) + ")", e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** The schema checks of {@link #connect()}, without switching the journal or creating anything. */
    private void checkReadOnly() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
        }
        lock.lock();
        try {
            checkSchema(tables());
        } finally {
            lock.unlock();
        }
    }

    /** Sets the connection up and creates the schema, or checks an existing one. */
    private void connect() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS); // first, so that switching to WAL waits too
            // WAL: readers never block the writer, and a commit is one append (what many workers want).
            s.execute("PRAGMA journal_mode = WAL");
            // NORMAL in WAL mode survives any process crash (kill -9); only a power cut can lose the last commits.
            s.execute("PRAGMA synchronous = NORMAL");
        }
        writeSql(() -> {
            Set<String> tables = tables();
            if (tables.isEmpty()) {
                createSchema();
                return null;
            }
            checkSchema(tables);
            return null;
        });
    }

    private void checkSchema(Set<String> tables) throws SQLException {
        if (tables.isEmpty()) throw new BadInputException(db + ": not a tuna study database (it is empty)");
        if (!tables.contains("meta") || !tables.contains("trials")) {
            throw new BadInputException(db + ": not a tuna study database (it has tables " + tables + ")");
        }
        String v = metaSql(SCHEMA_VERSION_KEY);
        int version;
        try {
            version = Integer.parseInt(Objects.requireNonNull(v).strip());
        } catch (NullPointerException | NumberFormatException e) {
            throw new BadInputException(db + ": not a tuna study database (schema_version is " + (v == null ? "missing" : "'" + v + "'") + ")");
        }
        if (version > SCHEMA_VERSION) {
            throw new BadInputException(db + ": schema version " + version + " is newer than this tuna reads (" + SCHEMA_VERSION
                    + "); use a newer tuna");
        }
        if (version < 1) throw new BadInputException(db + ": not a tuna study database (schema_version " + version + ")");
    }

    private Set<String> tables() throws SQLException {
        Set<String> out = new TreeSet<>();
        try (ResultSet rs = conn.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                String name = rs.getString("TABLE_NAME").toLowerCase(java.util.Locale.ROOT);
                if (!name.startsWith("sqlite_")) out.add(name);
            }
        }
        return out;
    }

    private void createSchema() throws SQLException {
        try (Statement s = conn.createStatement()) {
            s.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
            // hp_values, meta and summary are JSON objects; objective is NULL unless COMPLETE; times are epoch ms.
            s.execute("CREATE TABLE trials (number INTEGER PRIMARY KEY, state TEXT NOT NULL, hp_values TEXT NOT NULL, meta TEXT NOT NULL,"
                    + " objective REAL, summary TEXT NOT NULL, worker TEXT, started_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL,"
                    + " heartbeat_ms BIGINT NOT NULL, seed BIGINT NOT NULL, checkpoint TEXT, reason TEXT, attempts INTEGER NOT NULL)");
            s.execute("CREATE INDEX trials_by_state ON trials (state, number)");
            s.execute("CREATE TABLE epochs (trial INTEGER NOT NULL, execution INTEGER NOT NULL, epoch INTEGER NOT NULL,"
                    + " metrics TEXT NOT NULL, PRIMARY KEY (trial, execution, epoch))");
            s.execute("CREATE TABLE retrains (trial INTEGER PRIMARY KEY, rank_no INTEGER NOT NULL, best_epoch INTEGER NOT NULL,"
                    + " epochs INTEGER NOT NULL, test_accuracy REAL, test_loss REAL, model_path TEXT, extra TEXT NOT NULL)");
            s.execute("CREATE TABLE blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL)");
        }
        putMetaSql(SCHEMA_VERSION_KEY, Integer.toString(SCHEMA_VERSION));
    }

    // ---- identity and settings -------------------------------------------------------------------

    /** The study directory (absolute). */
    public Path dir() { return dir; }

    /**
     * This store's worker id, {@code host/pid/processStartMillis/random}, recorded on the trials it claims; in a
     * container with its own pid namespace the host part reads {@code hostname~pidnsN}.
     */
    public String workerId() { return workerId; }

    /** How old another host's heartbeat may be before its RUNNING trial counts as abandoned. */
    public Duration staleAfter() { return Duration.ofMillis(staleAfterMillis); }

    /** Changes the staleness limit (tests shorten it; keep it well above the 5 s heartbeat period otherwise). */
    public void setStaleAfter(Duration limit) {
        if (limit.isNegative() || limit.isZero()) throw new IllegalArgumentException("staleness limit must be positive, got " + limit);
        staleAfterMillis = limit.toMillis();
    }

    /** Tests drive the clock that heartbeats and staleness read. */
    void setClock(java.util.function.LongSupplier millis) { clock = Objects.requireNonNull(millis); }

    /** Tests shorten the heartbeat period; it takes effect at the first claim. */
    void setHeartbeatPeriod(Duration period) { heartbeatPeriodMillis = period.toMillis(); }

    // ---- study metadata --------------------------------------------------------------------------

    /** Sets a study-level metadata entry (spec text, objective, oracle, seed, ...), replacing an earlier value. */
    public void putMeta(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        write(() -> {
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
        Objects.requireNonNull(proposer, "proposer");
        Objects.requireNonNull(trialSeed, "trialSeed");
        Claim claim = write(() -> {
            long now = clock.getAsLong();
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
                    ps.setString(2, workerId);
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
                ps.setString(5, workerId);
                ps.setLong(6, now);
                ps.setLong(7, now);
                ps.setLong(8, trialSeed.applyAsLong(number));
                ps.executeUpdate();
            }
            return new Claim(Proposal.Kind.TRY, trialSql(number));
        });
        if (claim.trial() != null) {
            held.add(claim.trial().number());
            startHeartbeats();
        }
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
    public String interruptedReason(TrialRow r) {
        if (r.state() != dev.tuna.tune.TrialState.RUNNING) return null;
        return deathOf(r.worker(), r.heartbeatMillis(), clock.getAsLong());
    }

    /** Why a RUNNING trial's worker counts as dead, or null when it may be alive. */
    String deathOf(String worker, long heartbeatMillis, long now) {
        if (workerId.equals(worker)) return null;
        String[] p = worker == null ? new String[0] : worker.split("/", -1);
        if (p.length == 4 && p[0].equals(HOST)) {
            try {
                long pid = Long.parseLong(p[1]);
                long start = Long.parseLong(p[2]);
                Optional<ProcessHandle> ph = ProcessHandle.of(pid);
                if (ph.isEmpty() || !ph.get().isAlive() || isZombie(pid)) return "died (no process " + pid + " on this host)";
                Optional<Instant> started = ph.get().info().startInstant();
                // Start times are derived from the kernel's boot time and clock ticks: allow for rounding.
                if (start != 0 && started.isPresent() && Math.abs(started.get().toEpochMilli() - start) > 1_000) {
                    return "died (pid " + pid + " now belongs to another process)";
                }
                return null; // alive on this host: never requeued, whatever its heartbeat says
            } catch (NumberFormatException e) {
                // not one of our ids: judge by its heartbeat
            }
        }
        long age = now - heartbeatMillis;
        return age > staleAfterMillis ? "went silent (last heartbeat " + age / 1000 + " s ago)" : null;
    }

    /** A killed process its parent has not reaped yet still has a pid (Linux: state Z in /proc/PID/stat). */
    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')'); // the command name may contain spaces and parentheses
            char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return false; // no procfs: trust ProcessHandle
        }
    }

    /**
     * Refreshes the heartbeat of every RUNNING trial this worker holds. The store does this itself every 5 s
     * from a daemon thread while it holds trials; call it directly after a long pause to be safe.
     */
    public void heartbeat() {
        write(() -> {
            try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET heartbeat_ms = ? WHERE state = ? AND worker = ?")) {
                ps.setLong(1, clock.getAsLong());
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
            if (closed || heartbeats != null) return;
            heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tuna-study-heartbeat");
                t.setDaemon(true); // never keeps a finished tuner alive
                return t;
            });
            heartbeats.scheduleWithFixedDelay(this::beat, heartbeatPeriodMillis, heartbeatPeriodMillis, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    private void beat() {
        if (held.isEmpty()) return;
        try {
            heartbeat();
            heartbeatWarned = false;
        } catch (RuntimeException e) {
            // An exception would cancel the schedule; warn once per outage and try again next period.
            if (!isClosed() && !heartbeatWarned) {
                heartbeatWarned = true;
                System.err.println("tuna: warning: study heartbeat failed: " + e.getMessage());
            }
        }
    }

    /** Records one epoch's metrics, committed at once (only while this worker holds the trial RUNNING, else IllegalStateException). */
    public void addEpoch(int trial, int execution, int epoch, Map<String, Double> metrics) {
        Objects.requireNonNull(metrics, "metrics");
        write(() -> {
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

    /**
     * Marks a trial COMPLETE with its raw objective value (NaN allowed), a JSON summary and its checkpoint path;
     * sets the finished time. Throws IllegalStateException when this worker no longer holds the trial RUNNING
     * (it was requeued, and perhaps taken by another worker).
     */
    public void complete(int trial, double objective, Map<String, Object> summary, String checkpoint) {
        finish(trial, TrialState.COMPLETE, objective, null, summary, checkpoint, null, "complete");
    }

    /**
     * The same, and the trial's stored hyperparameters become {@code used}: the values the model was built with,
     * which include those a space that grew while the trial was built added after the proposal (what oracles, the
     * never-twice rule, {@code trials} and {@code best} then read).
     */
    public void complete(int trial, double objective, Map<String, Object> used, Map<String, Object> summary, String checkpoint) {
        finish(trial, TrialState.COMPLETE, objective, used, summary, checkpoint, null, "complete");
    }

    /** Marks a trial FAILED with a reason; like {@link #complete}, only while this worker holds it RUNNING. */
    public void fail(int trial, String reason) {
        finish(trial, TrialState.FAILED, Double.NaN, null, Map.of(), null, reason == null ? "" : reason, "fail");
    }

    private void finish(int trial, TrialState state, double objective, Map<String, Object> used, Map<String, Object> summary, String checkpoint,
                        String reason, String action) {
        try {
            write(() -> {
                requireHeld(trial, action);
                if (used != null) {
                    try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET hp_values = ? WHERE number = ? AND state = ? AND worker = ?")) {
                        ps.setString(1, Json.write(used));
                        ps.setInt(2, trial);
                        ps.setString(3, TrialState.RUNNING.name());
                        ps.setString(4, workerId);
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET state = ?, objective = ?, summary = ?, checkpoint = ?,"
                        + " reason = ?, finished_ms = ?, heartbeat_ms = ? WHERE number = ? AND state = ? AND worker = ?")) {
                    long now = clock.getAsLong();
                    ps.setString(1, state.name());
                    if (Double.isFinite(objective)) ps.setDouble(2, objective);
                    else ps.setNull(2, java.sql.Types.DOUBLE); // NaN and infinities read back as NaN
                    ps.setString(3, Json.write(summary == null ? Map.of() : summary));
                    ps.setString(4, checkpoint);
                    ps.setString(5, reason);
                    ps.setLong(6, now);
                    ps.setLong(7, now);
                    ps.setInt(8, trial);
                    ps.setString(9, TrialState.RUNNING.name());
                    ps.setString(10, workerId);
                    ps.executeUpdate();
                }
                return null;
            });
        } finally {
            held.remove(trial); // finished, or not ours any more: either way no longer heartbeated
        }
    }

    /**
     * Puts a trial this worker holds RUNNING back to PENDING, so that a later claim reruns it (a Ctrl-C'd
     * tuner). Does nothing when this worker does not hold it, so that shutting down never throws.
     */
    public void release(int trial) {
        try {
            write(() -> {
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
        if (t == null) throw new IllegalStateException("cannot " + action + " trial " + trial + ": no such trial in " + db);
        if (t.state() != TrialState.RUNNING || !workerId.equals(t.worker())) {
            held.remove(trial);
            throw new IllegalStateException("cannot " + action + " trial " + trial + ": this worker (" + workerId + ") no longer holds it;"
                    + " it is " + t.state() + (t.worker() == null ? "" : " (worker " + t.worker() + ")")
                    + " - it was requeued as abandoned and perhaps taken by another worker");
        }
    }

    private void touch(int trial) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("UPDATE trials SET heartbeat_ms = ? WHERE number = ?")) {
            ps.setLong(1, clock.getAsLong());
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
        write(() -> {
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
        write(() -> {
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
            if (heartbeats != null) heartbeats.shutdownNow();
            heartbeats = null;
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

    /** Runs body as one write transaction under the store's lock; SQL failures become StudyException. */
    private <T> T write(Sql<T> body) {
        try {
            return writeSql(body);
        } catch (SQLException e) {
            throw new StudyException(db + ": " + oneLine(e), e);
        }
    }

    private <T> T writeSql(Sql<T> body) throws SQLException {
        lock.lock();
        try {
            ensureOpen();
            // IMMEDIATE takes the write lock up front (waiting up to the busy timeout): a deferred transaction
            // that reads first and writes later can fail at once with SQLITE_BUSY when another writer got in between.
            try (Statement s = conn.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
            boolean committed = false;
            try {
                T result = body.run();
                try (Statement s = conn.createStatement()) {
                    s.execute("COMMIT");
                }
                committed = true;
                return result;
            } finally {
                if (!committed) {
                    try (Statement s = conn.createStatement()) {
                        s.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // the transaction is already gone; the original exception is the one to report
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs body (one SELECT, so a consistent snapshot in autocommit mode) under the store's lock. */
    private <T> T read(Sql<T> body) {
        lock.lock();
        try {
            ensureOpen();
            return body.run();
        } catch (SQLException e) {
            throw new StudyException(db + ": " + oneLine(e), e);
        } finally {
            lock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("the study store for " + dir + " is closed");
    }

    private Map<String, Object> jsonMap(String text, String what) {
        if (text == null || text.isEmpty()) return Map.of();
        Object v;
        try {
            v = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new StudyException(db + ": the " + what + " is not valid JSON (" + e.getMessage() + ")", e);
        }
        if (!(v instanceof Map<?, ?> m)) throw new StudyException(db + ": the " + what + " is not a JSON object", null);
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

    private static boolean isEmpty(Path d) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
            return !s.iterator().hasNext();
        } catch (IOException e) {
            throw new BadInputException(d + ": cannot list the directory (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    /** A fresh worker id for this process: host, pid, process start time and a random part (two stores in one process differ). */
    static String newWorkerId() {
        ProcessHandle me = ProcessHandle.current();
        long start = me.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return HOST + "/" + me.pid() + "/" + start + "/" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /**
     * This host's name as worker ids use it: the kernel's hostname (no DNS lookup, which can hang), with '/'
     * and blanks replaced, plus the pid namespace when it is not the host's, since pids are only comparable
     * within one namespace (two containers may share a hostname).
     */
    static String host() {
        String name = null;
        try {
            name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        if (name == null || name.isEmpty()) name = System.getenv("HOSTNAME");
        if (name == null || name.isEmpty()) name = System.getenv("COMPUTERNAME");
        if (name == null || name.isEmpty()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "localhost";
            }
        }
        name = name.replaceAll("[/\\s]", "_");
        try {
            String ns = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(); // "pid:[4026531836]"
            long inode = Long.parseLong(ns.replaceAll("\\D", ""));
            if (inode != INIT_PID_NAMESPACE) name += "~pidns" + inode;
        } catch (IOException | RuntimeException e) {
            // no procfs: the hostname alone
        }
        return name;
    }
}
