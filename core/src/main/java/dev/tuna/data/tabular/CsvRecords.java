package dev.tuna.data.tabular;

import dev.tuna.errors.BadInputException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits delimited text into records as RFC 4180 does: a field in double quotes may hold the delimiter, line breaks
 * and doubled quotes ({@code ""} for {@code "}). Unquoted fields are trimmed of spaces and tabs; a quoted field keeps
 * its text exactly, and spaces around its quotes are ignored. Line breaks are LF, CRLF or CR. With a space as the
 * delimiter, any run of spaces and tabs separates fields and quotes are ordinary characters.
 */
final class CsvRecords {
    private final Reader in;
    private final Path path;
    private final char delimiter;
    private final boolean whitespace;
    private int line = 1;
    private int recordLine;
    private int peeked = -2;
    private final StringBuilder field = new StringBuilder();

    CsvRecords(Reader in, Path path, char delimiter) {
        this.in = in;
        this.path = path;
        this.delimiter = delimiter;
        this.whitespace = delimiter == ' ' || delimiter == '\t';
    }

    /** The 1-based line on which the record last returned by {@link #next} starts. */
    int line() { return recordLine; }

    /** Skips n lines as they are, quotes and all (a preamble is not CSV). */
    void skipLines(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            int c;
            while ((c = read()) != -1 && c != '\n' && c != '\r') {
                // skip the line's text
            }
            if (c == -1) return;
            endOfLine(c);
        }
    }

    /** The next record that is not a blank line, or null at the end of the text. */
    String[] next() throws IOException {
        while (true) {
            recordLine = line;
            int c = peek();
            if (c == -1) return null;
            List<String> fields = whitespace ? splitWhitespace() : splitDelimited();
            if (fields.size() == 1 && fields.get(0).isEmpty() && !quotedLast) continue;
            if (fields.isEmpty()) continue;
            return fields.toArray(new String[0]);
        }
    }

    private boolean quotedLast;

    private List<String> splitDelimited() throws IOException {
        List<String> out = new ArrayList<>();
        while (true) {
            field.setLength(0);
            quotedLast = false;
            int c = read();
            while (c == ' ' || c == '\t') c = read();
            if (c == '"') {
                quotedLast = true;
                int start = line;
                while (true) {
                    c = read();
                    if (c == -1) throw new BadInputException(path + ":" + start + ": a quoted field is not closed before the end of the file");
                    if (c == '"') {
                        if (peek() == '"') {
                            read();
                            field.append('"');
                        } else {
                            break;
                        }
                    } else {
                        if (c == '\n' || c == '\r') {
                            // a line break inside quotes is part of the field; count it so later errors name the right line
                            if (c == '\r' && peek() == '\n') {
                                read();
                                field.append('\r');
                                c = '\n';
                            }
                            line++;
                        }
                        field.append((char) c);
                    }
                }
                c = read();
                while (c == ' ' || c == '\t') c = read();
                if (c != delimiter && c != '\n' && c != '\r' && c != -1) {
                    throw new BadInputException(path + ":" + line + ": text after the closing quote of field " + (out.size() + 1)
                            + ": a quoted field must end at a delimiter or the end of the line (write a quote inside quotes as \"\")");
                }
                out.add(field.toString());
            } else {
                while (c != delimiter && c != '\n' && c != '\r' && c != -1) {
                    field.append((char) c);
                    c = read();
                }
                int end = field.length();
                while (end > 0 && (field.charAt(end - 1) == ' ' || field.charAt(end - 1) == '\t')) end--;
                out.add(field.substring(0, end));
            }
            if (c == delimiter) continue;
            if (c != -1) endOfLine(c);
            return out;
        }
    }

    private List<String> splitWhitespace() throws IOException {
        List<String> out = new ArrayList<>();
        quotedLast = false;
        int c = read();
        while (true) {
            while (c == ' ' || c == '\t') c = read();
            if (c == '\n' || c == '\r' || c == -1) break;
            field.setLength(0);
            while (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != -1) {
                field.append((char) c);
                c = read();
            }
            out.add(field.toString());
        }
        if (c != -1) endOfLine(c);
        return out;
    }

    /** After a CR or LF has been read: swallows the LF of a CRLF and counts the line. */
    private void endOfLine(int c) throws IOException {
        if (c == '\r' && peek() == '\n') read();
        line++;
    }

    private int peek() throws IOException {
        if (peeked == -2) peeked = in.read();
        return peeked;
    }

    private int read() throws IOException {
        if (peeked != -2) {
            int c = peeked;
            peeked = -2;
            return c;
        }
        return in.read();
    }
}
