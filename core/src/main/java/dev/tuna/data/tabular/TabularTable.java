package dev.tuna.data.tabular;

import dev.tuna.data.DataIo;
import dev.tuna.errors.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A table read from a delimited text file: named feature columns, each numeric (doubles, NaN where missing) or
 * categorical (strings as written, null where missing), and optionally a label column kept as its raw strings so the
 * caller decides later whether it holds classes or values.
 *
 * <p>Missing values are the fields that, trimmed, are empty or spell {@code NA}, {@code N/A}, {@code NaN}, {@code ?}
 * or {@code null}, in any case ({@link #MISSING}). A column is numeric when every value in it that is not missing
 * parses as a decimal number (so a column with no values at all is numeric), unless the caller's types say
 * otherwise; a number in a categorical column is a category spelled as written ("1" and "1.0" differ). Infinite
 * numbers are refused: no model can use them. The rows keep the file line they start on, for messages.
 */
public final class TabularTable {
    /** The spellings of a missing value, lower-cased: compared with a field trimmed and lower-cased. */
    public static final Set<String> MISSING = Set.of("", "na", "n/a", "nan", "?", "null");

    private final Path source;
    private final List<String> names;
    private final Map<String, Integer> index;
    private final ColumnType[] types;
    private final double[][] numbers;
    private final String[][] strings;
    private final String label;
    private final String[] labels;
    private final int[] lines;

    private TabularTable(Path source, List<String> names, ColumnType[] types, double[][] numbers, String[][] strings,
                         String label, String[] labels, int[] lines) {
        this.source = source;
        this.names = List.copyOf(names);
        this.index = new HashMap<>();
        for (int j = 0; j < names.size(); j++) index.put(names.get(j), j);
        this.types = types;
        this.numbers = numbers;
        this.strings = strings;
        this.label = label;
        this.labels = labels;
        this.lines = lines;
    }

    /** Reads a comma-separated file with a header; label names its label column, or is null for a file without one. */
    public static TabularTable read(Path path, String label) { return read(path, CsvLayout.DEFAULT, label, Map.of()); }

    /**
     * Reads a file laid out as {@code layout} says. label names the label column (null: none; a name the file lacks
     * is an error that lists the columns it has). types forces the type of the columns it names (a name the file
     * lacks is an error); the others are inferred. A gzipped file is read transparently, a UTF-8 BOM ignored.
     */
    public static TabularTable read(Path path, CsvLayout layout, String label, Map<String, ColumnType> types) {
        try (BufferedReader in = open(path)) {
            return parse(path, in, layout, label, types);
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    /** The column names of a file (its header, or the layout's names), label included, without reading the rows. */
    public static List<String> columnsOf(Path path, CsvLayout layout) {
        try (BufferedReader in = open(path)) {
            CsvRecords r = new CsvRecords(in, path, layout.delimiter());
            r.skipLines(layout.skipLines());
            return List.of(header(path, r, layout));
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    private static BufferedReader open(Path path) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(DataIo.open(path), StandardCharsets.UTF_8), 1 << 16);
        in.mark(1);
        if (in.read() != '\uFEFF') in.reset();
        return in;
    }

    /** The header's names, or the layout's (peeking at the first row for their number when generated). */
    private static String[] header(Path path, CsvRecords r, CsvLayout layout) throws IOException {
        if (layout.header()) {
            String[] h = r.next();
            if (h == null) throw new BadInputException(path + ": the file is empty: expected a header line naming the columns");
            Set<String> seen = new LinkedHashSet<>();
            for (int j = 0; j < h.length; j++) {
                if (h[j].isEmpty()) throw new BadInputException(path + ":" + r.line() + ": column " + (j + 1) + " of the header has no name");
                if (!seen.add(h[j])) throw new BadInputException(path + ":" + r.line() + ": column '" + h[j] + "' is named twice in the header");
            }
            return h;
        }
        if (layout.names() != null) return layout.names().toArray(new String[0]);
        return null;
    }

    private static TabularTable parse(Path path, BufferedReader in, CsvLayout layout, String label, Map<String, ColumnType> types)
            throws IOException {
        CsvRecords r = new CsvRecords(in, path, layout.delimiter());
        r.skipLines(layout.skipLines());
        String[] header = header(path, r, layout);
        int headerLine = layout.header() ? r.line() : 0;
        List<String[]> rows = new ArrayList<>();
        List<Integer> rowLines = new ArrayList<>();
        String[] rec;
        while ((rec = r.next()) != null) {
            if (header == null) {
                header = new String[rec.length];
                for (int j = 0; j < rec.length; j++) header[j] = "c" + j;
            }
            if (rec.length != header.length) {
                String where = headerLine > 0 ? "as in the header (line " + headerLine + ")"
                        : layout.names() != null ? "as the column names given" : "as in the first row";
                throw new BadInputException(path + ":" + r.line() + ": " + rec.length + " field" + (rec.length == 1 ? "" : "s")
                        + ", expected " + header.length + " " + where);
            }
            rows.add(rec);
            rowLines.add(r.line());
        }
        if (header == null) throw new BadInputException(path + ": the file has no rows");
        if (rows.isEmpty()) throw new BadInputException(path + ": the file has a header but no rows");
        List<String> all = Arrays.asList(header);
        int labelCol = -1;
        if (label != null) {
            labelCol = all.indexOf(label);
            if (labelCol < 0) throw new BadInputException(path + ": no label column '" + label + "': the columns are " + list(all));
        }
        for (String t : types.keySet()) {
            if (!all.contains(t)) throw new BadInputException(path + ": column '" + t + "' (given a type) is not in the file: the columns are " + list(all));
        }
        int n = rows.size();
        int[] lines = rowLines.stream().mapToInt(Integer::intValue).toArray();
        List<String> names = new ArrayList<>();
        List<ColumnType> colTypes = new ArrayList<>();
        List<double[]> nums = new ArrayList<>();
        List<String[]> strs = new ArrayList<>();
        String[] labels = null;
        for (int j = 0; j < header.length; j++) {
            String[] v = new String[n];
            for (int i = 0; i < n; i++) {
                String f = rows.get(i)[j];
                v[i] = isMissing(f) ? null : f;
            }
            if (j == labelCol) {
                labels = v;
                continue;
            }
            ColumnType t = types.get(header[j]);
            if (t == null) t = allNumbers(v) ? ColumnType.NUMERIC : ColumnType.CATEGORICAL;
            names.add(header[j]);
            colTypes.add(t);
            if (t == ColumnType.NUMERIC) {
                nums.add(toNumbers(path, header[j], v, lines));
                strs.add(null);
            } else {
                nums.add(null);
                strs.add(intern(v));
            }
        }
        return new TabularTable(path, names, colTypes.toArray(new ColumnType[0]), nums.toArray(new double[0][]),
                strs.toArray(new String[0][]), label, labels, lines);
    }

    /** Whether a field spells a missing value ({@link #MISSING}). */
    public static boolean isMissing(String field) {
        if (field == null) return true;
        String t = field.strip();
        return t.length() <= 4 && MISSING.contains(t.toLowerCase(Locale.ROOT));
    }

    private static boolean allNumbers(String[] v) {
        for (String s : v) if (s != null && !looksNumeric(s)) return false;
        return true;
    }

    /** A decimal number as CSV files write them (sign, digits, point, exponent), or an infinity spelled as numpy and Java do. */
    static boolean looksNumeric(String s) {
        return isDecimal(s) || isInfinity(s);
    }

    private static boolean isInfinity(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        return l.equals("inf") || l.equals("+inf") || l.equals("-inf") || l.equals("infinity") || l.equals("+infinity") || l.equals("-infinity");
    }

    /** Stricter than Double.parseDouble, which also takes hex, "1f", "2d" and surrounding control characters. */
    static boolean isDecimal(String s) {
        int i = 0, n = s.length();
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
        int digits = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') { i++; digits++; }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') { i++; digits++; }
        }
        if (digits == 0) return false;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int exp = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') { i++; exp++; }
            if (exp == 0) return false;
        }
        return i == n;
    }

    /** The value of a decimal number that is finite as a double, else NaN. */
    static double finiteNumber(String s) {
        if (!isDecimal(s)) return Double.NaN;
        double d = Double.parseDouble(s);
        return Double.isFinite(d) ? d : Double.NaN;
    }

    private static double[] toNumbers(Path path, String column, String[] v, int[] lines) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            String s = v[i];
            if (s == null) {
                out[i] = Double.NaN;
                continue;
            }
            if (!isDecimal(s)) {
                throw new BadInputException(path + ":" + lines[i] + ": column '" + column + "': " + DataIo.quote(s)
                        + (isInfinity(s) ? " is not a finite number: features must be finite (write a missing value as empty or NA)"
                                : " is not a number, and the column is numeric (declare it categorical to treat its values as categories)"));
            }
            double d = Double.parseDouble(s);
            if (!Double.isFinite(d)) {
                throw new BadInputException(path + ":" + lines[i] + ": column '" + column + "': " + DataIo.quote(s) + " overflows a double");
            }
            out[i] = d;
        }
        return out;
    }

    /** One String per distinct value, so a column of a few levels over many rows costs a reference per row. */
    private static String[] intern(String[] v) {
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < v.length; i++) if (v[i] != null) v[i] = seen.computeIfAbsent(v[i], s -> s);
        return v;
    }

    static String list(List<String> names) {
        int shown = Math.min(names.size(), 20);
        StringBuilder b = new StringBuilder();
        for (int j = 0; j < shown; j++) b.append(j == 0 ? "" : ", ").append('\'').append(names.get(j)).append('\'');
        if (shown < names.size()) b.append(", ... (").append(names.size()).append(" columns)");
        return b.toString();
    }

    /** The file the table was read from (for messages). */
    public Path source() { return source; }

    /** The number of rows. */
    public int rows() { return lines.length; }

    /** The feature columns in file order, the label column left out. */
    public List<String> columnNames() { return names; }

    public boolean hasColumn(String name) { return index.containsKey(name); }

    /** A feature column's type; throws BadInputException naming the columns there are when it has none of that name. */
    public ColumnType type(String column) { return types[col(column)]; }

    /** A numeric column's values, NaN where missing (a copy). */
    public double[] numbers(String column) {
        int j = col(column);
        if (numbers[j] == null) throw new IllegalArgumentException("column '" + column + "' is categorical");
        return numbers[j].clone();
    }

    /** A categorical column's values, null where missing (a copy). */
    public String[] strings(String column) {
        int j = col(column);
        if (strings[j] == null) throw new IllegalArgumentException("column '" + column + "' is numeric");
        return strings[j].clone();
    }

    /** The label column's name, or null when the table has none. */
    public String labelColumn() { return label; }

    public boolean hasLabel() { return label != null; }

    /** The label column's fields as written, null where missing (a copy); throws when the table has no label column. */
    public String[] labels() {
        if (labels == null) throw new IllegalStateException(source + ": the table has no label column");
        return labels.clone();
    }

    /** The 1-based file line on which row i starts. */
    public int line(int row) { return lines[row]; }

    /** Rows [start, start + count) as a new table (e.g. the training part of a split, to fit a preprocessor on). */
    public TabularTable slice(int start, int count) {
        if (start < 0 || count < 0 || (long) start + count > rows()) {
            throw new IndexOutOfBoundsException("rows [" + start + ", " + ((long) start + count) + ") of a table of " + rows());
        }
        int end = start + count;
        double[][] nums = new double[numbers.length][];
        String[][] strs = new String[strings.length][];
        for (int j = 0; j < names.size(); j++) {
            if (numbers[j] != null) nums[j] = Arrays.copyOfRange(numbers[j], start, end);
            if (strings[j] != null) strs[j] = Arrays.copyOfRange(strings[j], start, end);
        }
        return new TabularTable(source, names, types, nums, strs, label,
                labels == null ? null : Arrays.copyOfRange(labels, start, end), Arrays.copyOfRange(lines, start, end));
    }

    int col(String column) {
        Integer j = index.get(column);
        if (j == null) throw new BadInputException(source + ": no column '" + column + "': the columns are " + list(names));
        return j;
    }

    double[] numbersView(int j) { return numbers[j]; }

    String[] stringsView(int j) { return strings[j]; }

    String[] labelsView() { return labels; }

    @Override
    public String toString() {
        return "TabularTable(" + source + ", " + rows() + " rows, " + names.size() + " columns" + (label == null ? "" : ", label '" + label + "'") + ")";
    }
}
