package dev.tuna.tune.study;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What differs between the databases a study can live in; the store's SQL is otherwise the same. SQLite and
 * PostgreSQL differ in their column types (PostgreSQL has no BLOB, and its REAL is 4 bytes, so objectives would
 * lose precision), in how a writer gets the study to itself, in whose clock judges heartbeats, and in which
 * failures are a lost connection worth reopening.
 */
interface Dialect {
    /** Prepares a fresh connection (pragmas, the study's schema); {@code create} may create what is missing. */
    void setUp(Connection c, boolean create) throws SQLException;

    /** Starts a write transaction; {@code exclusive}: no other writer of this study until it ends (claims). */
    void begin(Connection c, boolean exclusive) throws SQLException;

    void commit(Connection c) throws SQLException;

    void rollback(Connection c) throws SQLException;

    /** An 8-byte floating-point column type. */
    String doubleType();

    /** A byte-string column type. */
    String bytesType();

    /** The study's tables, lower-case. */
    Set<String> tables(Connection c) throws SQLException;

    /** Milliseconds since the epoch on the clock that judges heartbeats (the database server's, when it has one). */
    long now(Connection c) throws SQLException;

    /** Whether the connection is gone (the server restarted, the network dropped) rather than the statement wrong. */
    boolean connectionLost(SQLException e);

    /** Deletes the study (overwrite). */
    void drop(Connection c) throws SQLException;

    /** SQLite, a study folder's study.db: WAL mode, BEGIN IMMEDIATE, this host's clock. */
    final class Sqlite implements Dialect {
        private static final int BUSY_TIMEOUT_MILLIS = 60_000;
        private final boolean readOnly;

        Sqlite(boolean readOnly) { this.readOnly = readOnly; }

        @Override
        public void setUp(Connection c, boolean create) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS); // first, so that switching to WAL waits too
                if (readOnly) return;
                // WAL: readers never block the writer, and a commit is one append (what many workers want).
                s.execute("PRAGMA journal_mode = WAL");
                // NORMAL in WAL mode survives any process crash (kill -9); only a power cut can lose the last commits.
                s.execute("PRAGMA synchronous = NORMAL");
            }
        }

        @Override
        public void begin(Connection c, boolean exclusive) throws SQLException {
            // IMMEDIATE takes the write lock up front (waiting up to the busy timeout): a deferred transaction that
            // reads first and writes later can fail at once with SQLITE_BUSY when another writer got in between.
            try (Statement s = c.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
        }

        @Override
        public void commit(Connection c) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("COMMIT");
            }
        }

        @Override
        public void rollback(Connection c) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("ROLLBACK");
            }
        }

        @Override public String doubleType() { return "REAL"; } // SQLite's REAL is 8 bytes
        @Override public String bytesType() { return "BLOB"; }

        @Override
        public Set<String> tables(Connection c) throws SQLException {
            Set<String> out = new TreeSet<>();
            try (ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    String name = rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT);
                    if (!name.startsWith("sqlite_")) out.add(name);
                }
            }
            return out;
        }

        @Override public long now(Connection c) { return System.currentTimeMillis(); }

        /** A local file: a failure is the disk's or the lock's, never a connection to reopen. */
        @Override public boolean connectionLost(SQLException e) { return false; }

        @Override public void drop(Connection c) { throw new UnsupportedOperationException("a SQLite study is overwritten by deleting its file"); }
    }

    /** PostgreSQL: one schema per study, an advisory lock for claims, the server's clock. */
    final class Postgres implements Dialect {
        private final String schema;
        private final long lockKey;

        Postgres(String schema) {
            if (!schema.matches("[A-Za-z0-9_.-]{1,63}")) throw new IllegalArgumentException("schema name " + schema);
            this.schema = schema;
            // One advisory lock per study, shared by every worker of it: a 64-bit key from the schema name.
            long h = 1125899906842597L;
            for (int i = 0; i < schema.length(); i++) h = 31 * h + schema.charAt(i);
            this.lockKey = h;
        }

        private String quoted() { return "\"" + schema + "\""; } // the name is checked above: no quotes in it

        @Override
        public void setUp(Connection c, boolean create) throws SQLException {
            c.setAutoCommit(true);
            if (create) {
                try (Statement s = c.createStatement()) {
                    // Two workers creating the study at once: IF NOT EXISTS can still collide on the catalog row.
                    s.execute("CREATE SCHEMA IF NOT EXISTS " + quoted());
                } catch (SQLException e) {
                    if (!"23505".equals(e.getSQLState()) && !"42P06".equals(e.getSQLState())) throw e;
                }
            }
            c.setSchema(schema);
        }

        @Override
        public void begin(Connection c, boolean exclusive) throws SQLException {
            c.setAutoCommit(false);
            if (exclusive) {
                try (Statement s = c.createStatement()) {
                    // Held until commit or rollback: claims are serialised as SQLite's write lock serialises them, so
                    // the oracle proposes from every trial and no two workers insert the same number.
                    s.execute("SELECT pg_advisory_xact_lock(" + lockKey + ")");
                }
            }
        }

        @Override
        public void commit(Connection c) throws SQLException {
            c.commit();
            c.setAutoCommit(true);
        }

        @Override
        public void rollback(Connection c) throws SQLException {
            c.rollback();
            c.setAutoCommit(true);
        }

        @Override public String doubleType() { return "DOUBLE PRECISION"; }
        @Override public String bytesType() { return "BYTEA"; }

        @Override
        public Set<String> tables(Connection c) throws SQLException {
            Set<String> out = new TreeSet<>();
            try (ResultSet rs = c.getMetaData().getTables(null, schema, "%", new String[] {"TABLE"})) {
                while (rs.next()) out.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
            }
            return out;
        }

        @Override
        public long now(Connection c) throws SQLException {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)")) {
                rs.next();
                return rs.getLong(1);
            }
        }

        /**
         * SQLSTATE class 08 (connection exceptions: refused, broken, the driver's own I/O errors) and 57P01-57P03
         * (the server shutting down or starting up): the statement was fine, the connection was not.
         */
        @Override
        public boolean connectionLost(SQLException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException s && s.getSQLState() != null) {
                    String st = s.getSQLState();
                    if (st.startsWith("08") || st.equals("57P01") || st.equals("57P02") || st.equals("57P03")) return true;
                }
                if (t instanceof java.io.IOException) return true;
            }
            return false;
        }

        @Override
        public void drop(Connection c) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + quoted() + " CASCADE");
            }
        }
    }
}
