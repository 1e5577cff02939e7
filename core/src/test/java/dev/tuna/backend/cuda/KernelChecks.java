package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.BinaryOp;
import dev.tuna.backend.RegressionLoss;
import dev.tuna.backend.UnaryOp;
import dev.tuna.tensor.HalfFloats;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CUDA kernels' checks, each on fresh random inputs against float64 references or the CPU backend. A subclass
 * says how a kernel runs: compiled as host C++ ({@link KernelHostTest}, every build) or on a GPU
 * ({@link KernelGpuTest}, tag gpu). Arguments are host memory segments, longs, ints and floats; a runner passes the
 * segments to the kernel as device buffers and copies them back afterwards.
 */
abstract class KernelChecks {
    /** Runs kernel name over its arguments (segments are read and written back), waiting for it to finish. */
    abstract void call(String name, Object... args);

    static Tensor random(SplittableRandom rng, double lo, double hi, int... dims) {
        Tensor t = Tensor.empty(dims.length == 0 ? dev.tuna.tensor.Shape.of() : dev.tuna.tensor.Shape.of(dims), dev.tuna.tensor.DType.F32);
        for (long i = 0; i < t.size(); i++) t.setFloat(i, (float) rng.nextDouble(lo, hi));
        return t;
    }

    private static Tensor copy(Tensor t) {
        Tensor c = Tensor.empty(t.shape(), t.dtype());
        c.copyFrom(t);
        return c;
    }

    /** A fresh random stream whose seed is printed with the calling test's name, so a failure can be replayed. */
    private static SplittableRandom seeded() {
        long seed = System.nanoTime();
        String test = StackWalker.getInstance().walk(f -> f.skip(1).findFirst().map(StackWalker.StackFrame::getMethodName).orElse("?"));
        System.out.println(test + " seed " + seed);
        return new SplittableRandom(seed);
    }

    private static void close(double expected, double got, double rel, String what) {
        assertTrue(Math.abs(expected - got) <= rel * Math.max(1, Math.abs(expected)), what + ": expected " + expected + ", got " + got);
    }

    @Test
    void unaryOpsAndTheirDerivativesMatchTheFloat64Definitions() {
        long seed = System.nanoTime();
        System.out.println("unaryOpsAndTheirDerivativesMatchTheFloat64Definitions seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        try (StepArena a = new StepArena(1 << 20); MemoryScope s = MemoryScope.step(a)) {
            for (UnaryOp op : UnaryOp.values()) {
                boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT;
                int n = 1 + rng.nextInt(3000);
                Tensor x = random(rng, positive ? 0.05 : -6, 6, n), y = Tensor.empty(x.shape(), x.dtype());
                Tensor dy = random(rng, -2, 2, n), dx = Tensor.empty(x.shape(), x.dtype());
                call("unary_forward_f32", x.data(), y.data(), (long) n, op.ordinal());
                call("unary_backward_f32", x.data(), y.data(), dy.data(), dx.data(), (long) n, op.ordinal());
                for (int i = 0; i < n; i++) {
                    double xi = x.getFloat(i);
                    close(op.apply(xi), y.getFloat(i), 2e-6, op + " at " + xi);
                    close(dy.getFloat(i) * op.derivative(xi, y.getFloat(i)), dx.getFloat(i), 2e-5, op + "' at " + xi);
                }
            }
        }
    }

