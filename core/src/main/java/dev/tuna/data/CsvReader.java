package dev.tuna.data;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads a comma-separated file of examples: one label column, every other column a numeric feature.
 * <ul>
 * <li>The first line is a header when the label column is given by name, when it has a field "label", or
 *     when it has a non-numeric field above a numeric one on the next line.</li>
 * <li>The label column is a header name, or a 0-based index (negative counts from the end); by default
 *     the column named "label" (any case) if the header has one, else the first column.</li>
 * <li>Labels that are exactly the integers 0..K-1, each occurring, are the class indices themselves
 *     (numClasses = K); any other labels (strings, negative integers, integers with gaps such as {0, 1, 9})
 *     are mapped to 0..C-1 in sorted order, and {@link Dataset#classNames()} keeps the mapping, so no class
 *     is ever left without an example.</li>
 * <li>Blank lines are skipped, fields are trimmed, double-quoted fields may contain commas, a UTF-8 BOM is
 *     ignored, and a gzipped file (by its magic bytes) is read transparently.</li>
 * </ul>
 * Errors name the file, the line (1-based) and the column: the header name, or its 1-based position.
 */
public final class CsvReader {
    private CsvReader() {}

    /** Every column is a feature (data to predict on): the labels of the data set read are all 0. */
    public static Dataset readUnlabeled(Path path) { return read(path, NO_LABELS, null); }

    private static final String NO_LABELS = "\u0000no labels";

    /** The fields of the first non-blank line (a header or the first row), unquoted; empty for an empty file. */
    public static String[] firstLine(Path path) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(DataIo.open(path), StandardCharsets.UTF_8))) {
            String line;
            boolean first = true;
            while ((line = in.readLine()) != null) {
                if (first && line.startsWith("\uFEFF")) line = line.substring(1);
                first = false;
                if (line.isBlank()) continue;
                Row row = new Row();
                split(line, row);
                return row.all();
            }
            return new String[0];
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    /** True when a first line (from {@link #firstLine}) names a column "label" (any case), the default label column. */
    public static boolean hasLabelColumn(String[] firstLine) {
        return Arrays.stream(firstLine).anyMatch(f -> f.equalsIgnoreCase("label"));
    }

    /** Reads the file into a new owning data set; labelColumn may be null for the default. */
    public static Dataset read(Path path, String labelColumn) { return read(path, labelColumn, null); }

    /**
     * Reads the file mapping labels onto the given class names (e.g. those of the training file, so that a
     * test file uses the same indices); a label not in the list is an error. Null classNames infers them.
     */
    public static Dataset read(Path path, String labelColumn, List<String> classNames) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(DataIo.open(path), StandardCharsets.UTF_8), 1 << 16)) {
            return new Parse(path, labelColumn, classNames).run(in);
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    /** The fields of one line, as [start, end) ranges over strings (the line itself unless it had quotes). */
    private static final class Row {
        String[] str = new String[16];
        int[] from = new int[16];
        int[] to = new int[16];
        int n;

        void add(String s, int a, int b) {
            if (n == from.length) {
                str = Arrays.copyOf(str, n * 2);
                from = Arrays.copyOf(from, n * 2);
                to = Arrays.copyOf(to, n * 2);
            }
            // trim spaces and tabs
            while (a < b && isBlank(s.charAt(a))) a++;
            while (b > a && isBlank(s.charAt(b - 1))) b--;
            str[n] = s;
            from[n] = a;
            to[n] = b;
            n++;
        }

        String get(int i) { return str[i].substring(from[i], to[i]); }

        String[] all() {
            String[] out = new String[n];
            for (int i = 0; i < n; i++) out[i] = get(i);
            return out;
        }

        private static boolean isBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
    }

    private static void split(String line, Row row) {
        row.n = 0;
        if (line.indexOf('"') < 0) {
            int start = 0;
            while (true) {
                int comma = line.indexOf(',', start);
                if (comma < 0) {
                    row.add(line, start, line.length());
                    return;
                }
                row.add(line, start, comma);
                start = comma + 1;
            }
        }
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                String f = field.toString();
                row.add(f, 0, f.length());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        String f = field.toString();
        row.add(f, 0, f.length());
    }

    /** Float value of s[a, b); NaN (the canonical one) with {@code bad[0] = true} when it is not a number. */
    private static float parse(String s, int a, int b, boolean[] bad) {
        bad[0] = false;
        int len = b - a;
        if (len > 0 && len <= 9) {
            // fast path: an optionally signed integer of at most 9 digits is exact as a float conversion
            int i = a;
            boolean neg = false;
            char c0 = s.charAt(i);
            if (c0 == '-' || c0 == '+') {
                neg = c0 == '-';
                i++;
            }
            if (i < b) {
                int v = 0;
                int j = i;
                for (; j < b; j++) {
                    int d = s.charAt(j) - '0';
                    if (d < 0 || d > 9) break;
                    v = v * 10 + d;
                }
                if (j == b) return neg ? (v == 0 ? -0f : -v) : v;
            }
        }
        if (len == 0) {
            bad[0] = true;
            return Float.NaN;
        }
        char last = s.charAt(b - 1);
        if (!(last >= '0' && last <= '9' || last == '.')) {
            return special(s.substring(a, b), bad);
        }
        char first = s.charAt(a);
        if (!(first >= '0' && first <= '9' || first == '.' || first == '-' || first == '+')) {
            return special(s.substring(a, b), bad);
        }
        try {
            return Float.parseFloat(s.substring(a, b));
        } catch (NumberFormatException e) {
            bad[0] = true;
            return Float.NaN;
        }
    }

    /** nan / inf spellings (numpy, pandas, Java) are numbers, rejected later with a precise message. */
    private static float special(String t, boolean[] bad) {
        String l = t.toLowerCase(Locale.ROOT);
        switch (l) {
            case "nan", "-nan", "+nan" -> { return Float.NaN; }
            case "inf", "+inf", "infinity", "+infinity" -> { return Float.POSITIVE_INFINITY; }
            case "-inf", "-infinity" -> { return Float.NEGATIVE_INFINITY; }
            default -> {
                bad[0] = true;
                return Float.NaN;
            }
        }
    }

    static boolean isNumber(String s) {
        boolean[] bad = new boolean[1];
        parse(s, 0, s.length(), bad);
        return !bad[0];
    }

    /** The canonical spelling of an integer-valued label ("3", "3.0", "+3" all give "3"), else null. */
    private static String integerLabel(String s) {
        boolean[] bad = new boolean[1];
        if (s.isEmpty()) return null;
        try {
            return Long.toString(Long.parseLong(s.startsWith("+") ? s.substring(1) : s));
        } catch (NumberFormatException e) {
            // maybe "3.0"
        }
        float f = parse(s, 0, s.length(), bad);
        if (bad[0] || !Float.isFinite(f) || f != Math.rint(f) || Math.abs(f) >= 1 << 24) return null;
        return Long.toString((long) f);
    }

    /** Growable float storage in chunks, so a big file is not copied on every growth. */
    private static final class Floats {
        private static final int CHUNK = 1 << 20;
        final List<float[]> chunks = new ArrayList<>();
        float[] cur = new float[CHUNK];
        int pos;
        long size;

        void add(float v) {
            if (pos == CHUNK) {
                chunks.add(cur);
                cur = new float[CHUNK];
                pos = 0;
            }
            cur[pos++] = v;
            size++;
        }

        void copyTo(MemorySegment dst) {
            long off = 0;
            for (float[] c : chunks) {
                MemorySegment.copy(c, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, off, CHUNK);
                off += (long) CHUNK * 4;
            }
            MemorySegment.copy(cur, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, off, pos);
        }
    }

    private static final class Parse {
        final Path path;
        final String labelSpec;
        final boolean unlabeled;
        final List<String> known;
        String[] header;
        int columns;
        int labelCol;
        final Floats x = new Floats();
        final List<String> labels = new ArrayList<>();
        int[] labelLines = new int[1024];
        final boolean[] bad = new boolean[1];
        final Row row = new Row();

        Parse(Path path, String labelSpec, List<String> known) {
            this.path = path;
            this.unlabeled = NO_LABELS.equals(labelSpec);
            this.labelSpec = unlabeled || labelSpec == null || labelSpec.isBlank() ? null : labelSpec.trim();
            this.known = known;
        }

        Dataset run(BufferedReader in) throws IOException {
            int lineNo = 0;
            String first = null;
            int firstNo = 0;
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                if (line.isBlank()) continue;
                if (first == null) {
                    first = line;
                    firstNo = lineNo;
                    continue;
                }
                if (columns == 0) {
                    start(first, firstNo, line);
                    if (header == null) dataRow(first, firstNo);
                }
                dataRow(line, lineNo);
            }
            if (first == null) throw new BadInputException(path + ": the file is empty: expected CSV rows of features and a label");
            if (columns == 0) {
                start(first, firstNo, null);
                if (header == null) dataRow(first, firstNo);
            }
            if (labels.isEmpty()) throw new BadInputException(path + ": the file has a header but no data rows");
            return build();
        }

        private boolean isInteger(String s) {
            try {
                Integer.parseInt(s);
                return true;
            } catch (NumberFormatException e) {
                return false;
            }
        }

        /** Decides whether the first line is a header and where the label column is. */
        private void start(String first, int firstNo, String second) {
            split(first, row);
            String[] f1 = row.all();
            boolean isHeader;
            boolean byName = labelSpec != null && !isInteger(labelSpec);
            if (!unlabeled && (byName || Arrays.stream(f1).anyMatch(s -> s.equalsIgnoreCase("label")))) {
                isHeader = true;
            } else if (Arrays.stream(f1).allMatch(CsvReader::isNumber)) {
                isHeader = false;
            } else if (second == null) {
                isHeader = true;
            } else {
                split(second, row);
                String[] f2 = row.all();
                isHeader = false;
                for (int j = 0; j < Math.min(f1.length, f2.length); j++) {
                    if (!isNumber(f1[j]) && isNumber(f2[j])) isHeader = true;
                }
            }
            columns = f1.length;
            if (isHeader) header = f1;
            if (unlabeled) {
                labelCol = -1;
                return;
            }
            if (columns < 2) {
                throw new BadInputException(path + " line " + firstNo + ": found " + columns
                        + " column, expected a label column and at least one feature column separated by commas");
            }
            if (labelSpec == null) {
                labelCol = 0;
                if (header != null) {
                    for (int j = 0; j < columns; j++) if (header[j].equalsIgnoreCase("label")) labelCol = j;
                }
            } else if (!byName) {
                int i = Integer.parseInt(labelSpec);
                if (i < -columns || i >= columns) {
                    throw new BadInputException(path + ": label column index " + i + " is out of range: the file has "
                            + columns + " columns (0-based indices 0.." + (columns - 1) + ", or negative from the end)");
                }
                labelCol = i < 0 ? columns + i : i;
            } else {
                labelCol = -1;
                for (int j = 0; j < columns; j++) if (header[j].equals(labelSpec)) labelCol = j;
                if (labelCol < 0) {
                    for (int j = 0; j < columns; j++) if (header[j].equalsIgnoreCase(labelSpec)) labelCol = j;
                }
                if (labelCol < 0) {
                    String cols = String.join(", ", Arrays.asList(header).subList(0, Math.min(columns, 8))) + (columns > 8 ? ", ..." : "");
                    throw new BadInputException(path + ": no label column '" + labelSpec + "' in the header (line " + firstNo
                            + "): the columns are " + cols);
                }
            }
        }

        private String column(int j) { return header != null ? "column '" + header[j] + "'" : "column " + (j + 1); }

        private void dataRow(String line, int lineNo) {
            split(line, row);
            if (row.n != columns) {
                throw new BadInputException(path + " line " + lineNo + ": expected " + columns + " fields"
                        + (header != null ? " as in the header" : " as on the first line") + ", found " + row.n);
            }
            for (int j = 0; j < columns; j++) {
                if (j == labelCol) continue;
                float v = parse(row.str[j], row.from[j], row.to[j], bad);
                if (bad[0] || !Float.isFinite(v)) {
                    String where = path + " line " + lineNo + ", " + column(j) + ": ";
                    if (row.from[j] == row.to[j]) throw new BadInputException(where + "expected a number, found an empty field");
                    if (bad[0]) throw new BadInputException(where + "expected a number, found " + DataIo.quote(row.get(j)));
                    if (Float.isNaN(v)) throw new BadInputException(where + "the value is NaN, expected a finite number");
                    throw new BadInputException(where + "the value " + DataIo.quote(row.get(j)) + " is infinite (or beyond the f32 range), expected a finite number");
                }
                x.add(v);
            }
            String label = unlabeled ? "0" : row.get(labelCol);
            if (label.isEmpty()) {
                throw new BadInputException(path + " line " + lineNo + ", " + column(labelCol) + ": the label is empty");
            }
            if (labels.size() == labelLines.length) labelLines = Arrays.copyOf(labelLines, labelLines.length * 2);
            labelLines[labels.size()] = lineNo;
            labels.add(label);
        }

        private Dataset build() {
            int n = labels.size();
            int d = unlabeled ? columns : columns - 1;
            int[] y = new int[n];
            List<String> names;
            if (known != null) {
                Map<String, Integer> index = new HashMap<>();
                for (int i = 0; i < known.size(); i++) {
                    String k = known.get(i);
                    String ik = integerLabel(k);
                    index.putIfAbsent(ik != null ? ik : k, i);
                }
                for (int i = 0; i < n; i++) {
                    String l = labels.get(i), il = integerLabel(l);
                    Integer c = index.get(il != null ? il : l);
                    if (c == null) {
                        throw new BadInputException(path + " line " + labelLines[i] + ", " + column(labelCol) + ": label "
                                + DataIo.quote(l) + " is not one of the " + known.size() + " known classes");
                    }
                    y[i] = c;
                }
                names = known;
            } else {
                String[] ints = new String[n];
                boolean allInts = true;
                for (int i = 0; i < n && allInts; i++) {
                    ints[i] = integerLabel(labels.get(i));
                    allInts = ints[i] != null;
                }
                if (allInts) {
                    long[] v = new long[n];
                    long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
                    TreeSet<Long> distinct = new TreeSet<>();
                    for (int i = 0; i < n; i++) {
                        v[i] = Long.parseLong(ints[i]);
                        min = Math.min(min, v[i]);
                        max = Math.max(max, v[i]);
                        distinct.add(v[i]);
                    }
                    // Only 0..K-1 with every class present are indices: gaps would make classes with no example.
                    if (min == 0 && max == distinct.size() - 1) {
                        for (int i = 0; i < n; i++) y[i] = (int) v[i];
                        names = null;
                    } else {
                        Map<Long, Integer> index = new HashMap<>();
                        names = new ArrayList<>();
                        for (long c : distinct) {
                            index.put(c, names.size());
                            names.add(Long.toString(c));
                        }
                        for (int i = 0; i < n; i++) y[i] = index.get(v[i]);
                    }
                } else {
                    TreeSet<String> distinct = new TreeSet<>(labels);
                    Map<String, Integer> index = new HashMap<>();
                    names = new ArrayList<>();
                    for (String c : distinct) {
                        index.put(c, names.size());
                        names.add(c);
                    }
                    for (int i = 0; i < n; i++) y[i] = index.get(labels.get(i));
                }
            }
            int numClasses = names != null ? names.size() : Arrays.stream(y).max().orElse(-1) + 1;
            Arena arena = dev.tuna.tensor.NativeMemory.shared();
            try {
                Tensor xt = Tensor.empty(Shape.of(n, d), DType.F32, arena);
                x.copyTo(xt.data());
                Tensor yt = Tensor.empty(Shape.of(n), DType.I32, arena);
                MemorySegment.copy(y, 0, yt.data(), ValueLayout.JAVA_INT_UNALIGNED, 0, n);
                return new Dataset(xt, yt, numClasses, names, arena);
            } catch (RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }
    }
}
