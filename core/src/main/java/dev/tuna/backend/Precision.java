package dev.tuna.backend;

import dev.tuna.tensor.HalfFloats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * Keras' mixed-precision policies. {@code float32} computes in f32. The mixed policies keep f32 master weights and
 * optimizer state, compute layers in a 16-bit format, and keep softmax, the loss, reductions and updates in f32;
 * {@code mixed_float16} also needs dynamic loss scaling, because f16 flushes gradients below 6e-8 to zero and
 * overflows above 65504, while bfloat16 has f32's exponent range.
 */
public enum Precision {
    FLOAT32, MIXED_FLOAT16, MIXED_BFLOAT16;

    public static Precision parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "': expected float32, mixed_float16 or mixed_bfloat16");
        }
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public boolean mixed() { return this != FLOAT32; }

    /** Only f16 needs the loss scaled (its exponent range is narrow). */
    public boolean lossScaling() { return this == MIXED_FLOAT16; }

    /** The value an f32 takes when stored in this policy's compute format (round to nearest even). */
    public float round(float f) {
        return switch (this) {
            case FLOAT32 -> f;
            case MIXED_FLOAT16 -> HalfFloats.fromF16(HalfFloats.toF16(f));
            case MIXED_BFLOAT16 -> HalfFloats.fromBF16(HalfFloats.toBF16(f));
        };
    }

    /** Rounds n f32 values in place to the compute format (how the CPU emulates a half-precision store). */
    public void roundInPlace(MemorySegment s, long n) {
        if (this == FLOAT32) return;
        for (long i = 0; i < n; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, round(s.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
    }
}
