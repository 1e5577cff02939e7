package dev.tuna.distribute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tuna.backend.Backend;
import dev.tuna.backend.cuda.CudaRuntime;
import dev.tuna.backend.cuda.DeviceBackend;
import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.bindings.nccl.Nccl;
import dev.tuna.data.Dataset;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Layer;
import dev.tuna.nn.Model;
import dev.tuna.nn.Weights;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Mirrored training on real GPUs (tag gpu): one replica per visible GPU, device gradient buckets all-reduced by NCCL,
 * against one trainer on cuda:0 with the same seed and global batch. On a one-GPU machine the group is a one-rank
 * NCCL group, which still runs every step of the device path (packing kernels, bucket all-reduce on NCCL's stream,
 * the events between the streams, the sums read back). Tolerance as in MirroredTrainingTest (1e-4 relative on the
 * epoch losses): the same terms in another order.
 */
@Tag("gpu")
class MirroredGpuTest {
    @BeforeAll
    static void needsGpuAndNccl() {
        String reason = CudaRuntime.unusableReason(0);
        if (reason == null && !Nccl.isAvailable()) reason = Nccl.unavailableReason().orElse("NCCL not found");
        if (reason != null) System.out.println("SKIPPED MirroredGpuTest: " + reason);
        Assumptions.assumeTrue(reason == null, reason);
    }

    private static List<Layer> layers() { return List.of(new Dense(64, "relu"), new Dense(32, "tanh"), new OutputHead(5)); }

    private static Dataset data(int n, long seed, Arena a) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.empty(Shape.of(n, 20), DType.F32, a);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, a);
        for (int i = 0; i < n; i++) {
            int label = rng.nextInt(5);
            y.setInt(i, label);
            for (int j = 0; j < 20; j++) x.setFloat((long) i * 20 + j, (float) ((j % 5 == label ? 1.0 : 0) + rng.nextGaussian() * 0.5));
        }
        return new Dataset(x, y, 5, null, null);
    }

    @Test
    void oneReplicaPerGpuOverNcclMatchesOneTrainerOnCuda0() {
        long seed = System.nanoTime();
        System.out.println("MirroredGpuTest seed " + seed);
        CudaDriver.cuInit(0);
        int gpus = CudaDriver.cuDeviceGetCount();
        List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < gpus; i++) backends.add(new DeviceBackend(CudaRuntime.open(i), Device.cuda(i)));
        try (Arena a = Arena.ofShared()) {
            Dataset train = data(1000, seed, a), val = data(200, seed + 1, a);
            double[] one;
            try (Model m = Model.build(layers(), Shape.of(20), seed);
                 Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), backends.getFirst(), seed)) {
                one = t.fit(train, val, 3, 64, List.of(), ProgressListener.SILENT).series("loss");
            }
            ReplicaGroup group = ReplicaGroup.gpus(backends);
            record Out(double[] loss, float[] weights) {}
            List<Out> outs = group.run((c, be) -> {
                try (Model m = Model.build(layers(), Shape.of(20), seed + c.rank());
                     BucketedGradientSync sync = new BucketedGradientSync(c, 16 << 10, be)) {
                    History h;
                    try (Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), be, seed, sync)) {
                        h = t.fit(train, val, 3, 64, List.of(), ProgressListener.SILENT);
                    }
                    return new Out(h.series("loss"), Weights.of(m));
                }
            });
            for (Out o : outs) assertArrayEquals(outs.getFirst().weights(), o.weights(), "every GPU's replica ends with the same weights");
            for (int e = 0; e < one.length; e++) {
                assertEquals(one[e], outs.getFirst().loss()[e], 1e-4 * Math.abs(one[e]), "epoch " + (e + 1) + " loss on " + gpus + " GPU replica(s)");
            }
            System.out.println("tuna mirrored training on " + gpus + " GPU(s) over NCCL: epoch losses " + java.util.Arrays.toString(outs.getFirst().loss())
                    + " vs one trainer " + java.util.Arrays.toString(one));
        }
    }
}
