package dev.tuna.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Model;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Saving and restoring an optimizer's slots resumes training exactly, as a Hyperband promotion needs. */
class OptimizerStateTest {
    private final Backend be = Backends.cpu();

    private static Dataset data(Arena arena, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 64;
        Tensor x = Tensor.empty(Shape.of(n, 5), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        for (int i = 0; i < n; i++) {
            y.setInt(i, rng.nextInt(3));
            for (int j = 0; j < 5; j++) x.setFloat(i * 5L + j, (float) rng.nextGaussian());
        }
        return new Dataset(x, y, 3, List.of("a", "b", "c"), null);
    }

    private static Model model(long seed) {
        return Model.build(List.of(new Dense(6, "relu"), new OutputHead(3)), Shape.of(5), seed);
    }

    private static float[] weights(Model m) {
        List<Float> out = new java.util.ArrayList<>();
        for (Tensor t : m.stateDict().values()) for (long i = 0; i < t.size(); i++) out.add(t.getFloat(i));
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    private static Map<String, Tensor> copy(Map<String, Tensor> src, Arena arena) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (var e : src.entrySet()) {
            Tensor t = Tensor.empty(e.getValue().shape(), e.getValue().dtype(), arena);
            t.copyFrom(e.getValue());
            m.put(e.getKey(), t);
        }
        return m;
    }

    @Test
    void adamResumesBitForBitFromItsSavedState() {
        try (Arena arena = Arena.ofConfined(); Model a = model(1); Model b = model(2); Model c = model(3)) {
            Dataset d = data(arena, System.nanoTime());
            Optimizer optA = Optimizers.create("adam", Map.of(), a.arena());
            try (Trainer t = new Trainer(a, optA, be, 5)) {
                t.fit(d, null, 3, 16, List.of(), ProgressListener.SILENT);
            }
            Map<String, Tensor> weights = copy(a.stateDict(), arena);
            Map<String, Tensor> slots = copy(optA.stateDict(a.parameters()), arena);
            assertEquals(2 * a.parameters().size(), slots.size()); // Adam: two moments per parameter
            long iterations = optA.iterations();

            Optimizer optB = Optimizers.create("adam", Map.of(), b.arena());
            b.loadStateDict(weights);
            optB.loadStateDict(be, b.parameters(), slots, iterations);
            Optimizer optC = Optimizers.create("adam", Map.of(), c.arena());
            c.loadStateDict(weights); // weights only: Adam restarts its moments and bias correction
            for (var pair : List.of(Map.entry(a, optA), Map.entry(b, optB), Map.entry(c, optC))) {
                try (Trainer t = new Trainer(pair.getKey(), pair.getValue(), be, 7)) {
                    t.fit(d, null, 1, 16, List.of(), ProgressListener.SILENT);
                }
            }
            assertArrayEquals(weights(a), weights(b));
            assertFalse(java.util.Arrays.equals(weights(a), weights(c)));
            assertEquals(optA.iterations(), optB.iterations());
        }
    }
}
