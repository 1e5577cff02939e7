package dev.tuna.data;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A labelled data set on the host: features {@code x} (f32, shape [n, ...], images channels-last as [n, h, w, c])
 * and labels {@code y}: class indices (i32, shape [n], in [0, numClasses)) for classification and binary tasks,
 * or values (f32, shape [n], numClasses 0) for regression.
 * A data set made by a reader owns a shared {@link Arena} holding both tensors, released by
 * {@link #close()}; views ({@link #split}, {@link #flattenFeatures}) share that memory, own nothing and
 * must not outlive their owner.
 */
public final class Dataset implements AutoCloseable {
    private final Tensor x;
    private final Tensor y;
    private final int numClasses;
    private final List<String> classNames;
    private final Arena arena;
    private boolean closed;

    /**
     * Wraps tensors as a data set. {@code owner} is the arena holding them (closed by {@link #close()}),
     * or null for a view whose memory belongs to someone else. Class names may be null (then "0", "1", ...).
     */
    public Dataset(Tensor x, Tensor y, int numClasses, List<String> classNames, Arena owner) {
        this.x = Objects.requireNonNull(x, "x");
        this.y = Objects.requireNonNull(y, "y");
        if (x.dtype() != DType.F32) throw new IllegalArgumentException("features must be f32, not " + x.dtype().id());
        if (y.dtype() != DType.I32 && y.dtype() != DType.F32) throw new IllegalArgumentException("labels must be i32 classes or f32 values, not " + y.dtype().id());
        if (y.dtype() == DType.F32 && numClasses != 0) throw new IllegalArgumentException("value labels (regression) have no classes, not " + numClasses);
        if (x.device().kind() != Device.Kind.CPU || y.device().kind() != Device.Kind.CPU) {
            throw new IllegalArgumentException("a data set lives on the host");
        }
        if (x.rank() < 1 || y.rank() != 1) {
            throw new IllegalArgumentException("expected features [n, ...] and labels [n], got " + x.shape() + " and " + y.shape());
        }
        if (x.dim(0) != y.dim(0)) {
            throw new IllegalArgumentException(y.dim(0) + " labels for " + x.dim(0) + " feature rows");
        }
        if (numClasses < 0) throw new IllegalArgumentException("negative number of classes " + numClasses);
        this.numClasses = numClasses;
        if (classNames == null) {
            List<String> names = new ArrayList<>(numClasses);
            for (int i = 0; i < numClasses; i++) names.add(Integer.toString(i));
            this.classNames = List.copyOf(names);
        } else {
            if (classNames.size() != numClasses) {
                throw new IllegalArgumentException(classNames.size() + " class names for " + numClasses + " classes");
            }
            this.classNames = List.copyOf(classNames);
        }
        this.arena = owner;
    }

    /** Features, f32 [n, ...]. */
    public Tensor x() { return x; }

    /** Labels: i32 class indices [n], or f32 values [n] for regression. */
    public Tensor y() { return y; }

    /** Whether the labels are values (regression) rather than class indices. */
    public boolean hasValueLabels() { return y.dtype() == DType.F32; }

    /** The labels on the Java heap (a copy). */
    public dev.tuna.task.Labels labels() {
        return hasValueLabels() ? dev.tuna.task.Labels.values(y.toFloatArray()) : dev.tuna.task.Labels.classes(y.toIntArray());
    }

    /** Number of examples n. */
    public int size() { return x.dim(0); }

    public int numClasses() { return numClasses; }

    /** Names of the classes by index (the original label strings for CSV data, "0".."C-1" otherwise). */
    public List<String> classNames() { return classNames; }

    /** The shape of one example (x's shape without the first dimension). */
    public Shape featureShape() {
        int[] d = x.shape().dims();
        return Shape.of(Arrays.copyOfRange(d, 1, d.length));
    }

    /** True when this data set owns its memory (close frees it); false for views. */
    public boolean ownsMemory() { return arena != null; }

    /** A view of rows [start, start + count), sharing memory with this data set. */
    public Dataset split(int start, int count) {
        if (start < 0 || count < 0 || (long) start + count > size()) {
            throw new IndexOutOfBoundsException("rows [" + start + ", " + ((long) start + count) + ") of a data set of " + size());
        }
        return new Dataset(x.rows(start, count), y.rows(start, count), numClasses, classNames, null);
    }

    /** A view with the features flattened to [n, d]. */
    public Dataset flattenFeatures() {
        int d = Math.toIntExact(x.shape().rowSize());
        return new Dataset(x.reshape(Shape.of(size(), d)), y, numClasses, classNames, null);
    }

    /**
     * A new data set owning a copy of a's rows followed by b's (e.g. train + validation for retraining).
     * Both must have the same feature shape; the class count is the larger of the two.
     */
    public static Dataset concat(Dataset a, Dataset b) {
        if (!a.featureShape().equals(b.featureShape())) {
            throw new IllegalArgumentException("cannot concatenate examples of shape " + a.featureShape() + " and " + b.featureShape());
        }
        Dataset wide = a.numClasses >= b.numClasses ? a : b;
        Dataset narrow = wide == a ? b : a;
        if (!wide.classNames.subList(0, narrow.numClasses).equals(narrow.classNames)) {
            throw new IllegalArgumentException("cannot concatenate data sets with different class names");
        }
        int n = Math.addExact(a.size(), b.size());
        Arena arena = dev.tuna.tensor.NativeMemory.shared();
        try {
            Tensor x = Tensor.empty(a.x.shape().withFirst(n), DType.F32, arena);
            if (a.y.dtype() != b.y.dtype()) throw new IllegalArgumentException("cannot concatenate class labels with value labels");
            Tensor y = Tensor.empty(Shape.of(n), a.y.dtype(), arena);
            MemorySegment.copy(a.x.data(), 0, x.data(), 0, a.x.data().byteSize());
            MemorySegment.copy(b.x.data(), 0, x.data(), a.x.data().byteSize(), b.x.data().byteSize());
            MemorySegment.copy(a.y.data(), 0, y.data(), 0, a.y.data().byteSize());
            MemorySegment.copy(b.y.data(), 0, y.data(), a.y.data().byteSize(), b.y.data().byteSize());
            return new Dataset(x, y, wide.numClasses, wide.classNames, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Frees the memory of an owning data set (views of it become invalid); a no-op for views. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (arena != null) arena.close();
    }

    @Override
    public String toString() {
        return "Dataset(" + size() + " examples of " + featureShape() + ", " + (hasValueLabels() ? "value labels" : numClasses + " classes") + ")";
    }
}
