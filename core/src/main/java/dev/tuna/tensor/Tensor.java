package dev.tuna.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A dense, row-major array over off-heap memory. On the host its storage is a {@link MemorySegment} of
 * exactly {@code shape.size() * dtype.byteSize()} bytes; on a CUDA device the segment holds the device
 * address and is never dereferenced on the host. Views (reshape, row slices) share storage.
 */
public final class Tensor {
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final Shape shape;
    private final DType dtype;
    private final Device device;
    private final MemorySegment data;

    public Tensor(Shape shape, DType dtype, Device device, MemorySegment data) {
        this.shape = Objects.requireNonNull(shape);
        this.dtype = Objects.requireNonNull(dtype);
        this.device = Objects.requireNonNull(device);
        this.data = Objects.requireNonNull(data);
        if (device.kind() == Device.Kind.CPU && data.byteSize() != shape.size() * dtype.byteSize()) {
            throw new IllegalArgumentException("storage of " + data.byteSize() + " bytes does not fit " + shape + " " + dtype.id());
        }
    }

    /** Uninitialised host tensor in the current {@link MemoryScope}. */
    public static Tensor empty(Shape shape, DType dtype) { return empty(shape, dtype, MemoryScope.current()); }

    public static Tensor empty(Shape shape, DType dtype, SegmentAllocator allocator) {
        MemorySegment seg = allocator.allocate(Math.max(1, shape.size() * dtype.byteSize()), 64);
        if (seg.byteSize() != shape.size() * dtype.byteSize()) seg = seg.asSlice(0, shape.size() * dtype.byteSize());
        return new Tensor(shape, dtype, Device.CPU, seg);
    }

    public static Tensor empty(DType dtype, int... dims) { return empty(Shape.of(dims), dtype); }

    public static Tensor zeros(Shape shape, DType dtype) {
        Tensor t = empty(shape, dtype);
        t.data.fill((byte) 0);
        return t;
    }

    public static Tensor zeros(int... dims) { return zeros(Shape.of(dims), DType.F32); }

    /** An f32 tensor holding a copy of the values. */
    public static Tensor of(float[] values, int... dims) {
        Shape s = Shape.of(dims);
        if (s.size() != values.length) throw new IllegalArgumentException(values.length + " values do not fill " + s);
        Tensor t = empty(s, DType.F32);
        MemorySegment.copy(values, 0, t.data, F, 0, values.length);
        return t;
    }

    /** An i32 tensor holding a copy of the values. */
    public static Tensor ofInts(int[] values, int... dims) {
        Shape s = Shape.of(dims);
        if (s.size() != values.length) throw new IllegalArgumentException(values.length + " values do not fill " + s);
        Tensor t = empty(s, DType.I32);
        MemorySegment.copy(values, 0, t.data, I, 0, values.length);
        return t;
    }

    public Shape shape() { return shape; }

    public DType dtype() { return dtype; }

    public Device device() { return device; }

    public MemorySegment data() { return data; }

    public long size() { return shape.size(); }

    public int dim(int i) { return shape.dim(i); }

    public int rank() { return shape.rank(); }

    /** A view with another shape over the same storage (one dimension may be -1). */
    public Tensor reshape(int... dims) { return new Tensor(shape.reshape(dims), dtype, device, data); }

    public Tensor reshape(Shape s) {
        if (s.size() != shape.size()) throw new IllegalArgumentException("cannot reshape " + shape + " to " + s);
        return new Tensor(s, dtype, device, data);
    }

    /** A view of rows [start, start+count) along the first dimension. */
    public Tensor rows(int start, int count) {
        long row = shape.rowSize() * dtype.byteSize();
        return new Tensor(shape.withFirst(count), dtype, device, data.asSlice(start * row, count * row));
    }

    /** Element i (flat index) as a float, whatever the dtype. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(F, i);
            case F16 -> HalfFloats.fromF16(data.getAtIndex(S, i));
            case BF16 -> HalfFloats.fromBF16(data.getAtIndex(S, i));
            case I32 -> data.getAtIndex(I, i);
            case U8 -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
        };
    }

    /** Stores a float at flat index i, rounding to the dtype (nearest even for f16/bf16). */
    public void setFloat(long i, float v) {
        switch (dtype) {
            case F32 -> data.setAtIndex(F, i, v);
            case F16 -> data.setAtIndex(S, i, HalfFloats.toF16(v));
            case BF16 -> data.setAtIndex(S, i, HalfFloats.toBF16(v));
            case I32 -> data.setAtIndex(I, i, (int) v);
            case U8 -> data.set(ValueLayout.JAVA_BYTE, i, (byte) Math.max(0, Math.min(255, Math.round(v))));
        }
    }

    public int getInt(long i) {
        return dtype == DType.I32 ? data.getAtIndex(I, i) : (int) getFloat(i);
    }

    public void setInt(long i, int v) {
        if (dtype == DType.I32) data.setAtIndex(I, i, v);
        else setFloat(i, v);
    }

    /** Copies the values out as floats. */
    public float[] toFloatArray() {
        requireHost();
        float[] out = new float[Math.toIntExact(size())];
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) out[i] = getFloat(i);
        }
        return out;
    }

    public int[] toIntArray() {
        requireHost();
        int[] out = new int[Math.toIntExact(size())];
        for (int i = 0; i < out.length; i++) out[i] = getInt(i);
        return out;
    }

    /** A copy in another dtype in the current scope (floats round to nearest even). */
    public Tensor to(DType target) {
        requireHost();
        Tensor out = empty(shape, target);
        if (target == dtype) {
            out.data.copyFrom(data);
        } else {
            for (long i = 0; i < size(); i++) out.setFloat(i, getFloat(i));
        }
        return out;
    }

    /** A copy in the current scope. */
    public Tensor copy() { return to(dtype); }

    /** Copies src's elements into this tensor (same size and dtype). */
    public void copyFrom(Tensor src) {
        requireHost();
        src.requireHost();
        if (src.size() != size() || src.dtype != dtype) {
            throw new IllegalArgumentException("cannot copy " + src + " into " + this);
        }
        data.copyFrom(src.data);
    }

    public void fill(float v) {
        requireHost();
        if (dtype == DType.F32 && v == 0f) {
            data.fill((byte) 0);
            return;
        }
        for (long i = 0; i < size(); i++) setFloat(i, v);
    }

    private void requireHost() {
        if (device.kind() != Device.Kind.CPU) throw new IllegalStateException("tensor is on " + device + ", not the host");
    }

    @Override
    public String toString() { return "Tensor" + shape + " " + dtype.id() + " on " + device; }
}
