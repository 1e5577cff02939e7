package dev.tuna.tune.study;

import dev.tuna.errors.BadInputException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * A shared study database, {@code postgresql://user@host:port/database} as {@code --storage} takes it. The password
 * is never part of what is shown: it comes from the URL (discouraged), else {@code PGPASSWORD}, else the password
 * file ({@code PGPASSFILE} or {@code ~/.pgpass}, libpq's format and rules), and {@link #toString()} and every
 * message print the URL without it.
 */
public final class StorageUrl {
    private final String user, host, database;
    private final int port;
    private final String password; // null: none found (trust or peer authentication)

    private StorageUrl(String user, String host, int port, String database, String password) {
        this.user = user;
        this.host = host;
        this.port = port;
        this.database = database;
        this.password = password;
    }

    /** Parses --storage; {@code env} is the process environment (tests pass their own). */
    public static StorageUrl parse(String text, Map<String, String> env) {
        String shown = redact(text);
        URI u;
        try {
            u = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new BadInputException("--storage " + shown + ": not a URL; expected postgresql://user@host:port/database");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme();
        if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
            throw new BadInputException("--storage " + shown + ": expected postgresql://user@host:port/database (a SQLite study needs no --storage: --study DIR)");
        }
        String host = u.getHost();
        if (host == null || host.isEmpty()) throw new BadInputException("--storage " + shown + ": no host; expected postgresql://user@host:port/database");
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        if (database.isEmpty() || database.contains("/")) throw new BadInputException("--storage " + shown + ": expected one database name after the host, as in postgresql://user@host:5432/tuna");
        String info = u.getRawUserInfo();
        String user = null, password = null;
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            if (colon >= 0) password = decode(info.substring(colon + 1));
        }
        if (user == null || user.isEmpty()) user = env.getOrDefault("PGUSER", System.getProperty("user.name"));
        int port = u.getPort() < 0 ? 5432 : u.getPort();
        if (password == null) password = env.get("PGPASSWORD");
        if (password == null) {
            String file = env.get("PGPASSFILE");
            Path f = file != null ? Path.of(file) : Path.of(System.getProperty("user.home"), ".pgpass");
            password = fromPasswordFile(f, host, port, database, user);
        }
        return new StorageUrl(user, host, port, database, password);
    }

    /** The URL with any password in it replaced by ***, for messages about what the user typed. */
    public static String redact(String text) {
        return text == null ? "" : text.replaceAll("(?<=://)([^:/@]*):[^@/]*@", "$1:***@");
    }

    /**
     * The password of the first matching line of a libpq password file ({@code host:port:database:user:password},
     * {@code *} matching anything, {@code \:} and {@code \\} escaped), or null. As libpq does, a file that group or
     * others may read is ignored.
     */
    static String fromPasswordFile(Path f, String host, int port, String database, String user) {
        if (!Files.isRegularFile(f)) return null;
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            for (PosixFilePermission p : perms) {
                if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
                    System.err.println("tuna: warning: password file " + f + " has group or world access; ignored (chmod 0600 " + f + ")");
                    return null;
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: read it as libpq does on Windows
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        String[] want = {host, Integer.toString(port), database, user};
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) continue;
            List<String> fields = split(line);
            if (fields.size() < 5) continue;
            boolean match = true;
            for (int i = 0; i < 4 && match; i++) {
                String v = fields.get(i);
                match = v.equals("*") || v.equals(want[i]) || i == 0 && v.equals("localhost") && (host.equals("127.0.0.1") || host.equals("::1"));
            }
            if (match) return String.join(":", fields.subList(4, fields.size()));
        }
        return null;
    }

    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) cur.append(line.charAt(++i));
            else if (c == ':') {
                out.add(cur.toString());
                cur.setLength(0);
            } else cur.append(c);
        }
        out.add(cur.toString());
        return out;
    }

    private static String decode(String s) { return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8); }

    /** The JDBC URL (no credentials in it). */
    String jdbcUrl() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database;
    }

    /** Connection properties: the credentials, and timeouts so a dead server is noticed rather than waited on forever. */
    Properties properties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) p.setProperty("password", password);
        p.setProperty("ApplicationName", "tuna");
        p.setProperty("connectTimeout", "10");
        p.setProperty("socketTimeout", "300"); // a query that has not answered in 5 minutes is a lost connection
        p.setProperty("tcpKeepAlive", "true");
        return p;
    }

    /** Hides the password should the driver echo it in a message. */
    String scrub(String message) {
        if (message == null) return "";
        return password == null || password.isEmpty() ? message : message.replace(password, "***");
    }

    public String user() { return user; }
    public String host() { return host; }
    public int port() { return port; }
    public String database() { return database; }

    /** postgresql://user@host:port/database: never the password. */
    @Override
    public String toString() { return "postgresql://" + user + "@" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database; }
}
