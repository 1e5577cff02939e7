package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Tape;
import dev.tuna.autograd.Var;
import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.BinaryOp;
import dev.tuna.backend.UnaryOp;
import dev.tuna.data.Dataset;
import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Dropout;
import dev.tuna.nn.Model;
import dev.tuna.nn.Parameter;
import dev.tuna.optim.Optimizers;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.Callback;
import dev.tuna.train.History;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The device backend on a host-memory device running tuna's kernels compiled for the host: each op against the CPU
 * backend on fresh random inputs, and a whole training run against the CPU's, epoch by epoch, with the device memory
 * accounted for. What is left for a GPU is the driver layer underneath ({@link CudaRuntime}).
 */
class DeviceBackendTest {
    private static Arena arena;
    private static HostKernelRuntime runtime;
    private static DeviceBackend dev;
    private static final Backend CPU = Backends.cpu();

    @BeforeAll
    static void open() throws Exception {
        arena = Arena.ofShared();
        runtime = new HostKernelRuntime(HostKernels.compileOrSkip("DeviceBackendTest", arena));
        dev = new DeviceBackend(runtime, Device.cuda(0));
    }

    @AfterAll
    static void close() {
        if (runtime != null) runtime.close();
        if (arena != null) arena.close();
    }

    private static void same(Tensor cpu, Tensor device, double tol, String what) {
        assertEquals(Device.cuda(0), device.device(), what + " lives on the device");
        Tensor h = dev.toHost(device);
        assertEquals(cpu.shape(), h.shape(), what);
        for (long i = 0; i < cpu.size(); i++) {
            double e = cpu.dtype() == DType.I32 ? cpu.getInt(i) : cpu.getFloat(i), g = h.dtype() == DType.I32 ? h.getInt(i) : h.getFloat(i);
            assertTrue(Math.abs(e - g) <= tol * Math.max(1, Math.abs(e)), what + " element " + i + ": " + e + " vs " + g);
        }
    }

    private static Tensor r(SplittableRandom rng, int... dims) { return KernelChecks.random(rng, -2, 2, dims); }

