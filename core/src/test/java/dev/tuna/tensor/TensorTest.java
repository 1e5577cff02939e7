package dev.tuna.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void reshapeAndRowSlicesAreViewsOverTheSameMemory() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor r = t.reshape(3, -1);
        assertEquals(Shape.of(3, 2), r.shape());
        r.setFloat(5, 60f);
        assertEquals(60f, t.getFloat(5));
        Tensor row = t.rows(1, 1);
        assertEquals(Shape.of(1, 3), row.shape());
        row.setFloat(0, 40f);
        assertEquals(40f, t.getFloat(3));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, -1));
        assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
    }

    @Test
    void f16ConversionRoundsToNearestEven() {
        // 1 + 2^-11 is exactly halfway between 1 and the next f16 (1 + 2^-10): ties go to the even one, 1.
        assertEquals(1f, HalfFloats.fromF16(HalfFloats.toF16(1f + 0x1p-11f)));
        // 1 + 3*2^-11 is halfway between 1+2^-10 (odd) and 1+2^-9 (even): rounds up to 1+2^-9.
        assertEquals(1f + 0x1p-9f, HalfFloats.fromF16(HalfFloats.toF16(1f + 3 * 0x1p-11f)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.fromF16(HalfFloats.toF16(70000f)));
        assertTrue(Float.isNaN(HalfFloats.fromF16(HalfFloats.toF16(Float.NaN))));
    }

    @Test
    void bf16ConversionRoundsToNearestEvenAgainstAFloat64Reference() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(rng.nextInt());
            if (!Float.isFinite(f)) continue;
            float got = HalfFloats.fromBF16(HalfFloats.toBF16(f));
            // Reference: the two bf16 neighbours of f, pick the nearer, ties to the even mantissa.
            int bits = Float.floatToRawIntBits(f);
            float lo = Float.intBitsToFloat(bits & 0xffff0000);
            float hi = Float.intBitsToFloat((bits & 0xffff0000) + 0x10000);
            // Past the largest bf16 the upper neighbour is 2^128 (which rounds to infinity), not infinity itself.
            double hiVal = Float.isInfinite(hi) ? Math.copySign(0x1p128, f) : hi;
            double dl = Math.abs((double) f - lo), dh = Math.abs(hiVal - f);
            float want = dl < dh ? lo : dh < dl ? hi : (((bits >>> 16) & 1) == 0 ? lo : hi);
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "bf16 of " + f);
        }
        assertTrue(Float.isNaN(HalfFloats.fromBF16(HalfFloats.toBF16(Float.NaN))));
        // A NaN whose payload sits in the low half must stay a NaN, not become infinity.
        assertTrue(Float.isNaN(HalfFloats.fromBF16(HalfFloats.toBF16(Float.intBitsToFloat(0x7f800001)))));
    }

    @Test
    void dtypesStoreAndConvert() {
        Tensor f = Tensor.of(new float[] {0.1f, -2.5f, 300f, 7f}, 4);
        assertEquals(-2.5f, f.to(DType.F16).getFloat(1));
        assertEquals(300f, f.to(DType.BF16).getFloat(2));
        assertEquals(7, f.to(DType.I32).getInt(3));
        assertEquals(255f, f.to(DType.U8).getFloat(2), "u8 saturates");
        assertEquals(2, DType.F16.byteSize());
    }

    @Test
    void stepArenaFreesAtResetAndStopsGrowingAfterTheFirstStep() {
        try (StepArena arena = new StepArena(1024)) {
            long before = arena.reservedBytes();
            for (int step = 0; step < 5; step++) {
                try (MemoryScope s = MemoryScope.step(arena)) {
                    for (int i = 0; i < 10; i++) Tensor.zeros(Shape.of(1000), DType.F32);
                }
                if (step == 0) before = arena.reservedBytes();
                else assertEquals(before, arena.reservedBytes(), "reserved bytes after step " + step);
            }
            assertTrue(before >= 40_000, "grew once to hold a whole step: " + before);
        }
    }

    @Test
    void segmentsFromAResetArenaAreNotReadable() {
        StepArena arena = new StepArena(16);
        MemorySegment seg;
        try (MemoryScope s = MemoryScope.step(arena)) {
            seg = Tensor.zeros(Shape.of(100), DType.F32).data(); // overflows the tiny block
        }
        MemorySegment finalSeg = seg;
        assertThrows(IllegalStateException.class, () -> finalSeg.get(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0));
        arena.close();
    }

    @Test
    void scopesNestAndMustCloseInOrder() {
        try (StepArena a = new StepArena(); StepArena b = new StepArena()) {
            MemoryScope outer = MemoryScope.step(a);
            MemoryScope inner = MemoryScope.step(b);
            assertEquals(b, MemoryScope.current());
            assertThrows(IllegalStateException.class, outer::close);
            inner.close();
            assertEquals(a, MemoryScope.current());
            outer.close();
        }
    }
}
