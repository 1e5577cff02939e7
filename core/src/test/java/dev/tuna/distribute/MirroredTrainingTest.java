package dev.tuna.distribute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.nn.BatchNormalization;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Dropout;
import dev.tuna.nn.Layer;
import dev.tuna.nn.Model;
import dev.tuna.nn.Weights;
import dev.tuna.optim.Optimizers;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.EarlyStopping;
import dev.tuna.train.History;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * N in-process replicas against one trainer on the same global batches.
 *
 * <p>The tolerance: a replica group computes each gradient as the sum over replicas of each replica's
 * share-weighted mean, where one trainer sums all rows in one GEMM. Same terms, another order: every gradient
 * differs by a few float32 ulps (about 1e-7 relative), and training carries such differences forward without
 * growing them much over a few epochs of a well-conditioned problem: epoch losses agree within 1e-4 relative
 * and weights within 1e-3, far below what a wrong split, a lost batch or a wrong weighting would give (those move
 * the loss by 1e-2 or more).
 */
class MirroredTrainingTest {
    private static Dataset data(int n, long seed, Arena arena) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.empty(Shape.of(n, 10), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        for (int i = 0; i < n; i++) {
            int label = rng.nextInt(3);
            y.setInt(i, label);
            for (int j = 0; j < 10; j++) x.setFloat((long) i * 10 + j, (float) ((label - 1) * (j % 3 == label ? 1.0 : 0.3) + rng.nextGaussian() * 0.7));
        }
        return new Dataset(x, y, 3, List.of("a", "b", "c"), null);
    }

    /** batchNorm: per-replica statistics; syncBatchNorm: the global batch's (set it with batchNorm false). */
    private static boolean syncBatchNorm;

    private static List<Layer> layers(boolean dropout, boolean batchNorm) {
        List<Layer> l = new ArrayList<>();
        l.add(new Dense(24, "relu"));
        if (batchNorm) l.add(new BatchNormalization());
        if (syncBatchNorm) l.add(new BatchNormalization(0.9f, 1e-3f, true));
        if (dropout) l.add(new Dropout(0.25f));
        l.add(new Dense(16, "tanh"));
        l.add(new OutputHead(3));
        return l;
    }

    /** One training: loss per epoch, val_loss per epoch, and the final weights of every replica. */
    private record Run(List<Double> loss, List<Double> valLoss, List<float[]> weights) {}

    private static List<Double> list(double[] a) { return Arrays.stream(a).boxed().toList(); }