    @Test
    void everyOpAgreesWithTheCpuBackend() {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        try (StepArena a = new StepArena(1 << 22); MemoryScope s = MemoryScope.step(a)) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    Tensor x = r(rng, ta ? 13 : 7, ta ? 7 : 13), y = r(rng, tb ? 5 : 13, tb ? 13 : 5);
                    same(CPU.matmul(x, ta, y, tb), dev.matmul(dev.fromHost(x), ta, dev.fromHost(y), tb), 1e-5, "matmul " + ta + tb);
                }
            }
            Tensor x = r(rng, 6, 4, 5), b = r(rng, 4, 1), row = r(rng, 5);
            for (BinaryOp op : BinaryOp.values()) {
                same(CPU.binary(op, x, b), dev.binary(op, dev.fromHost(x), dev.fromHost(b)), 1e-5, "binary " + op);
                same(CPU.binary(op, x, row), dev.binary(op, dev.fromHost(x), dev.fromHost(row)), 1e-5, "binary " + op + " with a row");
            }
            Tensor m = r(rng, 9, 5);
            same(CPU.sumToShape(m, Shape.of(5)), dev.sumToShape(dev.fromHost(m), Shape.of(5)), 1e-5, "sumToShape");
            same(CPU.sumToShape(x, Shape.of(4, 1)), dev.sumToShape(dev.fromHost(x), Shape.of(4, 1)), 1e-5, "sumToShape on the host");
            for (UnaryOp op : new UnaryOp[] {UnaryOp.RELU, UnaryOp.GELU, UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.EXP, UnaryOp.SQUARE}) {
                Tensor yc = CPU.unary(op, m), yd = dev.unary(op, dev.fromHost(m));
                same(yc, yd, 1e-5, "unary " + op);
                Tensor dy = r(rng, 9, 5);
                same(CPU.unaryBackward(op, m, yc, dy), dev.unaryBackward(op, dev.fromHost(m), yd, dev.fromHost(dy)), 1e-4, "unary backward " + op);
            }
            same(CPU.scale(m, 0.37f), dev.scale(dev.fromHost(m), 0.37f), 1e-6, "scale");
            Tensor yc = m.copy(), yd = dev.fromHost(m);
            CPU.biasActivationInPlace(yc, row, UnaryOp.RELU);
            dev.biasActivationInPlace(yd, dev.fromHost(row), UnaryOp.RELU);
            same(yc, yd, 1e-6, "bias + relu");
            Tensor ac = m.copy(), ad = dev.fromHost(m);
            CPU.axpy(0.5f, yc, ac);
            dev.axpy(0.5f, yd, ad);
            same(ac, ad, 1e-6, "axpy");
            assertEquals(CPU.sum(m).getFloat(0), dev.toHost(dev.sum(dev.fromHost(m))).getFloat(0), 1e-4);
            same(CPU.broadcastScalar(CPU.sum(m), 0.25f, Shape.of(3, 2)), dev.broadcastScalar(dev.sum(dev.fromHost(m)), 0.25f, Shape.of(3, 2)), 1e-5, "broadcastScalar");
            assertEquals(CPU.sumOfSquares(m), dev.sumOfSquares(dev.fromHost(m)), 1e-4);
            assertTrue(dev.allFinite(dev.fromHost(m)));
            Tensor bad = m.copy();
            bad.setFloat(3, Float.NaN);
            assertTrue(!dev.allFinite(dev.fromHost(bad)));

            Tensor logits = r(rng, 11, 4);
            int[] y = new int[11];
            for (int i = 0; i < 11; i++) y[i] = rng.nextInt(4);
            Tensor labels = Tensor.ofInts(y, 11), pc = Tensor.empty(logits.shape(), DType.F32), pd = dev.empty(logits.shape(), DType.F32);
            Tensor lc = CPU.softmaxCrossEntropy(logits, labels, pc), ld = dev.softmaxCrossEntropy(dev.fromHost(logits), dev.fromHost(labels), pd);
            same(lc, ld, 1e-5, "cross-entropy");
            same(pc, pd, 1e-6, "softmax within cross-entropy");
            same(CPU.softmax(logits), dev.softmax(dev.fromHost(logits)), 1e-6, "softmax");
            Tensor one = Tensor.of(new float[] {1f}).reshape(Shape.of());
            same(CPU.softmaxCrossEntropyBackward(pc, labels, one), dev.softmaxCrossEntropyBackward(pd, dev.fromHost(labels), dev.fromHost(one)), 1e-6, "xent backward");
            assertEquals(CPU.countCorrect(logits, labels), dev.countCorrect(dev.fromHost(logits), dev.fromHost(labels)));
            same(CPU.dropoutMask(Shape.of(40), 0.25f, 9, 77), dev.dropoutMask(Shape.of(40), 0.25f, 9, 77), 0, "dropout mask");

            int[] order = {4, 1, 7, 0, 3, 8, 2, 6, 5};
            same(CPU.gatherRows(m, order, 2, 5), dev.gatherRows(m, order, 2, 5), 0, "gather from the host");
            same(CPU.gatherRows(m, order, 2, 5), dev.gatherRows(dev.fromHost(m), order, 2, 5), 0, "gather on the device");
            same(CPU.concat(List.of(m, m), 0), dev.concat(List.of(dev.fromHost(m), dev.fromHost(m)), 0), 0, "concat (host)");

            Tensor p = r(rng, 50), g = r(rng, 50), mo = r(rng, 50), v = KernelChecks.random(rng, 0, 0.1, 50);
            Tensor pd2 = dev.fromHost(p), md = dev.fromHost(mo), vd = dev.fromHost(v);
            CPU.adamUpdate(p, g, mo, v, 0.01f, 0.9f, 0.999f, 1e-7f, 3, 0.004f);
            dev.adamUpdate(pd2, dev.fromHost(g), md, vd, 0.01f, 0.9f, 0.999f, 1e-7f, 3, 0.004f);
            same(p, pd2, 1e-6, "adam");
            same(mo, md, 1e-6, "adam m");

            Tensor onHost = r(rng, 3, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dev.matmul(onHost, false, dev.fromHost(onHost), false));
            assertTrue(e.getMessage().contains("a tensor on cpu given to a cuda:0 op"), e.getMessage());
        }
    }

    @Test
    void theOneOutputLossesAgreeWithTheCpuBackendThroughAutograd() {
        long seed = System.nanoTime();
        System.out.println("theOneOutputLossesAgreeWithTheCpuBackendThroughAutograd seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        try (StepArena a = new StepArena(1 << 22); MemoryScope s = MemoryScope.step(a)) {
            int n = 1 + rng.nextInt(300);
            Tensor z = KernelChecks.random(rng, -40, 40, n, 1), t = r(rng, n), x = r(rng, n);
            int[] y = new int[n];
            for (int i = 0; i < n; i++) y[i] = rng.nextInt(2);
            Tensor labels = Tensor.ofInts(y, n);
            float delta = (float) rng.nextDouble(0.3, 2);
            List<java.util.function.BiFunction<Var, Tensor, Var>> losses = List.of(
                    F::meanSquaredError, F::meanAbsoluteError, (p, q) -> F.huber(p, q, delta));
            String[] names = {"mse", "mae", "huber"};
            // Binary cross-entropy on [n, 1] logits, the regression losses on [n] predictions: both shapes cross the device.
            float upstream = (float) rng.nextDouble(0.5, 4);
            compareThroughAutograd("binary cross-entropy", z, labels, upstream, F::binaryCrossEntropyWithLogits);
            for (int k = 0; k < losses.size(); k++) compareThroughAutograd(names[k], x, t, upstream, losses.get(k));
            same(CPU.sigmoid(z), dev.sigmoid(dev.fromHost(z)), 1e-6, "sigmoid");
        }
    }

    /**
     * The loss and its gradient on the CPU and on the device, back-propagated from an upstream gradient other than 1 (a
     * loss scale), which the backward must multiply in.
     */
    private static void compareThroughAutograd(String what, Tensor outputs, Tensor labels, float upstream,
                                               java.util.function.BiFunction<Var, Tensor, Var> loss) {
        Var oc = new Var(outputs, true, "outputs"), od = new Var(dev.fromHost(outputs), true, "outputs");
        Tensor lc;
        try (Tape tape = Tape.record()) {
            Var l = loss.apply(oc, labels);
            tape.backward(l, upstream, CPU);
            lc = l.value();
        }
        try (Tape tape = Tape.record(); Backends.Use u = Backends.use(dev)) {
            Var l = loss.apply(od, dev.fromHost(labels));
            tape.backward(l, upstream, dev);
            same(lc, l.value(), 1e-5, what);
        }
        same(oc.grad(), od.grad(), 1e-6, what + " gradient");
    }

    @Test
    void aStepsDeviceTensorsReturnWhenItsScopeCloses() {
        long before = dev.allocator().inUseBytes();
        try (StepArena a = new StepArena(1 << 20)) {
            for (int step = 0; step < 5; step++) {
                try (MemoryScope s = MemoryScope.step(a)) {
                    dev.zeros(Shape.of(1000), DType.F32);
                    dev.fromHost(Tensor.zeros(64, 64));
                    assertTrue(dev.allocator().inUseBytes() > before);
                }
                assertEquals(before, dev.allocator().inUseBytes(), "step " + step);
            }
        }
    }

    private static Dataset blobs(long seed, Arena data) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 600, d = 12;
        Tensor x = Tensor.empty(Shape.of(n, d), DType.F32, data), y = Tensor.empty(Shape.of(n), DType.I32, data);
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(3);
            y.setInt(i, c);
            for (int j = 0; j < d; j++) x.setFloat((long) i * d + j, (float) ((j % 3 == c ? 1.5 : 0) + rng.nextGaussian()));
        }
        return new Dataset(x, y, 3, null, data);
    }

    private static List<dev.tuna.nn.Layer> layers() { return List.of(new Dense(24, "relu"), new Dropout(0.2f), new OutputHead(3)); }

    @Test
    void trainingOnTheDeviceTracksTheCpuAndGivesEverythingBack() {
        long seed = System.nanoTime();
        try (Dataset all = blobs(seed, Arena.ofShared())) {
            Dataset train = all.split(0, 480), val = all.split(480, 120);
            List<Callback> es = List.of(new dev.tuna.train.EarlyStopping("val_loss", "min", 2, 0, true));
            double[] cpuLoss, devLoss;
            Map<String, Tensor> cpuWeights = new java.util.LinkedHashMap<>();
            try (Model m = Model.build(layers(), Shape.of(12), seed)) {
                try (Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), CPU, seed)) {
                    cpuLoss = t.fit(train, val, 5, 32, es, ProgressListener.SILENT).series("val_loss");
                }
                for (var e : m.stateDict().entrySet()) cpuWeights.put(e.getKey(), e.getValue().copy());
            }
            long inUseBefore = dev.allocator().inUseBytes();
            long[] mallocsAfterEpoch = new long[5], bytesInAfterEpoch = new long[5];
            List<Callback> es2 = List.of(new dev.tuna.train.EarlyStopping("val_loss", "min", 2, 0, true), new Callback() {
                @Override
                public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer tr) {
                    mallocsAfterEpoch[epoch] = runtime.mallocs;
                    bytesInAfterEpoch[epoch] = runtime.bytesIn;
                }
            });
            try (Model m = Model.build(layers(), Shape.of(12), seed)) {
                try (Trainer t = new Trainer(m, Optimizers.create("adam", Map.of(), m.arena()), dev, seed)) {
                    for (Parameter p : m.parameters()) assertEquals(Device.cuda(0), p.value().device(), "the trainer moved " + p.name());
                    History h = t.fit(train, val, 5, 32, es2, ProgressListener.SILENT);
                    devLoss = h.series("val_loss");
                    assertTrue(dev.allocator().inUseBytes() > inUseBefore, "parameters and Adam's slots are on the device while training");
                }
                for (Parameter p : m.parameters()) assertEquals(Device.CPU, p.value().device(), "closing brings " + p.name() + " back");
                for (var e : m.stateDict().entrySet()) {
                    Tensor c = cpuWeights.get(e.getKey()), g = e.getValue();
                    for (long i = 0; i < c.size(); i++) assertEquals(c.getFloat(i), g.getFloat(i), 1e-4, e.getKey() + " (restored best weights)");
                }
            }
            assertEquals(cpuLoss.length, devLoss.length, "early stopping stops at the same epoch");
            for (int e = 0; e < cpuLoss.length; e++) assertEquals(cpuLoss[e], devLoss[e], 1e-4 * Math.max(1, cpuLoss[e]), "val_loss after epoch " + (e + 1));
            assertEquals(inUseBefore, dev.allocator().inUseBytes(), "nothing stays on the device");
            assertEquals(mallocsAfterEpoch[1], mallocsAfterEpoch[devLoss.length - 1], "epochs after the first ask the device for no new memory");
            // The training set went over once; an epoch then sends only batch indices and the validation rows.
            long perEpoch = bytesInAfterEpoch[2] - bytesInAfterEpoch[1], trainBytes = train.x().data().byteSize();
            assertTrue(perEpoch < trainBytes / 2, "an epoch copied " + perEpoch + " bytes to the device; the training features are " + trainBytes);
        }
    }

    @Test
    void deviceMemoryIsTheSameAfterEveryTrial() {
        try (Dataset all = blobs(7, Arena.ofShared())) {
            Dataset train = all.split(0, 480), val = all.split(480, 120);
            long inUse = dev.allocator().inUseBytes(), reservedAfterFirst = -1;
            for (int trial = 0; trial < 6; trial++) {
                try (Model m = Model.build(layers(), Shape.of(12), trial);
                     Trainer t = new Trainer(m, Optimizers.create("rmsprop", Map.of(), m.arena()), dev, trial)) {
                    t.fit(train, val, 1, 64, List.of(), ProgressListener.SILENT);
                }
                assertEquals(inUse, dev.allocator().inUseBytes(), "trial " + (trial + 1) + " gave everything back");
                if (trial == 0) reservedAfterFirst = dev.allocator().reservedBytes();
                assertEquals(reservedAfterFirst, dev.allocator().reservedBytes(), "the cache holds the same after trial " + (trial + 1));
            }
        }
    }

    @Test
    void twoWorkersTrainOnOneDeviceAtOnceAsTheyWouldAlone() throws Exception {
        try (Dataset all = blobs(11, Arena.ofShared())) {
            Dataset train = all.split(0, 480), val = all.split(480, 120);
            double[][] alone = new double[2][], together = new double[2][];
            for (int w = 0; w < 2; w++) {
                try (Model m = Model.build(layers(), Shape.of(12), 100 + w);
                     Trainer t = new Trainer(m, Optimizers.create("sgd", Map.of("momentum", 0.9), m.arena()), CPU, 100 + w)) {
                    alone[w] = t.fit(train, val, 2, 32, List.of(), ProgressListener.SILENT).series("val_loss");
                }
            }
            long inUse = dev.allocator().inUseBytes();
            Thread[] threads = new Thread[2];
            Throwable[] failure = new Throwable[1];
            for (int w = 0; w < 2; w++) {
                int id = w;
                threads[w] = new Thread(() -> {
                    try (Model m = Model.build(layers(), Shape.of(12), 100 + id);
                         Trainer t = new Trainer(m, Optimizers.create("sgd", Map.of("momentum", 0.9), m.arena()), dev, 100 + id)) {
                        together[id] = t.fit(train, val, 2, 32, List.of(), ProgressListener.SILENT).series("val_loss");
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
                threads[w].start();
            }
            for (Thread t : threads) t.join();
            if (failure[0] != null) throw new AssertionError(failure[0]);
            for (int w = 0; w < 2; w++) {
                for (int e = 0; e < 2; e++) assertEquals(alone[w][e], together[w][e], 1e-4, "worker " + w + " epoch " + (e + 1));
            }
            assertEquals(inUse, dev.allocator().inUseBytes(), "both gave everything back");
        }
    }
}
