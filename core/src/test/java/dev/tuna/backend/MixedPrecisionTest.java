package dev.tuna.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.LossScaler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The CPU's emulation of the mixed-precision policies, and the loss scaler's state machine. */
class MixedPrecisionTest {

    private static Tensor random(SplittableRandom rng, int r, int c) {
        float[] v = new float[r * c];
        for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextGaussian();
        return Tensor.of(v, r, c);
    }

    @Test
    void roundingMatchesTheFormats() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        for (int i = 0; i < 10000; i++) {
            float x = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-9, 6)));
            float h = Precision.MIXED_FLOAT16.round(x);
            // f16 has 11 significant bits: relative error at most 2^-11 in the normal range, flush below 2^-24.
            if (Math.abs(x) >= 6.2e-5 && Math.abs(x) <= 65504) assertTrue(Math.abs(h - x) <= Math.abs(x) * 0x1p-11, x + " -> " + h);
            if (Math.abs(x) < 0x1p-25) assertEquals(0f, Math.abs(h), x + " flushes to zero in f16");
            float b = Precision.MIXED_BFLOAT16.round(x);
            assertTrue(Math.abs(b - x) <= Math.abs(x) * 0x1p-8, x + " -> " + b);
            assertEquals(Float.floatToRawIntBits(b) & 0xffff, 0, "bfloat16 keeps only the upper 16 bits");
        }
        assertEquals(Float.POSITIVE_INFINITY, Precision.MIXED_FLOAT16.round(70000f), "f16 overflows above 65504");
        assertEquals(70144f, Precision.MIXED_BFLOAT16.round(70000f), "bf16 has f32's range");
    }

    @Test
    void matmulReadsRoundedOperandsAccumulatesInFloat32AndStoresRounded() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        for (Precision p : new Precision[] {Precision.MIXED_FLOAT16, Precision.MIXED_BFLOAT16}) {
            Backend mixed = new MixedPrecisionBackend(Backends.cpu(), p);
            try (StepArena arena = new StepArena(1 << 20); MemoryScope s = MemoryScope.step(arena)) {
                int m = 7 + rng.nextInt(20), k = 33 + rng.nextInt(40), n = 5 + rng.nextInt(20);
                Tensor a = random(rng, m, k), b = random(rng, k, n);
                float a0 = a.getFloat(0);
                Tensor c = mixed.matmul(a, false, b, false);
                assertEquals(a0, a.getFloat(0), "the operand (a master weight) is left as it was");
                double maxErr = 0, maxDiffFromF32 = 0;
                Tensor exact = Backends.cpu().matmul(a, false, b, false);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double ref = 0;
                        for (int q = 0; q < k; q++) ref += (double) p.round(a.getFloat(i * k + q)) * p.round(b.getFloat(q * n + j));
                        float got = c.getFloat(i * n + j);
                        assertEquals(got, p.round(got), "stored in the compute format");
                        maxErr = Math.max(maxErr, Math.abs(got - ref) / (Math.abs(ref) + 1));
                        maxDiffFromF32 = Math.max(maxDiffFromF32, Math.abs(got - exact.getFloat(i * n + j)));
                    }
                }
                double unit = p == Precision.MIXED_FLOAT16 ? 0x1p-11 : 0x1p-8;
                assertTrue(maxErr <= unit, p + ": error against the float64 product of rounded operands " + maxErr);
                assertTrue(maxDiffFromF32 > 1e-6, p + " changes the result (the emulation is not a no-op)");
            }
        }
    }

    @Test
    void theOneOutputLossesAndTheSigmoidStayInFloat32AndTheirGradientsEnterTheNetworkRounded() {
        long seed = System.nanoTime();
        System.out.println("theOneOutputLossesAndTheSigmoidStayInFloat32AndTheirGradientsEnterTheNetworkRounded seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        Backend cpu = Backends.cpu();
        for (Precision p : new Precision[] {Precision.MIXED_FLOAT16, Precision.MIXED_BFLOAT16}) {
            Backend mixed = new MixedPrecisionBackend(cpu, p);
            try (StepArena arena = new StepArena(1 << 20); MemoryScope s = MemoryScope.step(arena)) {
                int n = 50 + rng.nextInt(100);
                Tensor z = random(rng, n, 1), t = random(rng, n, 1).reshape(n);
                int[] y = new int[n];
                for (int i = 0; i < n; i++) y[i] = rng.nextInt(2);
                Tensor labels = Tensor.ofInts(y, n), dLoss = Tensor.of(new float[] {(float) rng.nextDouble(0.5, 2)}).reshape(dev.tuna.tensor.Shape.of());
                Tensor pc = Tensor.empty(z.shape(), dev.tuna.tensor.DType.F32), pm = Tensor.empty(z.shape(), dev.tuna.tensor.DType.F32);
                assertEquals(cpu.binaryCrossEntropy(z, labels, pc).getFloat(0), mixed.binaryCrossEntropy(z, labels, pm).getFloat(0), p + " bce in f32");
                for (int i = 0; i < n; i++) assertEquals(pc.getFloat(i), pm.getFloat(i), p + " sigmoid within bce in f32");
                rounded(p, cpu.binaryCrossEntropyBackward(pc, labels, dLoss), mixed.binaryCrossEntropyBackward(pm, labels, dLoss), "bce gradient");
                for (RegressionLoss loss : RegressionLoss.values()) {
                    assertEquals(cpu.regressionLoss(loss, z, t, 0.7f).getFloat(0), mixed.regressionLoss(loss, z, t, 0.7f).getFloat(0), p + " " + loss + " in f32");
                    rounded(p, cpu.regressionLossBackward(loss, z, t, dLoss, 0.7f), mixed.regressionLossBackward(loss, z, t, dLoss, 0.7f), loss + " gradient");
                }
                Tensor sc = cpu.sigmoid(z), sm = mixed.sigmoid(z);
                boolean anyUnrounded = false;
                for (int i = 0; i < n; i++) {
                    assertEquals(sc.getFloat(i), sm.getFloat(i), p + " sigmoid probabilities in f32");
                    anyUnrounded |= sm.getFloat(i) != p.round(sm.getFloat(i));
                }
                assertTrue(anyUnrounded, p + ": some probability is not representable in the compute format, so none was rounded");
            }
        }
    }

    /** The mixed gradient is the f32 one rounded to the compute format, element by element, and not all of it was already. */
    private static void rounded(Precision p, Tensor f32, Tensor mixed, String what) {
        boolean changed = false;
        for (long i = 0; i < f32.size(); i++) {
            assertEquals(p.round(f32.getFloat(i)), mixed.getFloat(i), p + " " + what + " element " + i);
            changed |= f32.getFloat(i) != mixed.getFloat(i);
        }
        assertTrue(changed, p + " " + what + ": rounding changed something (the policy is not a no-op)");
    }

    @Test
    void lossScalingKeepsGradientsThatFloat16WouldFlushToZero() {
        float g = 1e-8f;
        assertEquals(0f, Precision.MIXED_FLOAT16.round(g), "an unscaled 1e-8 gradient vanishes in f16");
        float scaled = Precision.MIXED_FLOAT16.round(g * LossScaler.INITIAL_SCALE) / LossScaler.INITIAL_SCALE;
        assertEquals(g, scaled, g * 1e-3, "scaled by 2^15, stored in f16 and unscaled in f32, it survives");
    }

    @Test
    void theLossScalerHalvesOnOverflowAndDoublesAfterAnIntervalOfGoodSteps() {
        LossScaler s = new LossScaler();
        assertEquals(32768f, s.scale());
        assertTrue(!s.update(false));
        assertEquals(16384f, s.scale());
        for (int i = 0; i < LossScaler.GROWTH_INTERVAL - 1; i++) assertTrue(s.update(true));
        assertEquals(16384f, s.scale(), "not yet");
        assertTrue(s.update(true));
        assertEquals(32768f, s.scale(), "doubled after 2000 good steps");
        for (int i = 0; i < 1000; i++) s.update(true);
        s.update(false);
        for (int i = 0; i < 1999; i++) s.update(true);
        assertEquals(16384f, s.scale(), "an overflow restarts the count");
        for (int i = 0; i < 40; i++) s.update(false);
        assertEquals(1f, s.scale(), "never below 1");
        assertEquals(42, s.skipped());
        assertThrows(IllegalArgumentException.class, () -> new MixedPrecisionBackend(Backends.cpu(), Precision.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
    }
}
