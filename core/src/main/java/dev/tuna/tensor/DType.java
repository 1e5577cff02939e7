package dev.tuna.tensor;

/** Element types a tensor can hold; floating types are computed in f32 on the CPU. */
public enum DType {
    F32(4, true), F16(2, true), BF16(2, true), I32(4, false), U8(1, false);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    public int byteSize() { return byteSize; }

    public boolean isFloating() { return floating; }

    /** Lower-case name as used in YAML and file formats ("f32", "bf16"). */
    public String id() { return name().toLowerCase(java.util.Locale.ROOT); }
}
