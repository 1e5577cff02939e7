package dev.tuna.tune.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --storage URLs: their parts, where the password comes from (URL, PGPASSWORD, a libpq password file), and that none is shown. */
class StorageUrlTest {
    @TempDir
    Path tmp;

    private Path passFile(String text, String perms) throws Exception {
        Path f = tmp.resolve("pgpass");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void theUrlsPartsAndItsDefaults() {
        StorageUrl u = StorageUrl.parse("postgresql://alice@db.example:6543/studies", Map.of("PGPASSFILE", "/nonexistent"));
        assertEquals("alice", u.user());
        assertEquals("db.example", u.host());
        assertEquals(6543, u.port());
        assertEquals("studies", u.database());
        assertEquals("jdbc:postgresql://db.example:6543/studies", u.jdbcUrl());
        assertEquals("postgresql://alice@db.example:6543/studies", u.toString());
        StorageUrl d = StorageUrl.parse("postgres://db.example/tuna", Map.of("PGUSER", "bob", "PGPASSFILE", "/nonexistent"));
        assertEquals("bob", d.user());
        assertEquals(5432, d.port());
        assertNull(d.properties().getProperty("password"));
    }

    @Test
    void thePasswordComesFromTheUrlThenPgpasswordThenThePasswordFileAndIsNeverShown() throws Exception {
        Path file = passFile("# host:port:database:user:password\nother:5432:*:alice:nope\ndb.example:*:studies:alice:from\\:file\n", "rw-------");
        Map<String, String> env = Map.of("PGPASSFILE", file.toString());
        StorageUrl inUrl = StorageUrl.parse("postgresql://alice:s3cret@db.example/studies", Map.of("PGPASSWORD", "env", "PGPASSFILE", file.toString()));
        assertEquals("s3cret", inUrl.properties().getProperty("password"));
        assertFalse(inUrl.toString().contains("s3cret"), inUrl.toString());
        assertEquals("talking to *** failed", inUrl.scrub("talking to s3cret failed"));
        assertEquals("env", StorageUrl.parse("postgresql://alice@db.example/studies", Map.of("PGPASSWORD", "env", "PGPASSFILE", file.toString()))
                .properties().getProperty("password"));
        // The first matching line wins; '*' matches anything; "\:" is a colon inside a field.
        assertEquals("from:file", StorageUrl.parse("postgresql://alice@db.example/studies", env).properties().getProperty("password"));
        assertNull(StorageUrl.parse("postgresql://carol@db.example/studies", env).properties().getProperty("password"), "no line for carol");
        // As libpq: a file that group or others may read is ignored.
        Path loose = passFile("*:*:*:*:loose\n", "rw-r--r--");
        assertNull(StorageUrl.parse("postgresql://alice@db.example/studies", Map.of("PGPASSFILE", loose.toString())).properties().getProperty("password"));
        assertEquals("postgresql://alice:***@db.example/studies", StorageUrl.redact("postgresql://alice:s3cret@db.example/studies"));
    }

    @Test
    void badUrlsAreOneLineNamingTheFlagWithoutThePassword() {
        for (String bad : new String[] {"mysql://alice:pw123@db/x", "postgresql://alice:pw123@/x", "postgresql://alice:pw123@db", "postgresql://alice:pw123@db/a/b", "::"}) {
            BadInputException e = assertThrows(BadInputException.class, () -> StorageUrl.parse(bad, Map.of()));
            assertTrue(e.getMessage().startsWith("--storage "), e.getMessage());
            assertFalse(e.getMessage().contains("pw123"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    @Test
    void studyNamesAreCheckedBeforeTheyBecomeSchemaNames() {
        StorageUrl u = StorageUrl.parse("postgresql://alice@db/x", Map.of("PGPASSFILE", "/nonexistent"));
        assertEquals("tuna_fashion-search.v2", StudyLocation.shared(u, "fashion-search.v2", tmp).schema());
        for (String bad : new String[] {"", "a b", "x\"; DROP SCHEMA public; --", "-lead", "x".repeat(59)}) {
            BadInputException e = assertThrows(BadInputException.class, () -> StudyLocation.shared(u, bad, tmp));
            assertTrue(e.getMessage().startsWith("--study "), e.getMessage());
        }
    }
}
