package dev.tuna.tensor;

import java.util.Arrays;

/** An immutable list of dimensions, row-major. */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        long s = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            s *= d;
        }
        this.dims = dims;
        this.size = s;
    }

    public static Shape of(int... dims) { return new Shape(dims.clone()); }

    public int rank() { return dims.length; }

    /** Dimension i; negative i counts from the end. */
    public int dim(int i) { return dims[i < 0 ? dims.length + i : i]; }

    public long size() { return size; }

    public int[] dims() { return dims.clone(); }

    /** Product of all dimensions but the first (the per-row size of a batch). */
    public long rowSize() { return dims.length == 0 ? 1 : size / Math.max(1, dims[0]); }

    /** The same shape with the first dimension replaced. */
    public Shape withFirst(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    /** Resolves a single -1 entry against this shape's size. */
    public Shape reshape(int... newDims) {
        int[] d = newDims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one -1 allowed in " + Arrays.toString(newDims));
                infer = i;
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(newDims));
            }
            d[infer] = (int) (size / known);
        }
        Shape s = new Shape(d);
        if (s.size != size) throw new IllegalArgumentException("cannot reshape " + this + " to " + s);
        return s;
    }

    @Override
    public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override
    public int hashCode() { return Arrays.hashCode(dims); }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) b.append(", ");
            b.append(dims[i]);
        }
        return b.append(dims.length == 1 ? ",)" : ")").toString();
    }
}
