package dev.tuna.data;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Builds data sets from the built-in Fashion-MNIST or from user files (IDX, CSV, NPY). */
public final class DataSources {
    /** Where Debian's dataset-fashion-mnist package installs the files. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /** The environment variable naming a folder with the four Fashion-MNIST IDX files. */
    public static final String DATA_DIR_ENV = "TUNA_DATA_DIR";

    public static final List<String> FASHION_MNIST_CLASSES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Labels must be below this; a larger label is a sign of a wrong file rather than a class index. */
    static final int MAX_CLASSES = 1 << 16;

    private static final float[] BYTE_SCALE = new float[256];

    static {
        for (int i = 0; i < 256; i++) BYTE_SCALE[i] = i / 255f;
    }

    private DataSources() {}

    /**
     * The folder holding Fashion-MNIST: $TUNA_DATA_DIR (or its fashion-mnist subfolder) when set, else
     * /usr/share/datasets/fashion-mnist. Throws BadInputException saying how to install it when absent.
     */
    public static Path findFashionMnist() {
        return findFashionMnist(System.getenv(DATA_DIR_ENV), DEBIAN_FASHION_MNIST);
    }

    static Path findFashionMnist(String envDir, Path systemDir) {
        if (envDir != null && !envDir.isBlank()) {
            Path d = Path.of(envDir);
            if (hasFashionMnist(d)) return d;
            if (hasFashionMnist(d.resolve("fashion-mnist"))) return d.resolve("fashion-mnist");
            throw new BadInputException("Fashion-MNIST not found in " + d + " (from " + DATA_DIR_ENV + "): expected the files "
                    + "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
                    + "(or without .gz) there");
        }
        if (hasFashionMnist(systemDir)) return systemDir;
        throw new BadInputException("Fashion-MNIST not found in " + systemDir + ": install it with `apt-get install dataset-fashion-mnist` "
                + "(Debian) or set " + DATA_DIR_ENV + " to a folder with the four IDX files");
    }

    private static boolean hasFashionMnist(Path dir) {
        for (String prefix : List.of("train", "t10k")) {
            for (String kind : List.of("images-idx3", "labels-idx1")) {
                if (fashionFile(dir, prefix + "-" + kind + "-ubyte") == null) return false;
            }
        }
        return true;
    }

    private static Path fashionFile(Path dir, String base) {
        for (String name : List.of(base + ".gz", base)) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    /** The training (60000) or test (10000) set: images [n, 28, 28, 1] scaled to [0, 1], 10 classes. */
    public static Dataset fashionMnist(boolean train, Path dir) {
        String prefix = train ? "train" : "t10k";
        Path images = fashionFile(dir, prefix + "-images-idx3-ubyte");
        Path labels = fashionFile(dir, prefix + "-labels-idx1-ubyte");
        if (images == null || labels == null) {
            throw new BadInputException(dir.resolve(prefix + "-" + (images == null ? "images-idx3" : "labels-idx1") + "-ubyte.gz")
                    + ": Fashion-MNIST file not found (nor without .gz)");
        }
        Dataset d = fromFiles(images, labels, "idx", null, FASHION_MNIST_CLASSES);
        if (d.featureShape().rank() != 3 || d.featureShape().dim(0) != 28 || d.featureShape().dim(1) != 28) {
            Shape s = d.x().shape();
            d.close();
            throw new BadInputException(images + ": Fashion-MNIST images of shape " + s + ", expected (n, 28, 28)");
        }
        return d;
    }

    /** The format implied by a file name: "csv", "npy" or "idx" (a .gz suffix is ignored); null if unknown. */
    public static String inferFormat(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) name = name.substring(0, name.length() - 3);
        if (name.endsWith(".csv")) return "csv";
        if (name.endsWith(".npy")) return "npy";
        if (name.endsWith(".idx") || name.endsWith("-ubyte") || name.endsWith(".ubyte") || name.matches(".*[-_.]idx[0-9]?([-_.].*)?")) {
            return "idx";
        }
        return null;
    }

    /** {@link #fromFiles(Path, Path, String, String, List)} with classes inferred from the labels. */
    public static Dataset fromFiles(Path features, Path labelsOrNull, String format, String labelColumn) {
        return fromFiles(features, labelsOrNull, format, labelColumn, null);
    }

