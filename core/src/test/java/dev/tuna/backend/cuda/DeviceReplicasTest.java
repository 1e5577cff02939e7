package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.distribute.BucketedGradientSync;
import dev.tuna.distribute.Communicator;
import dev.tuna.distribute.InProcessGroup;
import dev.tuna.distribute.Mirrored;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Dropout;
import dev.tuna.nn.Layer;
import dev.tuna.nn.Model;
import dev.tuna.nn.Weights;
import dev.tuna.nn.Parameter;
import dev.tuna.optim.Optimizers;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.History;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mirrored training of GPU replicas, on host-memory devices that run tuna's kernels compiled for the host: each
 * replica a {@link DeviceBackend} on its own "cuda:i", its gradient buckets in that device's memory, packed by the
 * scale kernel and reduced by a communicator over device tensors (NCCL's place; here the in-process all-reduce over
 * the same memory). What a GPU adds is NCCL itself and the streams, which the GPU check covers.
 *
 * <p>Tolerance as in MirroredTrainingTest: the same terms summed in another order, so losses agree within 1e-4
 * relative and weights within 1e-3 of one trainer on the same global batches.
 */
class DeviceReplicasTest {
    private static Arena arena;
    private static HostKernels kernels;

    @BeforeAll
    static void open() throws Exception {
        arena = Arena.ofShared();
        kernels = HostKernels.compileOrSkip("DeviceReplicasTest", arena);
    }

    @AfterAll
    static void close() {
        if (arena != null) arena.close();
    }

    /**
     * A communicator for device tensors that live in host memory: hands the in-process group the same memory as host
     * tensors, and refuses a host tensor, as NCCL would.
     */
    private record DeviceMemoryComm(Communicator host, Device device, AtomicLong reduced) implements Communicator {
        private Tensor onHost(Tensor t) {
            assertEquals(device, t.device(), "a collective of replica " + host.rank() + " gets its own device's memory");
            return new Tensor(t.shape(), t.dtype(), Device.CPU, t.data());
        }

        @Override public int rank() { return host.rank(); }
        @Override public int size() { return host.size(); }

        @Override
        public void allReduce(Tensor t, Op op) {
            reduced.addAndGet(t.size());
            host.allReduce(onHost(t), op);
        }

        @Override public void broadcast(Tensor t, int root) { host.broadcast(onHost(t), root); }
        @Override public void barrier() { host.barrier(); }
        @Override public void abort(String reason) { host.abort(reason); }
        @Override public String describe() { return "device-memory stand-in for NCCL over " + host.describe(); }
        @Override public void close() { host.close(); }
    }

    private static Dataset data(int n, long seed, Arena a) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.empty(Shape.of(n, 12), DType.F32, a);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, a);
        for (int i = 0; i < n; i++) {
            int label = rng.nextInt(4);
            y.setInt(i, label);
            for (int j = 0; j < 12; j++) x.setFloat((long) i * 12 + j, (float) ((j % 4 == label ? 1.0 : -0.2) + rng.nextGaussian() * 0.6));
        }
        return new Dataset(x, y, 4, null, null);
    }

    private static List<Layer> layers() { return List.of(new Dense(32, "relu"), new Dropout(0.2f), new Dense(16, "tanh"), new OutputHead(4)); }

    @Test
    void gpuReplicasWithDeviceBucketsMatchOneTrainerAndLeaveNoDeviceMemoryBehind() {
        long seed = System.nanoTime();
        System.out.println("DeviceReplicasTest seed " + seed);
        int replicas = 2, epochs = 3, batch = 24;
        try (Arena a = Arena.ofShared()) {
            // 141 rows in batches of 24: the last batch (21 rows) splits 10 + 11.
            Dataset train = data(141, seed, a), val = data(50, seed + 1, a);
            double[] oneLoss, oneVal;
            float[] oneWeights;
            try (Model m = Model.build(layers(), Shape.of(12), seed); Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), Backends.cpu(), seed)) {
                History h = t.fit(train, val, epochs, batch, List.of(), ProgressListener.SILENT);
                oneLoss = h.series("loss");
                oneVal = h.series("val_loss");
                oneWeights = Weights.of(m);
            }
            List<HostKernelRuntime> runtimes = new ArrayList<>();
            List<Communicator> group = new ArrayList<>();
            AtomicLong reduced = new AtomicLong();
            List<Communicator> host = InProcessGroup.create(replicas);
            for (int r = 0; r < replicas; r++) {
                runtimes.add(new HostKernelRuntime(kernels));
                group.add(new DeviceMemoryComm(host.get(r), Device.cuda(r), reduced));
            }
            long buckets = 1500; // bytes: several buckets for this model, so the overlap path runs
            record Out(double[] loss, double[] val, float[] weights, boolean gradsOnDevice, long deviceBytesLeft) {}
            List<Out> outs = Mirrored.run(group, c -> {
                DeviceBackend dev = new DeviceBackend(runtimes.get(c.rank()), Device.cuda(c.rank()));
                Out out;
                try (Model m = Model.build(layers(), Shape.of(12), seed + 77L * c.rank());
                     BucketedGradientSync sync = new BucketedGradientSync(c, buckets, dev)) {
                    boolean[] onDevice = {true};
                    float[] w;
                    History h;
                    try (Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), dev, seed, sync)) {
                        h = t.fit(train, val, epochs, batch, List.of(), new ProgressListener() {
                            @Override
                            public void onBatchEnd(int step, int steps, double loss, double accuracy) {}
                        });
                        for (Parameter p : m.parameters()) onDevice[0] &= p.value().device().equals(Device.cuda(c.rank()));
                        assertTrue(sync.bucketCount() > 1, "the model spans several " + buckets + "-byte buckets, not " + sync.bucketCount());
                    }
                    w = Weights.of(m); // back on the host after the trainer closed
                    out = new Out(h.series("loss"), h.series("val_loss"), w, onDevice[0], 0);
                }
                // Buckets, statistics, parameters, slots and batches all given back once the trainer and sync close.
                return new Out(out.loss(), out.val(), out.weights(), out.gradsOnDevice(), dev.allocator().inUseBytes());
            });
            for (Out o : outs) {
                assertTrue(o.gradsOnDevice(), "each replica trained on its own device");
                assertEquals(0, o.deviceBytesLeft(), "device memory still in use after training");
                assertArrayEquals(outs.getFirst().weights(), o.weights(), "replicas end bit-identical");
                assertArrayEquals(outs.getFirst().loss(), o.loss(), "every replica reports the group's loss");
            }
            for (int e = 0; e < epochs; e++) {
                assertEquals(oneLoss[e], outs.getFirst().loss()[e], 1e-4 * Math.abs(oneLoss[e]), "epoch " + (e + 1) + " loss");
                assertEquals(oneVal[e], outs.getFirst().val()[e], 1e-4 * Math.abs(oneVal[e]), "epoch " + (e + 1) + " val_loss");
            }
            float[] got = outs.getFirst().weights();
            for (int i = 0; i < got.length; i++) assertEquals(oneWeights[i], got[i], 1e-3 * Math.max(1, Math.abs(oneWeights[i])), "weight " + i);
            long params = oneWeights.length, steps = (long) epochs * ((141 + batch - 1) / batch);
            assertTrue(reduced.get() >= replicas * steps * params, "every step reduced every gradient on the device: " + reduced.get() + " elements");
            for (HostKernelRuntime rt : runtimes) rt.close();
        }
    }
}