    private static Run train(int replicas, boolean dropout, boolean batchNorm, Dataset train, Dataset val, long seed, int epochs,
                             Map<Integer, List<Integer>> stepHashes) {
        Supplier<Model> model = () -> Model.build(layers(dropout, batchNorm), Shape.of(10), seed);
        if (replicas == 0) {
            try (Model m = model.get(); Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), seed)) {
                History h = t.fit(train, val, epochs, 32, List.of(), ProgressListener.SILENT);
                return new Run(list(h.series("loss")), list(h.series("val_loss")), List.of(Weights.of(m)));
            }
        }
        List<Communicator> group = InProcessGroup.create(replicas);
        List<Run> runs = Mirrored.run(group, c -> {
            // Each replica builds its own model from its own seed: the broadcast from rank 0 must make them one.
            try (Model m = Model.build(layers(dropout, batchNorm), Shape.of(10), seed + 1000L * c.rank());
                 BucketedGradientSync sync = new BucketedGradientSync(c, 2048);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), seed, sync)) {
                ProgressListener hashes = new ProgressListener() {
                    @Override
                    public void onBatchEnd(int step, int steps, double loss, double accuracy) {
                        if (stepHashes != null) stepHashes.computeIfAbsent(c.rank(), k -> new ArrayList<>()).add(Arrays.hashCode(Weights.of(m)));
                    }
                };
                History h = t.fit(train, val, epochs, 32, List.of(new EarlyStopping("val_loss", "auto", 1, 0.05, true)), hashes);
                return new Run(list(h.series("loss")), list(h.series("val_loss")), List.of(Weights.of(m)));
            }
        });
        List<float[]> w = new ArrayList<>();
        for (Run r : runs) w.add(r.weights().getFirst());
        for (Run r : runs) assertEquals(runs.getFirst().loss(), r.loss(), "every replica reports the group's loss");
        return new Run(runs.getFirst().loss(), runs.getFirst().valLoss(), w);
    }

    @Test
    void replicasMatchOneTrainerOnTheSameGlobalBatches() {
        long seed = System.nanoTime();
        System.out.println("MirroredTrainingTest seed " + seed);
        try (Arena a = Arena.ofShared()) {
            // 203 rows in batches of 32: the last batch has 11 rows, which 2 and 3 replicas split unevenly.
            Dataset train = data(203, seed, a), val = data(61, seed + 1, a);
            for (boolean dropout : new boolean[] {false, true}) {
                Run one = trainAlone(dropout, train, val, seed);
                for (int n : new int[] {1, 2, 3}) {
                    Run many = train(n, dropout, false, train, val, seed, 4, null);
                    for (int e = 0; e < one.loss().size(); e++) {
                        assertEquals(one.loss().get(e), many.loss().get(e), 1e-4 * one.loss().get(e), n + " replicas, dropout " + dropout + ", epoch " + (e + 1));
                        assertEquals(one.valLoss().get(e), many.valLoss().get(e), 1e-4 * one.valLoss().get(e), n + " replicas val_loss epoch " + (e + 1));
                    }
                    float[] w1 = one.weights().getFirst(), wn = many.weights().getFirst();
                    for (int i = 0; i < w1.length; i++) assertEquals(w1[i], wn[i], 1e-3, n + " replicas, weight " + i);
                }
            }
        }
    }

    @Test
    void synchronisedBatchNormReplicasMatchOneTrainer() {
        long seed = System.nanoTime();
        System.out.println("sync batch norm seed " + seed);
        syncBatchNorm = true;
        try (Arena a = Arena.ofShared()) {
            // 205 rows in batches of 32: a last batch of 13 (split 7/6 over 2, 5/4/4 over 3).
            Dataset train = data(205, seed, a), val = data(61, seed + 1, a);
            Run one = trainAlone(true, train, val, seed);
            for (int n : new int[] {2, 3}) {
                Run many = train(n, true, false, train, val, seed, 4, null);
                for (int e = 0; e < one.loss().size(); e++) {
                    assertEquals(one.loss().get(e), many.loss().get(e), 1e-4 * one.loss().get(e), n + " replicas, sync batch norm, epoch " + (e + 1));
                    assertEquals(one.valLoss().get(e), many.valLoss().get(e), 1e-4 * one.valLoss().get(e), n + " replicas val_loss epoch " + (e + 1));
                }
                float[] w1 = one.weights().getFirst(), wn = many.weights().getFirst();
                for (int i = 0; i < w1.length; i++) assertEquals(w1[i], wn[i], 1e-3, n + " replicas, weight " + i);
                for (float[] w : many.weights()) assertArrayEquals(wn, w);
            }
        } finally {
            syncBatchNorm = false;
        }
    }

    /** The one-trainer reference, with the same early stopping as the replicas. */
    private static Run trainAlone(boolean dropout, Dataset train, Dataset val, long seed) {
        try (Model m = Model.build(layers(dropout, false), Shape.of(10), seed);
             Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), seed)) {
            History h = t.fit(train, val, 4, 32, List.of(new EarlyStopping("val_loss", "auto", 1, 0.05, true)), ProgressListener.SILENT);
            return new Run(list(h.series("loss")), list(h.series("val_loss")), List.of(Weights.of(m)));
        }
    }

    @Test
    void replicasAreBitIdenticalAfterEveryStepWithBatchNormAndDropout() {
        long seed = System.nanoTime();
        System.out.println("bit-identical seed " + seed);
        try (Arena a = Arena.ofShared()) {
            Dataset train = data(203, seed, a), val = data(61, seed + 1, a);
            Map<Integer, List<Integer>> hashes = new ConcurrentHashMap<>();
            // Batch norm keeps per-replica statistics (each replica normalises its own rows, as MirroredStrategy
            // and DDP do by default); the weights still move together, and validation uses rank 0's statistics.
            Run r = train(3, true, true, train, val, seed, 3, hashes);
            assertEquals(3, hashes.size());
            assertTrue(hashes.get(0).size() >= 7, "a step hash per step: " + hashes.get(0).size());
            assertEquals(hashes.get(0), hashes.get(1));
            assertEquals(hashes.get(0), hashes.get(2));
            for (float[] w : r.weights()) assertArrayEquals(r.weights().getFirst(), w);
            // The weights moved, step after step, so that equal hashes say something. (Not "the loss fell": with
            // early stopping after two epochs of noisy data, the second epoch's loss can be the higher one.)
            assertTrue(new java.util.HashSet<>(hashes.get(0)).size() == hashes.get(0).size(), "every step changed the weights: " + hashes.get(0));
        }
    }

    @Test
    void bucketsLeaveInBackwardOrderWhileBackwardRuns() {
        long seed = System.nanoTime();
        System.out.println("bucket order seed " + seed);
        try (Arena a = Arena.ofShared()) {
            Dataset train = data(64, seed, a);
            List<Communicator> group = InProcessGroup.create(2);
            Map<Integer, List<String>> events = new ConcurrentHashMap<>();
            Mirrored.run(group, c -> {
                try (Model m = Model.build(layers(false, false), Shape.of(10), seed);
                     BucketedGradientSync sync = new BucketedGradientSync(c, 400); // about one layer's weights per bucket
                     Trainer t = new Trainer(m, Optimizers.create("sgd", Map.of(), m.arena()), Backends.cpu(), seed, sync)) {
                    List<String> mine = new ArrayList<>();
                    sync.setLaunchListener((bucket, during) -> mine.add(bucket + (during ? " during" : " after")));
                    t.fit(train, null, 1, 32, List.of(), ProgressListener.SILENT);
                    assertTrue(sync.bucketCount() >= 3, "buckets: " + sync.bucketCount());
                    events.put(c.rank(), mine);
                    return null;
                }
            });
            List<String> e0 = events.get(0);
            assertEquals(e0, events.get(1), "both replicas launch the same buckets in the same order");
            int buckets = e0.size() / 2; // two steps
            for (int step = 0; step < 2; step++) {
                for (int b = 0; b < buckets; b++) {
                    String ev = e0.get(step * buckets + b);
                    assertEquals(b, Integer.parseInt(ev.split(" ")[0]), "bucket order " + e0);
                    // The last layers' buckets complete before backward reaches the first layer.
                    if (b < buckets - 1) assertTrue(ev.endsWith("during"), "bucket " + b + " waited for the end of backward: " + e0);
                }
            }
        }
    }
}