    /**
     * Loads user data. CSV: one file, labels in a column (labelColumn: a header name or 0-based index, null
     * for the default). IDX and NPY: a features file and a labels file. format is "idx", "csv", "npy" or
     * null to infer it from the file name. IDX/NPY features of rank 3 (n, h, w) become images (n, h, w, 1),
     * rank 1 becomes (n, 1); u8 features are scaled to [0, 1]. Labels are class indices 0..C-1 with C =
     * max + 1, unless classNames is given (e.g. the training set's, for the test set): then C is its size.
     */
    public static Dataset fromFiles(Path features, Path labelsOrNull, String format, String labelColumn, List<String> classNames) {
        String fmt = format != null ? format.trim().toLowerCase(Locale.ROOT) : inferFormat(features);
        if (fmt == null) {
            throw new BadInputException(features + ": cannot tell the data format from the file name: set format to idx, csv or npy");
        }
        switch (fmt) {
            case "csv" -> {
                if (labelsOrNull != null) {
                    throw new BadInputException(labelsOrNull + ": a separate labels file is only for idx and npy data; "
                            + "csv data takes its labels from a column of " + features);
                }
                return CsvReader.read(features, labelColumn, classNames);
            }
            case "idx", "npy" -> {
                if (labelColumn != null) {
                    throw new BadInputException(features + ": label '" + labelColumn + "' names a csv column; " + fmt
                            + " data takes its labels from a separate labels file");
                }
                if (labelsOrNull == null) {
                    throw new BadInputException(features + ": " + fmt + " features need a separate labels file (train_labels / test_labels)");
                }
                return fromTensorFiles(features, labelsOrNull, fmt.equals("idx"), classNames);
            }
            default -> throw new BadInputException("data format '" + format + "': expected idx, csv or npy");
        }
    }

    /**
     * Refuses a NaN or infinite feature where it is read, as the CSV reader does with line and column: left in,
     * it surfaces only as "loss became NaN" epochs later, with nothing pointing at the file.
     */
    static void checkFinite(Path file, Tensor x) {
        java.lang.foreign.MemorySegment m = x.data();
        long n = x.shape().size();
        for (long i = 0; i < n; i++) {
            float v = m.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            if (!Float.isFinite(v)) {
                long row = x.shape().rowSize();
                throw new BadInputException(file + ": example " + (i / row) + ", feature " + (i % row) + " is " + v
                        + "; features must be finite numbers");
            }
        }
    }

    /**
     * IDX or NPY features alone, to predict on: the labels of the data set are all 0 (one class), as for
     * {@link CsvReader#readUnlabeled}. format is "idx", "npy" or null to infer it from the file name.
     */
    public static Dataset unlabeledFeatures(Path features, String format) {
        String fmt = format != null ? format.trim().toLowerCase(Locale.ROOT) : inferFormat(features);
        if (!"idx".equals(fmt) && !"npy".equals(fmt)) {
            throw new BadInputException(features + ": features without labels are read from idx or npy files, not " + (fmt == null ? "an unknown format" : fmt));
        }
        Arena owner = dev.tuna.tensor.NativeMemory.shared();
        try (Arena tmp = Arena.ofConfined()) {
            Tensor x = readFeatures(features, fmt.equals("idx"), owner, tmp);
            Tensor y = Tensor.empty(Shape.of(x.dim(0)), DType.I32, owner);
            y.data().fill((byte) 0);
            return new Dataset(x, y, 1, null, owner);
        } catch (RuntimeException | Error e) {
            owner.close();
            throw e;
        }
    }

    private static Dataset fromTensorFiles(Path features, Path labels, boolean idx, List<String> classNames) {
        Arena owner = dev.tuna.tensor.NativeMemory.shared();
        try (Arena tmp = Arena.ofConfined()) {
            Tensor x = readFeatures(features, idx, owner, tmp);
            Tensor rawY = idx ? IdxReader.read(labels, tmp) : NpyReader.readLabels(labels, tmp);
            Tensor y = labelsToI32(labels, rawY, owner);
            if (y.dim(0) != x.dim(0)) {
                String what = x.rank() == 4 ? "images" : "rows";
                throw new BadInputException(labels + " has " + y.dim(0) + " labels for " + x.dim(0) + " " + what + " in " + features);
            }
            int numClasses = checkLabels(labels, y, classNames);
            return new Dataset(x, y, numClasses, classNames, owner);
        } catch (RuntimeException | Error e) {
            owner.close();
            throw e;
        }
    }

