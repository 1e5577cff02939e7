package dev.tuna.data;

import dev.tuna.errors.BadInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** File helpers shared by the readers: opening possibly gzipped files and one-line I/O error messages. */
public final class DataIo {
    static final int BUFFER = 1 << 20;

    private DataIo() {}

    /** Opens a file for reading, transparently gunzipping it when it starts with the gzip magic 1f 8b. */
    public static InputStream open(Path path) throws IOException {
        BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(path), BUFFER);
        raw.mark(2);
        int b0 = raw.read(), b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, BUFFER), BUFFER);
        }
        return raw;
    }

    /** True when the file starts with the gzip magic bytes. */
    static boolean isGzip(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** A one-line BadInputException for an I/O failure on the path. */
    public static BadInputException error(Path path, IOException e) {
        String why;
        if (e instanceof NoSuchFileException) why = "no such file";
        else if (e instanceof AccessDeniedException) why = "permission denied";
        else if (e instanceof java.io.EOFException) why = "truncated file: unexpected end of data";
        else if (e instanceof java.util.zip.ZipException) why = "corrupt gzip data (" + oneLine(e.getMessage()) + ")";
        else if (Files.isDirectory(path)) why = "is a directory, expected a file";
        else why = "cannot read: " + oneLine(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        return new BadInputException(path + ": " + why, e);
    }

    static String oneLine(String s) {
        if (s == null) return "";
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    /** A value quoted for a message, shortened when long. */
    public static String quote(String s) {
        String t = s.length() > 40 ? s.substring(0, 37) + "..." : s;
        return "'" + oneLine(t) + "'";
    }
}
