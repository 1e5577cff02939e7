package dev.tuna.data.tabular;

import dev.tuna.data.DataIo;
import dev.tuna.data.Dataset;
import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns a table into f32 features, with every statistic taken from the training rows only and then applied unchanged
 * to validation, test and prediction rows.
 *
 * <ul>
 * <li>Numeric columns: missing values are imputed with the training mean (or median, {@link Impute}), then the column
 *     is standardised ((x - mean) / std, population std; a constant column gives 0) or passed through. A column that
 *     had at least one missing value in the training rows also gets a 0/1 indicator feature {@code <name>_missing}
 *     (scikit-learn's {@code add_indicator} with "missing-only"); one without gets none, and a value missing later is
 *     imputed all the same. A column with no value in the training rows is refused: drop it.</li>
 * <li>Categorical columns: the levels are the distinct training values, sorted (by number when all are numbers);
 *     a level unseen in training and a missing value both go to an unknown bucket. one_hot gives one feature per level
 *     ({@code <name>=<level>}) and one for the bucket ({@code <name>_unknown}); embedding gives one feature {@code
 *     <name>} holding the level's index, the bucket being index L (so the layer has L + 1 rows). More levels than
 *     {@link Options#maxOneHotLevels} (one_hot) or {@link Options#maxEmbeddingLevels} (embedding) is refused.</li>
 * <li>The label: classes are the sorted distinct training labels (by number when all are numbers, named then by
 *     their canonical spelling, "3" for "3.0"); values are parsed as numbers. A missing label, or a class not seen in
 *     training, is an error naming the file and line.</li>
 * </ul>
 * Features appear in the file's column order, each column's block followed by its indicator.
 */
public final class TabularPreprocessor {
    /** The format tag of the JSON file, so a wrong file is told apart from a damaged one. */
    public static final String FORMAT = "tuna-tabular-preprocessor";
    public static final int VERSION = 1;

    /** How missing numbers are filled: with the training rows' mean or their median. */
    public enum Impute {
        MEAN, MEDIAN;

        public String id() { return name().toLowerCase(java.util.Locale.ROOT); }

        public static Impute parse(String s, String where) {
            for (Impute i : values()) if (i.id().equals(s == null ? null : s.trim().toLowerCase(java.util.Locale.ROOT))) return i;
            throw new IllegalArgumentException(where + " '" + s + "': expected mean or median");
        }
    }

    /**
     * The caller's choices: per-column treatments (columns not named take their type's default), how to impute, and
     * the most levels a one_hot or embedding column may have.
     */
    public record Options(Map<String, Treatment> treatments, Impute impute, int maxOneHotLevels, int maxEmbeddingLevels) {
        public static final int DEFAULT_MAX_ONE_HOT_LEVELS = 100;
        public static final int DEFAULT_MAX_EMBEDDING_LEVELS = 100_000;
        public static final Options DEFAULT = new Options(Map.of(), Impute.MEAN, DEFAULT_MAX_ONE_HOT_LEVELS, DEFAULT_MAX_EMBEDDING_LEVELS);

        public Options {
            treatments = Map.copyOf(treatments);
            if (impute == null) throw new IllegalArgumentException("impute: expected mean or median");
            if (maxOneHotLevels < 1) throw new IllegalArgumentException("max_one_hot_levels " + maxOneHotLevels + ": expected a positive integer");
            if (maxEmbeddingLevels < 1) throw new IllegalArgumentException("max_embedding_levels " + maxEmbeddingLevels + ": expected a positive integer");
        }

        public Options withTreatment(String column, Treatment t) {
            Map<String, Treatment> m = new HashMap<>(treatments);
            m.put(column, t);
            return new Options(m, impute, maxOneHotLevels, maxEmbeddingLevels);
        }

        public Options withImpute(Impute i) { return new Options(treatments, i, maxOneHotLevels, maxEmbeddingLevels); }

        public Options withMaxOneHotLevels(int n) { return new Options(treatments, impute, n, maxEmbeddingLevels); }

        public Options withMaxEmbeddingLevels(int n) { return new Options(treatments, impute, maxOneHotLevels, n); }

        /**
         * The column types the treatments imply, to read the training file with: one_hot and embedding make a column
         * categorical even when its values are numbers (a zip code), standardize and none make it numeric.
         */
        public Map<String, ColumnType> impliedTypes() {
            Map<String, ColumnType> m = new HashMap<>();
            for (var e : treatments.entrySet()) {
                if (e.getValue() == Treatment.DROP) continue;
                m.put(e.getKey(), e.getValue().categorical() ? ColumnType.CATEGORICAL : ColumnType.NUMERIC);
            }
            return m;
        }
    }

    /** An embedding feature: its index among the features, its column, and the rows its table needs (levels + unknown). */
    public record EmbeddingColumn(int feature, String column, int levels) {}

    /** One column's fitted state. For numbers: fill, mean, scale, indicator; for categories: levels. */
    private record Fit(String name, ColumnType type, Treatment treatment, double fill, double mean, double scale,
                       boolean indicator, List<String> levels, Map<String, Integer> code) {
        int width() {
            return switch (treatment) {
                case DROP -> 0;
                case STANDARDIZE, NONE -> 1 + (indicator ? 1 : 0);
                case ONE_HOT -> levels.size() + 1;
                case EMBEDDING -> 1;
            };
        }
    }

    private final List<Fit> columns;
    private final String labelColumn;
    private final LabelKind labelKind;
    private final List<String> classes;
    private final boolean numericClasses;
    private final Map<String, Integer> classIndex;
    private final Impute impute;
    private final List<String> featureNames;

    private TabularPreprocessor(List<Fit> columns, String labelColumn, LabelKind labelKind, List<String> classes,
                                boolean numericClasses, Impute impute) {
        this.columns = List.copyOf(columns);
        this.labelColumn = labelColumn;
        this.labelKind = labelKind;
        this.classes = List.copyOf(classes);
        this.numericClasses = numericClasses;
        this.impute = impute;
        this.classIndex = new HashMap<>();
        for (int c = 0; c < classes.size(); c++) classIndex.put(classes.get(c), c);
        List<String> names = new ArrayList<>();
        for (Fit f : columns) {
            switch (f.treatment) {
                case DROP -> {}
                case STANDARDIZE, NONE -> {
                    names.add(f.name);
                    if (f.indicator) names.add(f.name + "_missing");
                }
                case ONE_HOT -> {
                    for (String l : f.levels) names.add(f.name + "=" + l);
                    names.add(f.name + "_unknown");
                }
                case EMBEDDING -> names.add(f.name);
            }
        }
        this.featureNames = List.copyOf(names);
    }

    // ---- fitting ----

    /** Fits on the training rows (which must have a label column); the label is read as {@code kind} says. */
    public static TabularPreprocessor fit(TabularTable train, LabelKind kind, Options options) {
        if (!train.hasLabel()) throw new BadInputException(train.source() + ": the training rows need a label column");
        for (String c : options.treatments().keySet()) {
            if (c.equals(train.labelColumn())) {
                throw new BadInputException(train.source() + ": column '" + c + "' is the label; it cannot also be given a treatment");
            }
            if (!train.hasColumn(c)) {
                throw new BadInputException(train.source() + ": no column '" + c + "' (given a treatment): the columns are "
                        + TabularTable.list(train.columnNames()));
            }
        }
        List<Fit> fits = new ArrayList<>();
        for (String name : train.columnNames()) {
            int j = train.col(name);
            ColumnType type = train.type(name);
            Treatment t = options.treatments().getOrDefault(name, type == ColumnType.NUMERIC ? Treatment.STANDARDIZE : Treatment.ONE_HOT);
            checkApplies(train.source(), name, type, t);
            if (t == Treatment.DROP) fits.add(new Fit(name, type, t, 0, 0, 1, false, List.of(), Map.of()));
            else if (type == ColumnType.NUMERIC) fits.add(fitNumbers(train, name, train.numbersView(j), t, options.impute()));
            else fits.add(fitLevels(train, name, train.stringsView(j), t, options));
        }
        String[] labels = train.labelsView();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == null) throw missingLabel(train, i);
        }
        if (kind == LabelKind.VALUES) {
            for (int i = 0; i < labels.length; i++) labelValue(train, i, labels[i]);
            return new TabularPreprocessor(fits, train.labelColumn(), kind, List.of(), false, options.impute());
        }
        boolean numeric = Arrays.stream(labels).allMatch(TabularTable::isDecimal);
        if (numeric) for (int i = 0; i < labels.length; i++) labelValue(train, i, labels[i]); // each finite, or its line is named
        return new TabularPreprocessor(fits, train.labelColumn(), kind, classNames(Arrays.asList(labels)), numeric, options.impute());
    }

    /**
     * The classes that labels (none missing) make, named as {@link #fit} names them: when all are decimal numbers, the
     * distinct values in numeric order, canonically spelt ("2.0" and "2" are one class, "2"), else the distinct
     * strings sorted. A label that is not a finite number among numeric ones is left out ({@link #fit} refuses it).
     */
    public static List<String> classNames(java.util.Collection<String> labels) {
        List<String> classes = new ArrayList<>();
        if (labels.stream().allMatch(TabularTable::isDecimal)) {
            TreeSet<Double> distinct = new TreeSet<>();
            for (String s : labels) {
                double v = TabularTable.finiteNumber(s);
                if (!Double.isNaN(v)) distinct.add(v);
            }
            for (double v : distinct) classes.add(canonical(v));
        } else {
            classes.addAll(new TreeSet<>(labels));
        }
        return classes;
    }

    private static void checkApplies(Path file, String name, ColumnType type, Treatment t) {
        if (t == Treatment.DROP) return;
        if (type == ColumnType.NUMERIC && t.categorical()) {
            throw new BadInputException(file + ": column '" + name + "' is numeric; " + t.id()
                    + " is for categorical columns (read the file with the column declared categorical)");
        }
        if (type == ColumnType.CATEGORICAL && !t.categorical()) {
            throw new BadInputException(file + ": column '" + name + "' is categorical; " + t.id()
                    + " is for numeric columns (use one_hot, embedding or drop)");
        }
    }

    private static Fit fitNumbers(TabularTable train, String name, double[] v, Treatment t, Impute impute) {
        int present = 0;
        double sum = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                present++;
                sum += x;
            }
        }
        if (present == 0) {
            throw new BadInputException(train.source() + ": column '" + name + "' has no value in the " + v.length
                    + " training rows: nothing to learn from it (give it the treatment drop)");
        }
        double mean = sum / present;
        // two passes: the variance from sums of squares loses everything for large values with a small spread
        double ss = 0;
        for (double x : v) if (!Double.isNaN(x)) ss += (x - mean) * (x - mean);
        double std = Math.sqrt(ss / present);
        double fill = impute == Impute.MEAN ? mean : median(v, present);
        boolean indicator = present < v.length;
        if (t == Treatment.NONE) return new Fit(name, ColumnType.NUMERIC, t, fill, 0, 1, indicator, List.of(), Map.of());
        return new Fit(name, ColumnType.NUMERIC, t, fill, mean, std > 0 ? std : 1, indicator, List.of(), Map.of());
    }

    private static double median(double[] v, int present) {
        double[] s = new double[present];
        int k = 0;
        for (double x : v) if (!Double.isNaN(x)) s[k++] = x;
        Arrays.sort(s);
        return present % 2 == 1 ? s[present / 2] : (s[present / 2 - 1] + s[present / 2]) / 2;
    }

    private static Fit fitLevels(TabularTable train, String name, String[] v, Treatment t, Options options) {
        TreeSet<String> distinct = new TreeSet<>();
        for (String s : v) if (s != null) distinct.add(s);
        int limit = t == Treatment.ONE_HOT ? options.maxOneHotLevels() : options.maxEmbeddingLevels();
        if (distinct.size() > limit) {
            String key = t == Treatment.ONE_HOT ? "max_one_hot_levels" : "max_embedding_levels";
            throw new BadInputException(train.source() + ": column '" + name + "' has " + distinct.size() + " levels in the training rows, more than "
                    + key + " (" + limit + ") allows for " + t.id() + ": raise " + key
                    + (t == Treatment.ONE_HOT ? ", give it the treatment embedding," : "") + " or drop it");
        }
        List<String> levels = new ArrayList<>(distinct);
        if (levels.stream().allMatch(TabularTable::isDecimal)) {
            levels.sort(Comparator.comparingDouble((String s) -> Double.parseDouble(s)).thenComparing(Comparator.naturalOrder()));
        }
        return new Fit(name, ColumnType.CATEGORICAL, t, 0, 0, 1, false, levels, codes(levels));
    }

    private static Map<String, Integer> codes(List<String> levels) {
        Map<String, Integer> m = new HashMap<>();
        for (int k = 0; k < levels.size(); k++) m.put(levels.get(k), k);
        return m;
    }

    /** An integral value as an integer ("3"), anything else as Java writes a double. */
    private static String canonical(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }

    private static double labelValue(TabularTable t, int row, String s) {
        double v = TabularTable.finiteNumber(s);
        if (Double.isNaN(v)) {
            throw new BadInputException(t.source() + ":" + t.line(row) + ": label column '" + t.labelColumn() + "': "
                    + DataIo.quote(s) + " is not a finite number, and the labels are values (regression)");
        }
        return v;
    }

    private static BadInputException missingLabel(TabularTable t, int row) {
        return new BadInputException(t.source() + ":" + t.line(row) + ": label column '" + t.labelColumn()
                + "' is missing; every row used for training or evaluation needs a label");
    }

    // ---- what it produces ----

    /** The names of the features, in order; their number is the model's input width. */
    public List<String> featureNames() { return featureNames; }

    public int featureCount() { return featureNames.size(); }

    /** The class names by index (empty when the labels are values). */
    public List<String> classNames() { return classes; }

    public LabelKind labelKind() { return labelKind; }

    /** The label column's name (prediction files may lack it). */
    public String labelColumn() { return labelColumn; }

    public Impute impute() { return impute; }

    /** The embedding features, for a CategoryEmbedding layer (its columns and level counts). */
    public List<EmbeddingColumn> embeddingColumns() {
        List<EmbeddingColumn> out = new ArrayList<>();
        int k = 0;
        for (Fit f : columns) {
            if (f.treatment == Treatment.EMBEDDING) out.add(new EmbeddingColumn(k, f.name, f.levels.size() + 1));
            k += f.width();
        }
        return out;
    }

    /** The types of the columns the features come from, for reading new files as the training file was read. */
    public Map<String, ColumnType> columnTypes() {
        Map<String, ColumnType> m = new LinkedHashMap<>();
        for (Fit f : columns) if (f.treatment != Treatment.DROP) m.put(f.name, f.type);
        return m;
    }

    /** A column's treatment as fitted (the default where none was given). */
    public Treatment treatment(String column) {
        for (Fit f : columns) if (f.name.equals(column)) return f.treatment;
        throw new IllegalArgumentException("no column '" + column + "' in the preprocessor");
    }

    /**
     * Reads new rows (validation, test or prediction data) with the training columns' types, so that, say, a
     * categorical column of numbers keeps its spellings; the label column is read when the file has it.
     */
    public TabularTable read(Path path, CsvLayout layout) {
        List<String> present = TabularTable.columnsOf(path, layout);
        Map<String, ColumnType> types = new HashMap<>();
        for (var e : columnTypes().entrySet()) if (present.contains(e.getKey())) types.put(e.getKey(), e.getValue());
        return TabularTable.read(path, layout, present.contains(labelColumn) ? labelColumn : null, types);
    }

    /** Features and labels of labelled rows (training, validation, test); a missing or unknown label is an error. */
    public Dataset transform(TabularTable t) {
        if (!t.hasLabel() || !t.labelColumn().equals(labelColumn)) {
            throw new BadInputException(t.source() + ": no label column '" + labelColumn + "': the columns are " + TabularTable.list(t.columnNames()));
        }
        return dataset(features(t), t.rows(), featureCount(), labels(t));
    }

    /**
     * Features of rows to predict on, labelled or not: the labels of the data set are placeholders (class 0, or the
     * value 0), as CsvReader.readUnlabeled gives.
     */
    public Dataset transformFeatures(TabularTable t) {
        return dataset(features(t), t.rows(), featureCount(), labelKind == LabelKind.CLASSES ? new int[t.rows()] : new float[t.rows()]);
    }

    /** The features of the rows, row-major [rows, featureCount()]. */
    public float[] features(TabularTable t) {
        int n = t.rows(), d = featureCount();
        float[] x = new float[Math.multiplyExact(n, d)];
        int k = 0;
        for (Fit f : columns) {
            if (f.treatment == Treatment.DROP) continue;
            int j = column(t, f);
            if (f.type == ColumnType.NUMERIC) {
                double[] v = numbers(t, j, f);
                for (int i = 0; i < n; i++) {
                    boolean missing = Double.isNaN(v[i]);
                    x[i * d + k] = (float) (((missing ? f.fill : v[i]) - f.mean) / f.scale);
                    if (f.indicator) x[i * d + k + 1] = missing ? 1f : 0f;
                }
            } else {
                String[] v = strings(t, j, f);
                int unknown = f.levels.size();
                for (int i = 0; i < n; i++) {
                    Integer c = v[i] == null ? null : f.code.get(v[i]);
                    int code = c == null ? unknown : c;
                    if (f.treatment == Treatment.ONE_HOT) x[i * d + k + code] = 1f;
                    else x[i * d + k] = code;
                }
            }
            k += f.width();
        }
        return x;
    }

    /** The raw columns for trees (see {@link TreeFeatures}); labels as {@link #transform} gives them when t has them. */
    public TreeFeatures treeFeatures(TabularTable t) {
        List<String> names = new ArrayList<>(), types = new ArrayList<>();
        for (Fit f : columns) {
            if (f.treatment == Treatment.DROP) continue;
            names.add(f.name);
            types.add(f.type == ColumnType.NUMERIC ? "q" : "c");
        }
        int n = t.rows(), d = names.size();
        float[] x = new float[Math.multiplyExact(n, d)];
        int k = 0;
        for (Fit f : columns) {
            if (f.treatment == Treatment.DROP) continue;
            int j = column(t, f);
            if (f.type == ColumnType.NUMERIC) {
                double[] v = numbers(t, j, f);
                for (int i = 0; i < n; i++) x[i * d + k] = (float) v[i];
            } else {
                String[] v = strings(t, j, f);
                for (int i = 0; i < n; i++) {
                    Integer c = v[i] == null ? null : f.code.get(v[i]);
                    x[i * d + k] = c == null ? Float.NaN : c;
                }
            }
            k++;
        }
        boolean labelled = t.hasLabel() && t.labelColumn().equals(labelColumn);
        Object y = labelled ? labels(t) : labelKind == LabelKind.CLASSES ? new int[n] : new float[n];
        return new TreeFeatures(dataset(x, n, d, y), names, types);
    }

    private int column(TabularTable t, Fit f) {
        if (!t.hasColumn(f.name)) {
            throw new BadInputException(t.source() + ": no column '" + f.name + "', which the model takes as a feature: the columns are "
                    + TabularTable.list(t.columnNames()));
        }
        return t.col(f.name);
    }

    private static double[] numbers(TabularTable t, int j, Fit f) {
        double[] v = t.numbersView(j);
        if (v != null) return v;
        // read as categorical (a caller's types): each value must still be a number
        String[] s = t.stringsView(j);
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i] == null ? Double.NaN : TabularTable.finiteNumber(s[i]);
            if (s[i] != null && Double.isNaN(out[i])) {
                throw new BadInputException(t.source() + ":" + t.line(i) + ": column '" + f.name + "': " + DataIo.quote(s[i])
                        + " is not a finite number, and the model was trained on the column as numeric");
            }
        }
        return out;
    }

    private static String[] strings(TabularTable t, int j, Fit f) {
        String[] v = t.stringsView(j);
        if (v != null) return v;
        throw new BadInputException(t.source() + ": column '" + f.name + "' was read as numbers, but the model takes it as categorical: "
                + "read the file with the preprocessor's column types (TabularPreprocessor.read), which keep the values as written");
    }

    /** int[] class indices or float[] values. */
    private Object labels(TabularTable t) {
        String[] s = t.labelsView();
        int n = s.length;
        if (labelKind == LabelKind.VALUES) {
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                if (s[i] == null) throw missingLabel(t, i);
                y[i] = (float) labelValue(t, i, s[i]);
            }
            return y;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            if (s[i] == null) throw missingLabel(t, i);
            Integer c = classIndex.get(numericClasses && TabularTable.isDecimal(s[i]) ? canonical(labelValue(t, i, s[i])) : s[i]);
            if (c == null) {
                throw new BadInputException(t.source() + ":" + t.line(i) + ": label column '" + labelColumn + "': " + DataIo.quote(s[i])
                        + " is not one of the " + classes.size() + " classes of the training rows (" + TabularTable.list(classes) + ")");
            }
            y[i] = c;
        }
        return y;
    }

    private Dataset dataset(float[] x, int n, int d, Object labels) {
        Arena arena = dev.tuna.tensor.NativeMemory.shared();
        try {
            Tensor xt = Tensor.empty(Shape.of(n, d), DType.F32, arena);
            MemorySegment.copy(x, 0, xt.data(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, x.length);
            if (labels instanceof int[] y) {
                Tensor yt = Tensor.empty(Shape.of(n), DType.I32, arena);
                MemorySegment.copy(y, 0, yt.data(), ValueLayout.JAVA_INT_UNALIGNED, 0, n);
                return new Dataset(xt, yt, classes.size(), classes, arena);
            }
            float[] y = (float[]) labels;
            Tensor yt = Tensor.empty(Shape.of(n), DType.F32, arena);
            MemorySegment.copy(y, 0, yt.data(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
            return new Dataset(xt, yt, 0, null, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    // ---- saving ----

    /** The fitted state as JSON; the format is set out in TabularPreprocessorJson. */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        Map<String, Object> label = new LinkedHashMap<>();
        label.put("column", labelColumn);
        label.put("kind", labelKind == LabelKind.CLASSES ? "classes" : "values");
        if (labelKind == LabelKind.CLASSES) {
            label.put("classes", classes);
            label.put("numeric_classes", numericClasses);
        }
        root.put("label", label);
        root.put("impute", impute.id());
        List<Object> cols = new ArrayList<>();
        for (Fit f : columns) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", f.name);
            c.put("type", f.type.id());
            c.put("treatment", f.treatment.id());
            if (f.treatment == Treatment.STANDARDIZE || f.treatment == Treatment.NONE) {
                c.put("fill", f.fill);
                c.put("mean", f.mean);
                c.put("scale", f.scale);
                c.put("missing_indicator", f.indicator);
            } else if (f.treatment != Treatment.DROP) {
                c.put("levels", f.levels);
            }
            cols.add(c);
        }
        root.put("columns", cols);
        return Json.write(root);
    }

    /** Writes {@link #toJson} to the file. */
    public void save(Path file) {
        try {
            Files.writeString(file, toJson() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot write the preprocessor: " + e.getMessage(), e);
        }
    }

    /** Reads a file written by {@link #save}; a damaged or foreign file is a BadInputException naming it and the key. */
    public static TabularPreprocessor load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw DataIo.error(file, e);
        }
        return fromJson(text, file.toString());
    }

    /** Parses {@link #toJson}'s text; {@code where} (a file name) starts every error message. */
    public static TabularPreprocessor fromJson(String text, String where) {
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(where + ": not a tabular preprocessor: " + e.getMessage(), e);
        }
        try {
            return TabularPreprocessorJson.read(parsed, where);
        } catch (IllegalArgumentException | ClassCastException | NullPointerException e) {
            throw new BadInputException(where + ": not a valid tabular preprocessor: " + e.getMessage(), e);
        }
    }

    /** Rebuilds the preprocessor from what {@link TabularPreprocessorJson} read. */
    static TabularPreprocessor restore(List<ColumnState> columns, String labelColumn, LabelKind kind, List<String> classes,
                                       boolean numericClasses, Impute impute) {
        List<Fit> fits = new ArrayList<>();
        for (ColumnState c : columns) {
            fits.add(new Fit(c.name(), c.type(), c.treatment(), c.fill(), c.mean(), c.scale(), c.indicator(), c.levels(), codes(c.levels())));
        }
        return new TabularPreprocessor(fits, labelColumn, kind, classes, numericClasses, impute);
    }

    /** A column's state as saved. */
    record ColumnState(String name, ColumnType type, Treatment treatment, double fill, double mean, double scale,
                       boolean indicator, List<String> levels) {}
}
