package dev.tuna.tensor;

/** Conversions between f32 and the 16-bit float formats, rounding to nearest even. */
public final class HalfFloats {
    private HalfFloats() {}

    /** IEEE binary16; the JDK's conversion rounds to nearest even and keeps NaN and infinities. */
    public static short toF16(float f) { return Float.floatToFloat16(f); }

    public static float fromF16(short h) { return Float.float16ToFloat(h); }

    /** bfloat16 is the upper half of an f32; round to nearest even on the dropped 16 bits, keep NaN a NaN. */
    public static short toBF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x0040);
        int lsb = (bits >>> 16) & 1;
        bits += 0x7fff + lsb;
        return (short) (bits >>> 16);
    }

    public static float fromBF16(short h) { return Float.intBitsToFloat((h & 0xffff) << 16); }
}
