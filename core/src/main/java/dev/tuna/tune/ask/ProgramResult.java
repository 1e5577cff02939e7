package dev.tuna.tune.ask;

import dev.tuna.data.Json;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a trial program's objective value: from the JSON file it was told to write ({@code TUNA_RESULT_FILE}), when
 * it wrote one, else from the last non-blank line of its standard output. Either holds a number, or a JSON object
 * with the objective's name as a key ({"val_loss": 0.31, "epochs": 12}). Anything else fails the trial, saying what
 * was found.
 */
final class ProgramResult {
    /** How much of the end of an output file is read: the last line and the last lines of stderr are all that is wanted. */
    private static final int TAIL_BYTES = 64 * 1024;

    private ProgramResult() {}

    /** The value, or TrialFailedException with what the program gave instead. */
    static double value(String objective, Path resultFile, Path stdout) throws IOException {
        if (Files.exists(resultFile)) {
            String text = Files.readString(resultFile).strip();
            if (text.isEmpty()) throw new TrialFailedException("the program wrote an empty result file " + resultFile);
            return parse(text, objective, "the result file " + resultFile.getFileName());
        }
        List<String> lines = lastLines(stdout, 1);
        if (lines.isEmpty()) {
            throw new TrialFailedException("the program printed nothing on stdout and wrote no result file (expected " + objective
                    + "'s value as the last line of stdout, or JSON with \"" + objective + "\")");
        }
        return parse(lines.getFirst(), objective, "the last line of stdout");
    }

    /** A number, or a JSON object holding one under the objective's name. */
    static double parse(String text, String objective, String where) {
        String s = text.strip();
        if (s.startsWith("{")) {
            Object v;
            try {
                v = Json.parse(s);
            } catch (IllegalArgumentException e) {
                throw new TrialFailedException(where + " is not valid JSON (" + e.getMessage() + "): " + abbreviate(s));
            }
            if (!(v instanceof Map<?, ?> m) || !(m.get(objective) instanceof Number n)) {
                throw new TrialFailedException(where + " has no number under \"" + objective + "\": " + abbreviate(s));
            }
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new TrialFailedException(where + " is neither a number nor JSON with \"" + objective + "\": " + abbreviate(s));
        }
    }

    /** The last n non-blank lines of a file (its last 64 KiB), oldest first; none for a missing file. */
    static List<String> lastLines(Path file, int n) throws IOException {
        if (!Files.exists(file)) return List.of();
        byte[] tail;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int k = (int) Math.min(len, TAIL_BYTES);
            tail = new byte[k];
            f.seek(len - k);
            f.readFully(tail);
        }
        List<String> all = new ArrayList<>();
        for (String l : new String(tail, StandardCharsets.UTF_8).split("\\R")) if (!l.isBlank()) all.add(l.strip());
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    private static String abbreviate(String s) { return s.length() > 120 ? "'" + s.substring(0, 117) + "...'" : "'" + s + "'"; }
}