    @Test
    void broadcastingBinaryOpsMatchTheCpuBackend() {
        long seed = System.nanoTime();
        System.out.println("broadcastingBinaryOpsMatchTheCpuBackend seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        Backend cpu = Backends.cpu();
        try (StepArena a = new StepArena(1 << 22); MemoryScope s = MemoryScope.step(a)) {
            for (int trial = 0; trial < 40; trial++) {
                int[] out = {1 + rng.nextInt(4), 1 + rng.nextInt(5), 1 + rng.nextInt(6), 1 + rng.nextInt(7)};
                int[] ad = out.clone(), bd = out.clone();
                for (int k = 0; k < 4; k++) {
                    if (rng.nextInt(3) == 0) ad[k] = 1;
                    else if (rng.nextInt(3) == 0) bd[k] = 1;
                }
                Tensor x = random(rng, 0.5, 3, ad), y = random(rng, 0.5, 3, bd);
                for (BinaryOp op : BinaryOp.values()) {
                    Tensor ref = cpu.binary(op, x, y);
                    Tensor got = Tensor.empty(ref.shape(), ref.dtype());
                    long[] as = strides(ad, out), bs = strides(bd, out);
                    call("binary_f32", x.data(), y.data(), got.data(), op.ordinal(), (long) out[0], (long) out[1], (long) out[2], (long) out[3],
                            as[0], as[1], as[2], as[3], bs[0], bs[1], bs[2], bs[3]);
                    for (long i = 0; i < ref.size(); i++) close(ref.getFloat(i), got.getFloat(i), 1e-6, op + " element " + i);
                }
            }
            Tensor g = random(rng, -1, 1, 37, 13);
            Tensor got = Tensor.empty(dev.tuna.tensor.Shape.of(13), g.dtype());
            call("sum_rows_f32", g.data(), got.data(), 37L, 13);
            for (int j = 0; j < 13; j++) {
                // Against the float64 sum: a float32 sum of n terms in any order is within n ulps of the sum of |terms|
                // (a relative bound on the result alone fails when terms cancel).
                double sum = 0, abs = 0;
                for (int r = 0; r < 37; r++) {
                    sum += g.getFloat((long) r * 13 + j);
                    abs += Math.abs(g.getFloat((long) r * 13 + j));
                }
                double tol = 37 * Math.ulp(1f) * abs;
                assertTrue(Math.abs(sum - got.getFloat(j)) <= tol, "bias gradient " + j + ": expected " + sum + ", got " + got.getFloat(j) + " (tolerance " + tol + ")");
            }
        }
    }

    /** Strides of a row-major tensor of dims d read as the broadcast shape out: 0 along broadcast axes. */
    private static long[] strides(int[] d, int[] out) {
        long[] s = new long[4];
        long st = 1;
        for (int k = 3; k >= 0; k--) {
            s[k] = d[k] == 1 && out[k] != 1 ? 0 : st;
            st *= d[k];
        }
        return s;
    }

    @Test
    void biasActivationScaleAxpyLerpAndDropoutMatchTheCpuBackend() {
        SplittableRandom rng = seeded();
        Backend cpu = Backends.cpu();
        try (StepArena a = new StepArena(1 << 22); MemoryScope s = MemoryScope.step(a)) {
            int rows = 1 + rng.nextInt(50), cols = 1 + rng.nextInt(40);
            Tensor y = random(rng, -3, 3, rows, cols), b = random(rng, -1, 1, cols);
            for (UnaryOp act : new UnaryOp[] {null, UnaryOp.RELU, UnaryOp.TANH, UnaryOp.SIGMOID}) {
                Tensor ref = copy(y), got = copy(y);
                cpu.biasActivationInPlace(ref, b, act);
                call("bias_activation_f32", got.data(), b.data(), (long) rows, cols, act == null ? -1 : act.ordinal());
                for (long i = 0; i < ref.size(); i++) close(ref.getFloat(i), got.getFloat(i), 2e-6, "bias + " + act);
            }
            Tensor x = random(rng, -3, 3, 1000), t = random(rng, -3, 3, 1000);
            float f = (float) rng.nextDouble(-2, 2);
            Tensor ref = cpu.scale(x, f), got = Tensor.empty(x.shape(), x.dtype());
            call("scale_f32", x.data(), got.data(), 1000L, f);
            for (int i = 0; i < 1000; i++) assertEquals(ref.getFloat(i), got.getFloat(i), "scale");
            Tensor yr = copy(t), yg = copy(t);
            cpu.axpy(f, x, yr);
            call("axpy_f32", f, x.data(), yg.data(), 1000L);
            for (int i = 0; i < 1000; i++) close(yr.getFloat(i), yg.getFloat(i), 1e-6, "axpy");
            Tensor rr = copy(t), rg = copy(t);
            cpu.lerpInto(rr, x, 0.9f);
            call("lerp_f32", rg.data(), x.data(), 1000L, 0.9f);
            for (int i = 0; i < 1000; i++) close(rr.getFloat(i), rg.getFloat(i), 1e-6, "lerp");
            long seed = rng.nextLong(), counter = rng.nextLong(1L << 40);
            Tensor mask = cpu.dropoutMask(dev.tuna.tensor.Shape.of(5000), 0.3f, seed, counter), mg = Tensor.empty(mask.shape(), mask.dtype());
            call("dropout_mask_f32", mg.data(), 5000L, 0.3f, seed, counter);
            for (int i = 0; i < 5000; i++) assertEquals(mask.getFloat(i), mg.getFloat(i), "the dropout mask is the same on every device, element " + i);
        }
    }

    @Test
    void softmaxCrossEntropyAndCountingMatchTheCpuBackend() {
        SplittableRandom rng = seeded();
        Backend cpu = Backends.cpu();
        try (StepArena a = new StepArena(1 << 22); Arena host = Arena.ofConfined(); MemoryScope s = MemoryScope.step(a)) {
            int rows = 1 + rng.nextInt(200), c = 2 + rng.nextInt(20);
            Tensor z = random(rng, -30, 30, rows, c);
            int[] y = new int[rows];
            for (int i = 0; i < rows; i++) y[i] = rng.nextInt(c);
            Tensor labels = Tensor.ofInts(y, rows);
            Tensor pr = Tensor.empty(z.shape(), z.dtype()), pg = Tensor.empty(z.shape(), z.dtype());
            float loss = cpu.softmaxCrossEntropy(z, labels, pr).getFloat(0);
            MemorySegment acc = host.allocate(ValueLayout.JAVA_DOUBLE);
            call("softmax_xent_f32", z.data(), labels.data(), pg.data(), acc, (long) rows, c);
            close(loss, acc.get(ValueLayout.JAVA_DOUBLE, 0) / rows, 1e-5, "mean cross-entropy");
            for (long i = 0; i < pr.size(); i++) close(pr.getFloat(i), pg.getFloat(i), 1e-6, "softmax " + i);
            Tensor sm = Tensor.empty(z.shape(), z.dtype());
            call("softmax_f32", z.data(), sm.data(), (long) rows, c);
            Tensor smRef = cpu.softmax(z);
            for (long i = 0; i < sm.size(); i++) close(smRef.getFloat(i), sm.getFloat(i), 1e-6, "softmax " + i);
            Tensor dLoss = Tensor.of(new float[] {(float) rng.nextDouble(0.5, 2)});
            Tensor dr = cpu.softmaxCrossEntropyBackward(pr, labels, dLoss.reshape(dev.tuna.tensor.Shape.of())), dg = Tensor.empty(z.shape(), z.dtype());
            call("softmax_xent_backward_f32", pr.data(), labels.data(), dLoss.data(), dg.data(), (long) rows, c);
            for (long i = 0; i < dr.size(); i++) close(dr.getFloat(i), dg.getFloat(i), 1e-6, "dlogits " + i);
            MemorySegment count = host.allocate(ValueLayout.JAVA_INT);
            call("count_correct_f32", z.data(), labels.data(), count, (long) rows, c);
            assertEquals(cpu.countCorrect(z, labels), count.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void binaryCrossEntropyMatchesTheCpuBackendAndFloat64EvenForExtremeLogits() {
        SplittableRandom rng = seeded();
        Backend cpu = Backends.cpu();
        try (StepArena a = new StepArena(1 << 22); Arena host = Arena.ofConfined(); MemoryScope s = MemoryScope.step(a)) {
            int rows = 1 + rng.nextInt(3000);
            Tensor z = random(rng, -30, 30, rows, 1);
            // Some logits of size ~100, where a naive log(sigmoid) overflows or loses everything.
            for (int i = 0; i < rows; i += 1 + rng.nextInt(10)) z.setFloat(i, (float) (rng.nextBoolean() ? 100 : -100) + (float) rng.nextDouble(-5, 5));
            int[] y = new int[rows];
            double ref = 0;
            for (int i = 0; i < rows; i++) {
                y[i] = rng.nextInt(2);
                double x = z.getFloat(i), m = y[i] == 1 ? -x : x; // -log p(label) = softplus(-x) or softplus(x)
                ref += m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
            }
            Tensor labels = Tensor.ofInts(y, rows);
            Tensor pr = Tensor.empty(z.shape(), z.dtype()), pg = Tensor.empty(z.shape(), z.dtype());
            float loss = cpu.binaryCrossEntropy(z, labels, pr).getFloat(0);
            MemorySegment acc = host.allocate(ValueLayout.JAVA_DOUBLE);
            call("binary_xent_f32", z.data(), labels.data(), pg.data(), acc, (long) rows);
            double got = acc.get(ValueLayout.JAVA_DOUBLE, 0) / rows;
            close(ref / rows, got, 1e-6, "mean binary cross-entropy against float64");
            close(loss, got, 1e-6, "mean binary cross-entropy against the CPU backend");
            for (long i = 0; i < pr.size(); i++) close(pr.getFloat(i), pg.getFloat(i), 1e-6, "sigmoid " + i);
            Tensor dLoss = Tensor.of(new float[] {(float) rng.nextDouble(0.5, 2)});
            Tensor dr = cpu.binaryCrossEntropyBackward(pr, labels, dLoss.reshape(dev.tuna.tensor.Shape.of())), dg = Tensor.empty(z.shape(), z.dtype());
            call("binary_xent_backward_f32", pg.data(), labels.data(), dLoss.data(), dg.data(), (long) rows);
            double unit = dLoss.getFloat(0) / rows;
            for (int i = 0; i < rows; i++) {
                assertTrue(Float.isFinite(dg.getFloat(i)), "dlogits " + i + " is finite");
                close(dr.getFloat(i) / unit, dg.getFloat(i) / unit, 1e-6, "dlogits " + i + " against the CPU backend");
                double sig = 1 / (1 + Math.exp(-(double) z.getFloat(i)));
                close(sig - y[i], dg.getFloat(i) / unit, 1e-6, "dlogits " + i + " against float64 (sigmoid(z) - y)");
            }
        }
    }

    @Test
    void regressionLossesMatchTheCpuBackendAndFloat64() {
        SplittableRandom rng = seeded();
        Backend cpu = Backends.cpu();
        try (StepArena a = new StepArena(1 << 22); Arena host = Arena.ofConfined(); MemoryScope s = MemoryScope.step(a)) {
            int rows = 1 + rng.nextInt(3000);
            Tensor x = random(rng, -5, 5, rows, 1), t = random(rng, -5, 5, rows);
            for (int i = 0; i < rows; i += 1 + rng.nextInt(20)) t.setFloat(i, x.getFloat(i)); // residual 0: MAE's gradient is 0 there
            float delta = (float) rng.nextDouble(0.2, 3);
            Tensor dLoss = Tensor.of(new float[] {(float) rng.nextDouble(0.5, 2)});
            for (RegressionLoss kind : RegressionLoss.values()) {
                double ref = 0;
                for (int i = 0; i < rows; i++) {
                    double r = (double) x.getFloat(i) - t.getFloat(i), ar = Math.abs(r);
                    ref += switch (kind) {
                        case MSE -> r * r;
                        case MAE -> ar;
                        case HUBER -> ar <= delta ? 0.5 * r * r : delta * (ar - 0.5 * delta);
                    };
                }
                MemorySegment acc = host.allocate(ValueLayout.JAVA_DOUBLE);
                call("regression_loss_f32", x.data(), t.data(), acc, (long) rows, kind.ordinal(), delta);
                double got = acc.get(ValueLayout.JAVA_DOUBLE, 0) / rows;
                close(ref / rows, got, 1e-9, kind + " against float64");
                close(cpu.regressionLoss(kind, x, t, delta).getFloat(0), got, 1e-6, kind + " against the CPU backend");
                Tensor dr = cpu.regressionLossBackward(kind, x, t, dLoss.reshape(dev.tuna.tensor.Shape.of()), delta), dg = Tensor.empty(x.shape(), x.dtype());
                call("regression_loss_backward_f32", x.data(), t.data(), dLoss.data(), dg.data(), (long) rows, kind.ordinal(), delta);
                for (int i = 0; i < rows; i++) {
                    double r = (double) x.getFloat(i) - t.getFloat(i);
                    double slope = switch (kind) {
                        case MSE -> 2 * r;
                        case MAE -> Math.signum(r);
                        case HUBER -> Math.max(-delta, Math.min(delta, r));
                    };
                    // Compared per row, in units of dLoss / rows, so that a big batch's small gradients are held to f32 precision.
                    double unit = dLoss.getFloat(0) / rows;
                    close(slope, dg.getFloat(i) / unit, 1e-5, kind + " gradient " + i + " against float64");
                    close(dr.getFloat(i) / unit, dg.getFloat(i) / unit, 1e-6, kind + " gradient " + i + " against the CPU backend");
                }
            }
        }
    }

    @Test
    void reductionsAndTheFiniteCheckMatchFloat64() {
        SplittableRandom rng = seeded();
        try (StepArena a = new StepArena(1 << 22); Arena host = Arena.ofConfined(); MemoryScope s = MemoryScope.step(a)) {
            int n = 1 + rng.nextInt(100000);
            Tensor x = random(rng, -2, 2, n);
            double sum = 0, sq = 0;
            for (int i = 0; i < n; i++) {
                sum += x.getFloat(i);
                sq += (double) x.getFloat(i) * x.getFloat(i);
            }
            MemorySegment out = host.allocate(ValueLayout.JAVA_DOUBLE);
            call("sum_f32", x.data(), (long) n, out);
            assertEquals(sum, out.get(ValueLayout.JAVA_DOUBLE, 0), 1e-9 * n);
            out.set(ValueLayout.JAVA_DOUBLE, 0, 0);
            call("sum_squares_f32", x.data(), (long) n, out);
            assertEquals(sq, out.get(ValueLayout.JAVA_DOUBLE, 0), 1e-9 * n);
            MemorySegment flag = host.allocate(ValueLayout.JAVA_INT);
            flag.set(ValueLayout.JAVA_INT, 0, 1);
            call("all_finite_f32", x.data(), (long) n, flag);
            assertEquals(1, flag.get(ValueLayout.JAVA_INT, 0));
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                Tensor b = copy(x);
                b.setFloat(rng.nextInt(n), bad);
                flag.set(ValueLayout.JAVA_INT, 0, 1);
                call("all_finite_f32", b.data(), (long) n, flag);
                assertEquals(0, flag.get(ValueLayout.JAVA_INT, 0), "finds " + bad);
                assertTrue(!Backends.cpu().allFinite(b));
            }
        }
    }

    @Test
    void fusedOptimizerUpdatesMatchTheCpuBackend() {
        SplittableRandom rng = seeded();
        Backend cpu = Backends.cpu();
        try (StepArena a = new StepArena(1 << 22); MemoryScope s = MemoryScope.step(a)) {
            int n = 1 + rng.nextInt(5000);
            for (int step = 1; step <= 3; step++) {
                Tensor p = random(rng, -1, 1, n), g = random(rng, -1, 1, n), m = random(rng, -0.1, 0.1, n), v = random(rng, 0, 0.01, n);
                Tensor p2 = copy(p), m2 = copy(m), v2 = copy(v);
                float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-7f, wd = step == 2 ? 0.004f : 0f;
                cpu.adamUpdate(p, g, m, v, lr, b1, b2, eps, step, wd);
                double c1 = 1 - Math.pow(b1, step), c2 = 1 - Math.pow(b2, step);
                call("adam_update_f32", p2.data(), g.data(), m2.data(), v2.data(), (long) n, b1, b2, eps, (float) (lr * Math.sqrt(c2) / c1), lr * wd);
                for (int i = 0; i < n; i++) {
                    close(p.getFloat(i), p2.getFloat(i), 1e-6, "adam param");
                    close(m.getFloat(i), m2.getFloat(i), 1e-6, "adam m");
                    close(v.getFloat(i), v2.getFloat(i), 1e-6, "adam v");
                }
            }
            for (boolean nesterov : new boolean[] {false, true}) {
                Tensor p = random(rng, -1, 1, n), g = random(rng, -1, 1, n), vel = random(rng, -0.1, 0.1, n);
                Tensor p2 = copy(p), vel2 = copy(vel);
                cpu.sgdUpdate(p, g, vel, 0.05f, 0.9f, nesterov, 0.001f);
                call("sgd_update_f32", p2.data(), g.data(), vel2.data(), (long) n, 0.05f, 0.9f, nesterov ? 1 : 0, 0.001f);
                for (int i = 0; i < n; i++) {
                    close(p.getFloat(i), p2.getFloat(i), 1e-6, "sgd param");
                    close(vel.getFloat(i), vel2.getFloat(i), 1e-6, "sgd velocity");
                }
            }
            Tensor p = random(rng, -1, 1, n), g = random(rng, -1, 1, n), ms = random(rng, 0, 0.01, n), mb = random(rng, -0.1, 0.1, n);
            Tensor p2 = copy(p), ms2 = copy(ms), mb2 = copy(mb);
            cpu.rmspropUpdate(p, g, ms, mb, 0.001f, 0.9f, 0.5f, 1e-7f);
            call("rmsprop_update_f32", p2.data(), g.data(), ms2.data(), mb2.data(), (long) n, 0.001f, 0.9f, 0.5f, 1e-7f);
            for (int i = 0; i < n; i++) {
                close(p.getFloat(i), p2.getFloat(i), 1e-6, "rmsprop param");
                close(ms.getFloat(i), ms2.getFloat(i), 1e-6, "rmsprop mean square");
                close(mb.getFloat(i), mb2.getFloat(i), 1e-6, "rmsprop momentum");
            }
        }
    }

    @Test
    void castsRoundExactlyAsTheJdkDoes() {
        SplittableRandom rng = seeded();
        try (Arena host = Arena.ofConfined()) {
            int n = 200000;
            MemorySegment x = host.allocate(ValueLayout.JAVA_FLOAT, n), h = host.allocate(ValueLayout.JAVA_SHORT, n), back = host.allocate(ValueLayout.JAVA_FLOAT, n);
            float[] edges = {0f, -0f, 65504f, 65519.99f, 65520f, -65520f, 0x1p-24f, 0x1p-25f, 0x1.0000002p-25f, 0x1p-14f, 0x1.ffcp-15f, 1f / 3,
                    Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
            for (int i = 0; i < n; i++) {
                float f = i < edges.length ? edges[i] : i % 2 == 0 ? Float.intBitsToFloat(rng.nextInt())
                        : (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(-30, 20)));
                if (Float.isNaN(f)) f = 1.5f;
                x.setAtIndex(ValueLayout.JAVA_FLOAT, i, f);
            }
            call("cast_f32_f16", x, h, (long) n);
            call("cast_f16_f32", h, back, (long) n);
            for (int i = 0; i < n; i++) {
                float f = x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                short expected = HalfFloats.toF16(f);
                assertEquals(expected, h.getAtIndex(ValueLayout.JAVA_SHORT, i), "f16 of " + f + " (" + Float.toHexString(f) + ")");
                assertEquals(HalfFloats.fromF16(expected), back.getAtIndex(ValueLayout.JAVA_FLOAT, i), "f16 back to f32");
            }
            call("cast_f32_bf16", x, h, (long) n);
            call("cast_bf16_f32", h, back, (long) n);
            for (int i = 0; i < n; i++) {
                float f = x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                assertEquals(HalfFloats.toBF16(f), h.getAtIndex(ValueLayout.JAVA_SHORT, i), "bf16 of " + f);
                assertEquals(HalfFloats.fromBF16(HalfFloats.toBF16(f)), back.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
        }
    }

    @Test
    void theBatchGatherPicksTheShuffledRows() {
        SplittableRandom rng = seeded();
        try (StepArena a = new StepArena(1 << 22); MemoryScope s = MemoryScope.step(a)) {
            int rows = 50 + rng.nextInt(100), rowSize = 1 + rng.nextInt(30);
            Tensor src = random(rng, -1, 1, rows, rowSize);
            int[] order = new int[rows];
            for (int i = 0; i < rows; i++) order[i] = i;
            for (int i = rows - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            int from = rng.nextInt(rows / 2), count = 1 + rng.nextInt(rows - from);
            Tensor ref = Backends.cpu().gatherRows(src, order, from, count);
            Tensor idx = Tensor.ofInts(order, rows), got = Tensor.empty(ref.shape(), ref.dtype());
            call("gather_rows_b32", src.data(), idx.data(), got.data(), (long) from, (long) count, (long) rowSize);
            for (long i = 0; i < ref.size(); i++) assertEquals(ref.getFloat(i), got.getFloat(i));
        }
    }
}
