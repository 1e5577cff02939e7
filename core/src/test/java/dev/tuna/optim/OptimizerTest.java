package dev.tuna.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.nn.Parameter;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Each optimizer's update against Keras' formulas evaluated in float64, over several steps of random gradients. */
class OptimizerTest {
    private static final int N = 37;
    private static final int STEPS = 5;

    interface RefStep { void apply(double[] p, double[] g, double[][] slots, int step); }

    private static void check(String name, Map<String, Object> opts, int slots, RefStep ref) {
        long seed = System.nanoTime();
        SplittableRandom rng = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            float[] init = new float[N];
            for (int i = 0; i < N; i++) init[i] = (float) rng.nextDouble(-1, 1);
            Parameter p = new Parameter("w", Tensor.of(init, N));
            Optimizer opt = Optimizers.create(name, opts, arena);
            double[] rp = new double[N];
            for (int i = 0; i < N; i++) rp[i] = init[i];
            double[][] rs = new double[slots][N];
            for (int step = 1; step <= STEPS; step++) {
                float[] g = new float[N];
                double[] dg = new double[N];
                for (int i = 0; i < N; i++) dg[i] = g[i] = (float) rng.nextDouble(-1, 1);
                var field = p;
                setGrad(field, Tensor.of(g, N));
                opt.step(Backends.cpu(), List.of(p));
                p.zeroGrad();
                ref.apply(rp, dg, rs, step);
            }
            for (int i = 0; i < N; i++) {
                assertEquals(rp[i], p.value().getFloat(i), 1e-5 * (1 + Math.abs(rp[i])), name + " element " + i + " (seed " + seed + ")");
            }
        }
    }

    private static void setGrad(Parameter p, Tensor g) {
        // Gradients normally come from the tape; the test sets them through the same package-private path.
        try (dev.tuna.autograd.Tape tape = dev.tuna.autograd.Tape.record()) {
            dev.tuna.autograd.Var loss = dev.tuna.autograd.F.sum(dev.tuna.autograd.F.mul(p, dev.tuna.autograd.Var.constant(g)));
            tape.backward(loss, Backends.cpu());
        }
    }

    @Test
    void sgdPlainMomentumAndNesterov() {
        check("sgd", Map.of("learning_rate", 0.05), 0, (p, g, s, t) -> {
            for (int i = 0; i < N; i++) p[i] -= 0.05 * g[i];
        });
        check("sgd", Map.of("learning_rate", 0.05, "momentum", 0.9), 1, (p, g, s, t) -> {
            for (int i = 0; i < N; i++) {
                s[0][i] = 0.9 * s[0][i] - 0.05 * g[i];
                p[i] += s[0][i];
            }
        });
        check("sgd", Map.of("learning_rate", 0.05, "momentum", 0.9, "nesterov", true), 1, (p, g, s, t) -> {
            for (int i = 0; i < N; i++) {
                s[0][i] = 0.9 * s[0][i] - 0.05 * g[i];
                p[i] += 0.9 * s[0][i] - 0.05 * g[i];
            }
        });
    }

    private static RefStep adam(double lr, double wd) {
        return (p, g, s, t) -> {
            double alpha = lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
            for (int i = 0; i < N; i++) {
                s[0][i] = 0.9 * s[0][i] + 0.1 * g[i];
                s[1][i] = 0.999 * s[1][i] + 0.001 * g[i] * g[i];
                p[i] -= lr * wd * p[i];
                p[i] -= alpha * s[0][i] / (Math.sqrt(s[1][i]) + 1e-7);
            }
        };
    }

    @Test
    void adamAndAdamWFollowKeras() {
        check("adam", Map.of(), 2, adam(0.001, 0));
        check("adam", Map.of("learning_rate", 0.01), 2, adam(0.01, 0));
        check("adamw", Map.of(), 2, adam(0.001, 0.004));
    }

    @Test
    void rmspropFollowsKeras() {
        check("rmsprop", Map.of(), 1, (p, g, s, t) -> {
            for (int i = 0; i < N; i++) {
                s[0][i] = 0.9 * s[0][i] + 0.1 * g[i] * g[i];
                p[i] -= 0.001 * g[i] / Math.sqrt(s[0][i] + 1e-7);
            }
        });
        check("rmsprop", Map.of("momentum", 0.5), 2, (p, g, s, t) -> {
            for (int i = 0; i < N; i++) {
                s[0][i] = 0.9 * s[0][i] + 0.1 * g[i] * g[i];
                s[1][i] = 0.5 * s[1][i] + 0.001 * g[i] / Math.sqrt(s[0][i] + 1e-7);
                p[i] -= s[1][i];
            }
        });
    }

    @Test
    void globalClipnormScalesAllGradientsTogether() {
        try (Arena arena = Arena.ofConfined()) {
            Parameter a = new Parameter("a", Tensor.of(new float[] {0, 0}, 2));
            Parameter b = new Parameter("b", Tensor.of(new float[] {0}, 1));
            Optimizer opt = Optimizers.create("sgd", Map.of("learning_rate", 1.0, "global_clipnorm", 1.0), arena);
            try (dev.tuna.autograd.Tape tape = dev.tuna.autograd.Tape.record()) {
                var la = dev.tuna.autograd.F.sum(dev.tuna.autograd.F.mul(a, dev.tuna.autograd.Var.constant(Tensor.of(new float[] {3, 0}, 2))));
                var lb = dev.tuna.autograd.F.sum(dev.tuna.autograd.F.mul(b, dev.tuna.autograd.Var.constant(Tensor.of(new float[] {4}, 1))));
                tape.backward(dev.tuna.autograd.F.add(la, lb), Backends.cpu());
            }
            opt.step(Backends.cpu(), List.of(a, b));
            // global norm 5 -> gradients scaled by 1/5
            assertEquals(-0.6f, a.value().getFloat(0), 1e-6);
            assertEquals(-0.8f, b.value().getFloat(0), 1e-6);
        }
    }

    @Test
    void badOptionsAreNamed() {
        try (Arena arena = Arena.ofConfined()) {
            String m = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adam", Map.of("lr", 0.1), arena)).getMessage();
            assertTrue(m.contains("no option 'lr'"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("adam", Map.of("learning_rate", -1), arena)).getMessage();
            assertTrue(m.contains("option learning_rate: expected a positive number, got -1"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("sgd", Map.of("clipnorm", 1, "clipvalue", 1), arena)).getMessage();
            assertTrue(m.contains("at most one"), m);
        }
    }

    @Test
    void settingsThatWouldTrainWrongAreRefusedThroughTheJavaApiToo() {
        try (Arena arena = Arena.ofConfined()) {
            Object[][] cases = {{"adam", "beta_1", 1.0}, {"adam", "beta_2", 1.5}, {"adam", "epsilon", 0}, {"adamw", "weight_decay", -0.1},
                    {"rmsprop", "rho", 1}, {"rmsprop", "momentum", -0.5}, {"sgd", "momentum", 1}, {"sgd", "clipnorm", 0}, {"adam", "clipvalue", -1},
                    {"adam", "global_clipnorm", 0}};
            for (Object[] c : cases) {
                String m = assertThrows(IllegalArgumentException.class, () -> Optimizers.create((String) c[0], Map.of((String) c[1], c[2]), arena),
                        c[0] + " " + c[1] + " " + c[2]).getMessage();
                assertTrue(m.contains(c[1] + ": expected "), m);
            }
            assertThrows(IllegalArgumentException.class, () -> new Clipping(-1, 0, 0), "a negative threshold is not 'off'");
            assertThrows(IllegalArgumentException.class, () -> new dev.tuna.nn.BatchNormalization(5f, 1e-3f));
            assertThrows(IllegalArgumentException.class, () -> new dev.tuna.nn.BatchNormalization(0.99f, 0f));
        }
    }
}
