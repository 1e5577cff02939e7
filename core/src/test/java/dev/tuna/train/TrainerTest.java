package dev.tuna.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.data.Split;
import dev.tuna.nn.BatchNormalization;
import dev.tuna.nn.Conv2D;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Dropout;
import dev.tuna.nn.Flatten;
import dev.tuna.nn.Layer;
import dev.tuna.nn.MaxPool2D;
import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizers;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TrainerTest {
    private static List<Layer> mlp() {
        return List.of(new Dense(32, "relu"), new BatchNormalization(), new Dropout(0.2f), new Dense(3, null));
    }

    private static History train(Dataset train, Dataset val, String optimizer, Map<String, Object> opts, long seed, int epochs,
                                 List<Callback> callbacks, float[][] weightsOut) {
        try (Model m = Model.build(mlp(), Shape.of(8), seed);
             Trainer t = new Trainer(m, Optimizers.create(optimizer, opts, m.arena()), Backends.cpu(), seed)) {
            History h = t.fit(train, val, epochs, 32, callbacks, ProgressListener.SILENT);
            if (weightsOut != null) {
                int i = 0;
                for (Tensor w : m.stateDict().values()) weightsOut[i++] = w.toFloatArray();
            }
            return h;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "sgd-nesterov", "adam", "adamw", "rmsprop"})
    void everyOptimizerLearnsBlobs(String name) {
        try (Dataset d = Blobs.make(1200, 8, 3, 5)) {
            Split s = Split.last(d, 300);
            String opt = name.equals("sgd-nesterov") ? "sgd" : name;
            Map<String, Object> o = name.equals("sgd-nesterov") ? Map.of("momentum", 0.9, "nesterov", true)
                    : name.equals("sgd") ? Map.of("learning_rate", 0.1) : Map.of();
            History h = train(s.train(), s.validation(), opt, o, 11, 8, List.of(), null);
            assertTrue(h.last("val_accuracy") > 0.9, name + " val_accuracy " + h.last("val_accuracy"));
            assertTrue(h.series("loss")[7] < h.series("loss")[0], name + " loss fell");
        }
    }

    @Test
    void seededRunsAreReproducibleBitForBit() {
        try (Dataset d = Blobs.make(700, 8, 3, 9)) {
            Split s = Split.last(d, 200);
            float[][] w1 = new float[8][], w2 = new float[8][], w3 = new float[8][];
            History a = train(s.train(), s.validation(), "adam", Map.of(), 123, 3, List.of(), w1);
            History b = train(s.train(), s.validation(), "adam", Map.of(), 123, 3, List.of(), w2);
            for (String k : List.of("loss", "accuracy", "val_loss", "val_accuracy")) assertArrayEquals(a.series(k), b.series(k), k);
            for (int i = 0; i < w1.length; i++) assertArrayEquals(w1[i], w2[i], "tensor " + i);
            train(s.train(), s.validation(), "adam", Map.of(), 124, 3, List.of(), w3);
            assertTrue(!java.util.Arrays.equals(w1[0], w3[0]), "another seed gives other weights");
        }
    }

    @Test
    void stepMemoryIsFlatAcrossEpochs() {
        try (Dataset d = Blobs.make(1000, 8, 3, 2)) {
            Split s = Split.last(d, 200);
            List<Long> bytes = new ArrayList<>();
            Callback probe = new Callback() {
                @Override
                public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) { bytes.add(trainer.stepMemoryBytes()); }
            };
            train(s.train(), s.validation(), "adam", Map.of(), 1, 6, List.of(probe), null);
            assertEquals(6, bytes.size());
            for (int i = 1; i < bytes.size(); i++) assertEquals(bytes.get(0), bytes.get(i), "step memory after epoch " + (i + 1) + " vs 1: " + bytes);
        }
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndRestoresTheBestWeights() {
        try (Dataset d = Blobs.make(600, 8, 3, 4)) {
            Split s = Split.last(d, 150);
            float[][] atBest = new float[8][];
            // Maximising the training loss: the first epoch is the best, every later one is worse.
            EarlyStopping es = new EarlyStopping("loss", "max", 2, 0, true);
            Callback snapshot = new Callback() {
                @Override
                public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
                    if (epoch == 0) {
                        int i = 0;
                        for (Tensor w : trainer.model().stateDict().values()) atBest[i++] = w.toFloatArray();
                    }
                }
            };
            float[][] finalW = new float[8][];
            History h = train(s.train(), s.validation(), "adam", Map.of(), 3, 20, List.of(snapshot, es), finalW);
            assertEquals(3, h.epochCount(), "epoch 1 best, then 2 epochs of patience");
            assertTrue(h.stoppedEarly());
            assertEquals(0, h.bestEpoch());
            for (int i = 0; i < finalW.length; i++) assertArrayEquals(atBest[i], finalW[i], "restored tensor " + i);
        }
    }

    @Test
    void predictGivesProbabilitiesAndEvaluateAgreesWithThem() {
        try (Dataset d = Blobs.make(300, 8, 3, 6); Arena out = Arena.ofConfined();
             Model m = Model.build(mlp(), Shape.of(8), 1);
             Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), 1)) {
            t.fit(d, null, 2, 32, List.of(), ProgressListener.SILENT);
            Tensor p = t.predict(d.x(), 64, out);
            int correct = 0;
            for (int r = 0; r < 300; r++) {
                double sum = 0;
                int best = 0;
                for (int c = 0; c < 3; c++) {
                    float v = p.getFloat(r * 3L + c);
                    sum += v;
                    if (v > p.getFloat(r * 3L + best)) best = c;
                }
                assertEquals(1.0, sum, 1e-5);
                if (best == d.y().getInt(r)) correct++;
            }
            assertEquals(correct / 300.0, t.evaluate(d, 100).accuracy(), 1e-12);
        }
    }

    @Test
    void smallCnnLearnsImageBlobs() {
        try (Dataset d = Blobs.make(400, 64, 2, 8, 8, 8, 1)) {
            List<Layer> layers = List.of(new Conv2D(4, 3, 1, "same", "relu", true, dev.tuna.nn.Initializer.HE_UNIFORM),
                    new MaxPool2D(2), new Flatten(), new Dense(2, null));
            try (Model m = Model.build(layers, Shape.of(8, 8, 1), 2);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of("learning_rate", 0.01), m.arena()), Backends.cpu(), 2)) {
                History h = t.fit(d, null, 5, 32, List.of(), ProgressListener.SILENT);
                assertTrue(h.last("accuracy") > 0.9, "accuracy " + h.last("accuracy"));
            }
        }
    }

    @Test
    void divergenceIsReportedNotTrainedThrough() {
        try (Dataset d = Blobs.make(200, 8, 3, 1)) {
            for (long i = 0; i < 8; i++) d.x().setFloat(i, Float.NaN);
            try (Model m = Model.build(mlp(), Shape.of(8), 1);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), 1)) {
                TrainingDivergedException e = org.junit.jupiter.api.Assertions.assertThrows(TrainingDivergedException.class,
                        () -> t.fit(d, null, 2, 32, List.of(), ProgressListener.SILENT));
                assertTrue(e.getMessage().contains("epoch 1"), e.getMessage());
            }
        }
    }
}