    /** IDX/NPY features as f32 [n, ...] in owner (rank 1 as (n, 1), rank 3 as images (n, h, w, 1)); n >= 1. */
    private static Tensor readFeatures(Path features, boolean idx, Arena owner, Arena tmp) {
        // read straight into the owner when already f32, else through a scratch tensor
        Tensor x;
        if (idx) {
            IdxReader.Header h = IdxReader.header(features);
            Tensor raw = IdxReader.read(features, h.type().tensorType() == DType.F32 ? owner : tmp);
            x = toF32(raw, owner);
        } else {
            NpyReader.Header h = NpyReader.header(features);
            x = NpyReader.read(features, owner);
            if (h.kind() == 'u' && h.itemSize() == 1) scaleBytesInPlace(x);
        }
        if (x.rank() == 0) throw new BadInputException(features + ": a single value, expected an array of examples (n, ...)");
        // Said here, naming the file: an empty training set otherwise surfaces as a puzzling label error later.
        if (x.dim(0) == 0) throw new BadInputException(features + ": no examples: the array has shape " + x.shape() + ", expected at least one example (n >= 1)");
        if (x.rank() == 1) x = x.reshape(x.dim(0), 1);
        else if (x.rank() == 3) x = x.reshape(x.dim(0), x.dim(1), x.dim(2), 1);
        checkFinite(features, x);
        return x;
    }

    private static Tensor toF32(Tensor raw, Arena owner) {
        if (raw.dtype() == DType.F32) return raw;
        Tensor x = Tensor.empty(raw.shape(), DType.F32, owner);
        MemorySegment src = raw.data(), dst = x.data();
        long n = raw.size();
        if (raw.dtype() == DType.U8) {
            for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, BYTE_SCALE[src.get(ValueLayout.JAVA_BYTE, i) & 0xff]);
        } else {
            for (long i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, raw.getFloat(i));
        }
        return x;
    }

    private static void scaleBytesInPlace(Tensor x) {
        MemorySegment d = x.data();
        long n = x.size();
        for (long i = 0; i < n; i++) {
            d.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, BYTE_SCALE[(int) d.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i)]);
        }
    }

    private static Tensor labelsToI32(Path path, Tensor raw, Arena owner) {
        Shape s = raw.shape();
        if (!(s.rank() == 1 || s.rank() == 2 && s.dim(1) == 1)) {
            throw new BadInputException(path + ": labels of shape " + s + ", expected one class index per example, shape (n,)");
        }
        int n = s.dim(0);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, owner);
        if (raw.dtype() == DType.I32) {
            y.data().copyFrom(raw.data());
        } else if (raw.dtype() == DType.U8) {
            for (int i = 0; i < n; i++) y.data().setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, Byte.toUnsignedInt(raw.data().get(ValueLayout.JAVA_BYTE, i)));
        } else {
            for (int i = 0; i < n; i++) {
                float v = raw.getFloat(i);
                if (v != Math.rint(v) || Math.abs(v) > 1e9f) {
                    throw new BadInputException(path + ": label " + v + " at index " + i + " is not an integer class index");
                }
                y.data().setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) v);
            }
        }
        return y;
    }

    /**
     * Checks labels are class indices; returns the number of classes. Without classNames (a training set) the
     * classes are 0..max, so every one of them must occur: labels such as {0, 1, 9} would otherwise make seven
     * classes with no example, a sign of labels that are not class indices (or of the wrong labels file).
     * A test set (classNames given) may lack classes.
     */
    static int checkLabels(Path path, Tensor y, List<String> classNames) {
        int n = y.dim(0);
        int max = -1;
        MemorySegment d = y.data();
        for (int i = 0; i < n; i++) {
            int v = d.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
            if (v < 0) throw new BadInputException(path + ": label " + v + " at index " + i + " is negative: expected class indices 0..C-1");
            if (classNames != null && v >= classNames.size()) {
                throw new BadInputException(path + ": label " + v + " at index " + i + " is not a class index below " + classNames.size());
            }
            if (v >= MAX_CLASSES) {
                throw new BadInputException(path + ": label " + v + " at index " + i + " is too large for a class index (at most " + (MAX_CLASSES - 1) + ")");
            }
            max = Math.max(max, v);
        }
        if (classNames != null) return classNames.size();
        java.util.BitSet seen = new java.util.BitSet(max + 1);
        for (int i = 0; i < n; i++) seen.set(d.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i));
        if (seen.cardinality() != max + 1) {
            throw new BadInputException(path + ": the labels are not the class indices 0.." + max + ": observed " + setOf(seen)
                    + ", so " + (max + 1 - seen.cardinality()) + " of the " + (max + 1) + " classes would have no example; "
                    + "expected every class 0..K-1 to occur (renumber the labels, or use CSV, which maps any labels to named classes)");
        }
        return max + 1;
    }

    /** A set of labels as {0, 1, 9}, cut short after 20 values. */
    private static String setOf(java.util.BitSet s) {
        StringBuilder b = new StringBuilder("{");
        int shown = 0;
        for (int v = s.nextSetBit(0); v >= 0; v = s.nextSetBit(v + 1)) {
            if (shown == 20) {
                b.append(", ... (").append(s.cardinality()).append(" values)");
                break;
            }
            if (shown++ > 0) b.append(", ");
            b.append(v);
        }
        return b.append('}').toString();
    }
}
