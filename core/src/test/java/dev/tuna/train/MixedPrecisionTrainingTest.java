package dev.tuna.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.MixedPrecisionBackend;
import dev.tuna.backend.Precision;
import dev.tuna.data.Dataset;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Model;
import dev.tuna.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Training under the mixed policies on the CPU: it learns, tracks float32, and float16 scales its loss. */
class MixedPrecisionTrainingTest {

    private static double[] losses(Backend backend, Dataset train, Dataset val, long seed, LossScaler[] scaler) {
        try (Model m = Model.build(List.of(new Dense(32, "relu"), new OutputHead(4)), Shape.of(10), seed);
             Trainer t = new Trainer(m, dev.tuna.optim.Optimizers.create("adam", java.util.Map.of("learning_rate", 0.003), m.arena()), backend, seed)) {
            History h = t.fit(train, val, 6, 32, List.of(), ProgressListener.SILENT);
            if (scaler != null) scaler[0] = t.lossScaler();
            return h.series("val_loss");
        }
    }

    @Test
    void mixedPoliciesLearnAndStayCloseToFloat32() {
        long seed = System.nanoTime();
        try (Dataset train = Blobs.make(800, 10, 4, seed); Dataset val = Blobs.make(300, 10, 4, seed)) {
            double[] f32 = losses(Backends.cpu(), train, val, seed, null);
            for (Precision p : new Precision[] {Precision.MIXED_FLOAT16, Precision.MIXED_BFLOAT16}) {
                LossScaler[] scaler = new LossScaler[1];
                double[] mixed = losses(new MixedPrecisionBackend(Backends.cpu(), p), train, val, seed, scaler);
                assertTrue(mixed[mixed.length - 1] < mixed[0] * 0.7, p + " learns: " + java.util.Arrays.toString(mixed));
                assertTrue(Math.abs(mixed[mixed.length - 1] - f32[f32.length - 1]) < 0.05 + 0.1 * f32[f32.length - 1],
                        p + " tracks float32: " + mixed[mixed.length - 1] + " vs " + f32[f32.length - 1]);
                assertNotEquals(f32[f32.length - 1], mixed[mixed.length - 1], p + " really rounds");
                if (p.lossScaling()) {
                    LossScaler s = scaler[0];
                    // Fewer than 2000 steps ran, so the scale only ever halved: once per skipped step.
                    assertEquals(LossScaler.INITIAL_SCALE / Math.pow(2, s.skipped()), s.scale(), 0, "scale " + s.scale() + " after " + s.skipped() + " skips");
                } else {
                    assertNull(scaler[0], "bfloat16 needs no loss scaling");
                }
            }
        }
    }
}
