package dev.tuna.cli;

import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.distribute.BucketedGradientSync;
import dev.tuna.distribute.Communicator;
import dev.tuna.distribute.InProcessGroup;
import dev.tuna.distribute.Mirrored;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Conv2D;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Flatten;
import dev.tuna.nn.Layer;
import dev.tuna.nn.MaxPool2D;
import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizers;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.NativeMemory;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The workloads `tuna bench` and the JMH benchmarks in bench/ measure, defined once: the models of the scaling
 * benchmark, their synthetic data, one mirrored epoch, and one all-reduce.
 */
public final class BenchWorkloads {
    private BenchWorkloads() {}

    /** A model of the scaling benchmark: its layers, input shape and a global batch size. */
    public enum Net {
        /** The seed notebook's MLP, 784-64-10: small GEMMs, so per-step overheads show. */
        SEED_MLP(Shape.of(784), 128),
        /** 784-1024-1024-10: 2.9 GFLOP per step of 256, GEMM-bound. */
        GEMM_MLP(Shape.of(784), 256),
        /** conv 3x3x16, pool, conv 3x3x32, pool, dense: the small CNN on 28x28x1 images. */
        SMALL_CNN(Shape.of(28, 28, 1), 128);

        public final Shape input;
        public final int batch;

        Net(Shape input, int batch) {
            this.input = input;
            this.batch = batch;
        }

        public List<Layer> layers() {
            return switch (this) {
                case SEED_MLP -> List.of(new Dense(64, "relu"), new OutputHead(10));
                case GEMM_MLP -> List.of(new Dense(1024, "relu"), new Dense(1024, "relu"), new OutputHead(10));
                case SMALL_CNN -> List.of(new Conv2D(16, 3, "relu"), new MaxPool2D(2), new Conv2D(32, 3, "relu"), new MaxPool2D(2), new Flatten(),
                        new OutputHead(10));
            };
        }

        public String id() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'); }
    }

    /** Synthetic, learnable data for a net: {@code steps} global batches. */
    public static Dataset data(Net net, int steps, long seed, Arena arena) {
        int n = net.batch * steps;
        long features = net.input.size();
        Tensor x = Tensor.empty(Shape.of(prepend(n, net.input.dims())), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int label = rng.nextInt(10);
            y.setInt(i, label);
            for (long j = 0; j < features; j++) x.setFloat(i * features + j, (float) (rng.nextDouble() + (j % 10 == label ? 0.5 : 0)));
        }
        return new Dataset(x, y, 10, null, null);
    }

    private static int[] prepend(int n, int[] dims) {
        int[] out = new int[dims.length + 1];
        out[0] = n;
        System.arraycopy(dims, 0, out, 1, dims.length);
        return out;
    }

    /**
     * Replicas that stay alive across epochs, so a benchmark times training, not model building. replicas 0 means
     * one trainer without a sync using every core (the baseline mirrored training is compared with).
     */
    public static final class Replicas implements AutoCloseable {
        private final Net net;
        private final int replicas;
        private final List<Communicator> group;
        private final Model[] models;
        private final Trainer[] trainers;
        private final BucketedGradientSync[] syncs;

        public Replicas(Net net, int replicas, long seed) { this(net, replicas, seed, BucketedGradientSync.DEFAULT_BUCKET_BYTES); }

        public Replicas(Net net, int replicas, long seed, long bucketBytes) {
            this.net = net;
            this.replicas = replicas;
            int n = Math.max(1, replicas);
            group = replicas == 0 ? List.of() : InProcessGroup.create(replicas);
            models = new Model[n];
            trainers = new Trainer[n];
            syncs = new BucketedGradientSync[n];
            for (int r = 0; r < n; r++) {
                models[r] = Model.build(net.layers(), net.input, seed);
                syncs[r] = replicas == 0 ? null : new BucketedGradientSync(group.get(r), bucketBytes);
                trainers[r] = new Trainer(models[r], Optimizers.create("adam", Map.of(), models[r].arena()), Backends.cpu(), seed, syncs[r]);
            }
        }

        /** One epoch over the data; returns its training loss. */
        public double epoch(Dataset data) {
            if (replicas == 0) return trainers[0].fit(data, null, 1, net.batch, List.of(), ProgressListener.SILENT).last("loss");
            return Mirrored.run(group, c -> trainers[c.rank()].fit(data, null, 1, net.batch, List.of(), ProgressListener.SILENT).last("loss")).getFirst();
        }

        @Override
        public void close() {
            for (int r = 0; r < trainers.length; r++) {
                trainers[r].close();
                if (syncs[r] != null) syncs[r].close();
                models[r].close();
            }
        }
    }

    /** Buffers for an all-reduce of {@code bytes} per replica, filled with fresh values. */
    public static List<Tensor> buffers(int replicas, long bytes, long seed, Arena arena) {
        List<Tensor> out = new java.util.ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        int n = Math.toIntExact(bytes / 4);
        for (int r = 0; r < replicas; r++) {
            Tensor t = Tensor.empty(Shape.of(n), DType.F32, arena);
            for (int i = 0; i < n; i++) t.setFloat(i, (float) rng.nextGaussian());
            out.add(t);
        }
        return out;
    }

    /** {@code inner} back-to-back all-reduces inside the replicas' threads, started once for all of them. */
    public static void allReduceLoop(List<Communicator> group, List<Tensor> buffers, int inner) {
        Mirrored.run(group, c -> {
            for (int i = 0; i < inner; i++) c.allReduce(buffers.get(c.rank()), Communicator.Op.SUM);
            return null;
        });
    }

    /**
     * Median seconds per all-reduce, timed on rank 0 inside the replicas' own threads (started once): each timed
     * run is {@code inner} back-to-back all-reduces between two barriers, after one warm-up run.
     */
    public static double allReduceSeconds(List<Communicator> group, List<Tensor> buffers, int inner, int repeats) {
        double[] t = new double[repeats];
        Mirrored.run(group, c -> {
            for (int rep = -1; rep < repeats; rep++) {
                c.barrier();
                long t0 = System.nanoTime();
                for (int i = 0; i < inner; i++) c.allReduce(buffers.get(c.rank()), Communicator.Op.SUM);
                c.barrier();
                if (c.rank() == 0 && rep >= 0) t[rep] = (System.nanoTime() - t0) / 1e9 / inner;
            }
            return null;
        });
        return median(t);
    }

    /** The median of the values (sorted in place). */
    public static double median(double[] t) {
        java.util.Arrays.sort(t);
        int n = t.length;
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    }

    /** One copy of src into dst: the memory-copy bandwidth an all-reduce is compared with. */
    public static void copy(MemorySegment src, MemorySegment dst) { MemorySegment.copy(src, 0, dst, 0, src.byteSize()); }

    /** A shared arena for benchmark data (the replicas' threads read it). */
    public static Arena arena() { return NativeMemory.shared(); }

    /** Runs body {@code repeats} times after one warm-up; the median seconds. */
    public static double medianSeconds(int repeats, Supplier<?> body) {
        // Warm up for a second at least, so the JIT has compiled the hot loops before anything is timed.
        long warm = System.nanoTime();
        do body.get(); while (System.nanoTime() - warm < 1_000_000_000L);
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            body.get();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        return median(t);
    }
}
