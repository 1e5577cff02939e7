package dev.tuna.autograd;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.BinaryOp;
import dev.tuna.backend.Conv2dGeometry;
import dev.tuna.backend.Pool2dGeometry;
import dev.tuna.backend.RegressionLoss;
import dev.tuna.backend.UnaryOp;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** The differentiable ops: each computes its forward on the inputs' backend and records its backward beside it. */
public final class F {
    private F() {}

    private static Backend be(Var v) { return Backends.of(v.value().device()); }

    // ---- linear algebra ----

    /** op(a) @ op(b) for 2-d operands. */
    public static Var matmul(Var a, boolean transA, Var b, boolean transB) {
        Backend be = be(a);
        Tensor y = be.matmul(a.value(), transA, b.value(), transB);
        return Tape.result(y, g -> new Tensor[] {
            !a.requiresGrad() ? null
                : transA ? be.matmul(b.value(), transB, g, true) : be.matmul(g, false, b.value(), !transB),
            !b.requiresGrad() ? null
                : transB ? be.matmul(g, true, a.value(), transA) : be.matmul(a.value(), !transA, g, false),
        }, a, b);
    }

    public static Var matmul(Var a, Var b) { return matmul(a, false, b, false); }

    // ---- elementwise with broadcasting ----

    public static Var add(Var a, Var b) { return binary(BinaryOp.ADD, a, b); }

    public static Var sub(Var a, Var b) { return binary(BinaryOp.SUB, a, b); }

    public static Var mul(Var a, Var b) { return binary(BinaryOp.MUL, a, b); }

    public static Var div(Var a, Var b) { return binary(BinaryOp.DIV, a, b); }

    private static Var binary(BinaryOp op, Var a, Var b) {
        Backend be = be(a);
        Tensor av = a.value(), bv = b.value();
        Tensor y = be.binary(op, av, bv);
        return Tape.result(y, g -> {
            Tensor ga = null, gb = null;
            switch (op) {
                case ADD -> {
                    if (a.requiresGrad()) ga = g;
                    if (b.requiresGrad()) gb = g;
                }
                case SUB -> {
                    if (a.requiresGrad()) ga = g;
                    if (b.requiresGrad()) gb = be.scale(g, -1f);
                }
                case MUL -> {
                    if (a.requiresGrad()) ga = be.binary(BinaryOp.MUL, g, bv);
                    if (b.requiresGrad()) gb = be.binary(BinaryOp.MUL, g, av);
                }
                case DIV -> {
                    if (a.requiresGrad()) ga = be.binary(BinaryOp.DIV, g, bv);
                    // d(a/b)/db = -a/b^2 = -y/b
                    if (b.requiresGrad()) gb = be.scale(be.binary(BinaryOp.DIV, be.binary(BinaryOp.MUL, g, y), bv), -1f);
                }
            }
            return new Tensor[] {
                ga == null ? null : be.sumToShape(ga, av.shape()),
                gb == null ? null : be.sumToShape(gb, bv.shape()),
            };
        }, a, b);
    }

    /** x + bias along the last axis (the dense and conv bias). */
    public static Var biasAdd(Var x, Var bias) { return add(x, bias); }

    /**
     * act(z + bias) computed in place in z's storage. Only for z fresh from a matmul or convolution that
     * nothing else reads: their backward needs their inputs, not their output. Works for relu, tanh and sigmoid
     * (whose derivatives follow from the output alone); other activations take the two-op path.
     */
    public static Var biasActivationInPlace(Var z, Var bias, String activation) {
        checkActivation(activation);
        UnaryOp op = activation == null ? null : switch (activation) {
            case "relu" -> UnaryOp.RELU;
            case "tanh" -> UnaryOp.TANH;
            case "sigmoid" -> UnaryOp.SIGMOID;
            case "linear", "none" -> null;
            default -> UnaryOp.GELU;
        };
        if (op == UnaryOp.GELU) return activation(activation, biasAdd(z, bias));
        Backend be = be(z);
        Tensor y = z.value();
        be.biasActivationInPlace(y, bias.value(), op);
        Shape bs = bias.value().shape();
        return Tape.result(y, g -> {
            // relu'(x) is y > 0; tanh' and sigmoid' are functions of y: the overwritten input is not needed.
            Tensor gz = op == null ? g : be.unaryBackward(op, y, y, g);
            return new Tensor[] {gz, bias.requiresGrad() ? be.sumToShape(gz, bs) : null};
        }, z, bias);
    }

    public static Var scale(Var x, float s) {
        Backend be = be(x);
        return Tape.result(be.scale(x.value(), s), g -> new Tensor[] {be.scale(g, s)}, x);
    }

    public static Var unary(UnaryOp op, Var x) {
        Backend be = be(x);
        Tensor y = be.unary(op, x.value());
        return Tape.result(y, g -> new Tensor[] {be.unaryBackward(op, x.value(), y, g)}, x);
    }

    public static Var relu(Var x) { return unary(UnaryOp.RELU, x); }

    public static Var gelu(Var x) { return unary(UnaryOp.GELU, x); }

    public static Var tanh(Var x) { return unary(UnaryOp.TANH, x); }

    public static Var sigmoid(Var x) { return unary(UnaryOp.SIGMOID, x); }

    private static final java.util.Set<String> ACTIVATIONS = java.util.Set.of("linear", "none", "relu", "gelu", "tanh", "sigmoid");

    /** Throws when the name is not an activation this library knows. */
    public static void checkActivation(String name) {
        if (name != null && !ACTIVATIONS.contains(name)) {
            throw new IllegalArgumentException("activation '" + name + "': expected relu, gelu, tanh, sigmoid or linear");
        }
    }

    /** A named activation as Keras spells it; "linear" or null is the identity. */
    public static Var activation(String name, Var x) {
        checkActivation(name);
        if (name == null) return x;
        return switch (name) {
            case "linear", "none" -> x;
            case "relu" -> relu(x);
            case "gelu" -> gelu(x);
            case "tanh" -> tanh(x);
            case "sigmoid" -> sigmoid(x);
            default -> throw new IllegalArgumentException("activation '" + name + "': expected relu, gelu, tanh, sigmoid or linear");
        };
    }

    // ---- reductions ----

    public static Var sum(Var x) {
        Backend be = be(x);
        Shape s = x.value().shape();
        return Tape.result(be.sum(x.value()), g -> new Tensor[] {be.broadcastScalar(g, 1f, s)}, x);
    }

    public static Var mean(Var x) {
        Backend be = be(x);
        Shape s = x.value().shape();
        float inv = 1f / s.size();
        return Tape.result(be.scale(be.sum(x.value()), inv), g -> new Tensor[] {be.broadcastScalar(g, inv, s)}, x);
    }

    // ---- losses ----

    /** Mean sparse categorical cross-entropy from logits, softmax fused in and computed stably. */
    public static Var softmaxCrossEntropy(Var logits, Tensor labels) {
        Backend be = be(logits);
        Tensor probs = be.empty(logits.value().shape(), DType.F32);
        Tensor loss = be.softmaxCrossEntropy(logits.value(), labels, probs);
        return Tape.result(loss, g -> new Tensor[] {be.softmaxCrossEntropyBackward(probs, labels, g)}, logits);
    }

    /**
     * Mean binary cross-entropy from logits [n, 1] or [n] against i32 labels in {0, 1} [n], the sigmoid fused in and
     * computed stably (finite and exact for any finite logit); the gradient is (sigmoid(z) - y) / n.
     */
    public static Var binaryCrossEntropyWithLogits(Var logits, Tensor labels) {
        Backend be = be(logits);
        Tensor probs = be.empty(logits.value().shape(), DType.F32);
        Tensor loss = be.binaryCrossEntropy(logits.value(), labels, probs);
        return Tape.result(loss, g -> new Tensor[] {be.binaryCrossEntropyBackward(probs, labels, g)}, logits);
    }

    /** Mean of (prediction - target)^2 over rows of predictions [n, 1] or [n] against f32 targets [n]. */
    public static Var meanSquaredError(Var predictions, Tensor targets) { return regression(RegressionLoss.MSE, predictions, targets, 0f); }

    /** Mean of |prediction - target|; its gradient is sign(r) / n, 0 where a prediction is exactly its target. */
    public static Var meanAbsoluteError(Var predictions, Tensor targets) { return regression(RegressionLoss.MAE, predictions, targets, 0f); }

    /** Mean Huber loss: 0.5 r^2 where |r| <= delta, else delta (|r| - 0.5 delta), as Keras defines it; delta > 0. */
    public static Var huber(Var predictions, Tensor targets, float delta) {
        if (!(delta > 0) || Float.isInfinite(delta)) throw new IllegalArgumentException("huber delta " + delta + ": expected a finite number > 0");
        return regression(RegressionLoss.HUBER, predictions, targets, delta);
    }

    private static Var regression(RegressionLoss kind, Var predictions, Tensor targets, float delta) {
        Backend be = be(predictions);
        Tensor x = predictions.value();
        Tensor loss = be.regressionLoss(kind, x, targets, delta);
        return Tape.result(loss, g -> new Tensor[] {be.regressionLossBackward(kind, x, targets, g, delta)}, predictions);
    }

    // ---- regularisation ----

    /** Inverted dropout: scales kept units by 1/(1-rate) so inference needs no rescaling. */
    public static Var dropout(Var x, float rate, long seed, long counter) {
        if (rate <= 0f) return x;
        if (rate >= 1f) throw new IllegalArgumentException("dropout rate " + rate + ": expected a value in [0, 1)");
        Backend be = be(x);
        Tensor mask = be.dropoutMask(x.value().shape(), rate, seed, counter);
        return Tape.result(be.binary(BinaryOp.MUL, x.value(), mask), g -> new Tensor[] {be.binary(BinaryOp.MUL, g, mask)}, x);
    }

    // ---- convolution and pooling ----

    public static Var conv2d(Var x, Var kernel, Conv2dGeometry geom) {
        Backend be = be(x);
        Tensor y = be.conv2d(x.value(), kernel.value(), geom);
        return Tape.result(y, g -> new Tensor[] {
            x.requiresGrad() ? be.conv2dBackwardInput(g, kernel.value(), x.value().shape(), geom) : null,
            kernel.requiresGrad() ? be.conv2dBackwardFilter(x.value(), g, kernel.value().shape(), geom) : null,
        }, x, kernel);
    }

    public static Var maxPool2d(Var x, Pool2dGeometry geom) {
        Backend be = be(x);
        Tensor xv = x.value();
        Tensor argmax = be.empty(Shape.of(xv.dim(0), geom.outH(xv.dim(1)), geom.outW(xv.dim(2)), xv.dim(3)), DType.I32);
        Tensor y = be.maxPool2d(xv, geom, argmax);
        return Tape.result(y, g -> new Tensor[] {be.maxPool2dBackward(g, argmax, xv.shape())}, x);
    }

    // ---- batch normalisation ----

    /**
     * Batch normalisation over the last axis. Training mode uses the batch's statistics and moves the
     * running ones toward them (Keras' momentum convention); inference uses the running ones.
     */
    public static Var batchNorm(Var x, Var gamma, Var beta, Tensor runningMean, Tensor runningVar,
                                float momentum, float eps, boolean training) {
        Backend be = be(x);
        if (!training) {
            Tensor y = be.batchNormInference(x.value(), gamma.value(), beta.value(), runningMean, runningVar, eps);
            return Tape.result(y, g -> {
                // With frozen statistics the op is affine per channel: y = xhat * gamma + beta.
                Tensor epsT = be.fromHost(Tensor.of(new float[] {eps}, 1));
                Tensor invStd = be.binary(BinaryOp.DIV, be.fromHost(Tensor.of(new float[] {1f}, 1)),
                        be.unary(UnaryOp.SQRT, be.binary(BinaryOp.ADD, runningVar, epsT)));
                Tensor xhat = be.binary(BinaryOp.MUL, be.binary(BinaryOp.SUB, x.value(), runningMean), invStd);
                Shape cs = gamma.value().shape();
                return new Tensor[] {
                    be.binary(BinaryOp.MUL, g, be.binary(BinaryOp.MUL, gamma.value(), invStd)),
                    be.sumToShape(be.binary(BinaryOp.MUL, g, xhat), cs),
                    be.sumToShape(g, cs),
                };
            }, x, gamma, beta);
        }
        int c = x.value().dim(-1);
        Tensor mean = be.empty(Shape.of(c), DType.F32), invStd = be.empty(Shape.of(c), DType.F32), var = be.empty(Shape.of(c), DType.F32);
        Tensor y = be.batchNormTrain(x.value(), gamma.value(), beta.value(), eps, mean, invStd, var);
        if (runningMean != null) {
            be.lerpInto(runningMean, mean, momentum);
            be.lerpInto(runningVar, var, momentum);
        }
        return Tape.result(y, g -> be.batchNormBackward(g, x.value(), gamma.value(), mean, invStd), x, gamma, beta);
    }

    /**
     * Batch normalisation with the statistics of a global batch split over replicas (PyTorch's SyncBatchNorm):
     * each replica's per-channel sum and sum of squares (from its own two-pass mean and variance) are summed over
     * the replicas, and so, in backward, are the two sums the input gradient needs, weighted by each replica's share
     * of the rows: the result is what one trainer computes on the whole batch. {@code sum} replaces an array by its
     * sum over the replicas.
     */
    public static Var syncBatchNorm(Var x, Var gamma, Var beta, Tensor runningMean, Tensor runningVar, float momentum, float eps,
                                    java.util.function.Consumer<float[]> sum) {
        Backend be = be(x);
        int c = x.value().dim(-1);
        long rows = x.value().size() / c;
        Shape cs = gamma.value().shape();
        Tensor lm = be.empty(Shape.of(c), DType.F32), linv = be.empty(Shape.of(c), DType.F32), lvar = be.empty(Shape.of(c), DType.F32);
        be.batchNormTrain(x.value(), gamma.value(), beta.value(), eps, lm, linv, lvar);
        float[] m = be.toHost(lm).toFloatArray(), v = be.toHost(lvar).toFloatArray();
        float[] stats = new float[2 * c + 1];
        for (int j = 0; j < c; j++) {
            stats[j] = (float) ((double) rows * m[j]);
            stats[c + j] = (float) ((double) rows * (v[j] + (double) m[j] * m[j]));
        }
        stats[2 * c] = rows;
        sum.accept(stats);
        double n = stats[2 * c];
        float[] mean = new float[c], var = new float[c], inv = new float[c];
        for (int j = 0; j < c; j++) {
            double mu = stats[j] / n;
            mean[j] = (float) mu;
            var[j] = (float) Math.max(0, stats[c + j] / n - mu * mu);
            inv[j] = (float) (1 / Math.sqrt(var[j] + eps));
        }
        Tensor gm = be.fromHost(Tensor.of(mean, c)), gv = be.fromHost(Tensor.of(var, c)), invStd = be.fromHost(Tensor.of(inv, c));
        Tensor y = be.batchNormInference(x.value(), gamma.value(), beta.value(), gm, gv, eps);
        if (runningMean != null) {
            be.lerpInto(runningMean, gm, momentum);
            be.lerpInto(runningVar, gv, momentum);
        }
        float share = (float) (rows / n);
        return Tape.result(y, g -> {
            Tensor xhat = be.binary(BinaryOp.MUL, be.binary(BinaryOp.SUB, x.value(), gm), invStd);
            Tensor dxhat = be.binary(BinaryOp.MUL, g, gamma.value());
            float[] a = be.toHost(be.sumToShape(dxhat, cs)).toFloatArray(), b = be.toHost(be.sumToShape(be.binary(BinaryOp.MUL, dxhat, xhat), cs)).toFloatArray();
            float[] ab = new float[2 * c];
            for (int j = 0; j < c; j++) {
                ab[j] = a[j] * share;
                ab[c + j] = b[j] * share;
            }
            sum.accept(ab);
            // dx = invStd * (dxhat - (A + xhat * B) / rows), A and B the global sums: this replica's share of the
            // global gradient, in the scale of its own mean loss (the gradient sync weights it by its share).
            float[] aa = new float[c], bb = new float[c];
            for (int j = 0; j < c; j++) {
                aa[j] = (float) (ab[j] / rows);
                bb[j] = (float) (ab[c + j] / rows);
            }
            Tensor corr = be.binary(BinaryOp.ADD, be.binary(BinaryOp.MUL, xhat, be.fromHost(Tensor.of(bb, c))), be.fromHost(Tensor.of(aa, c)));
            Tensor dx = be.binary(BinaryOp.MUL, be.binary(BinaryOp.SUB, dxhat, corr), invStd);
            return new Tensor[] {dx, be.sumToShape(be.binary(BinaryOp.MUL, g, xhat), cs), be.sumToShape(g, cs)};
        }, x, gamma, beta);
    }

    // ---- shape ----

    public static Var reshape(Var x, int... dims) {
        Shape s = x.value().shape();
        return Tape.result(x.value().reshape(dims), g -> new Tensor[] {g.reshape(s)}, x);
    }

    /** Flattens all axes but the first. */
    public static Var flatten(Var x) { return reshape(x, x.value().dim(0), -1); }

    public static Var concat(List<Var> parts, int axis) {
        Backend be = be(parts.get(0));
        List<Tensor> values = new ArrayList<>(parts.size());
        for (Var p : parts) values.add(p.value());
        Tensor y = be.concat(values, axis);
        return Tape.result(y, g -> {
            Tensor[] out = new Tensor[parts.size()];
            int start = 0;
            for (int i = 0; i < out.length; i++) {
                int len = values.get(i).dim(axis);
                if (parts.get(i).requiresGrad()) out[i] = be.slice(g, axis, start, len);
                start += len;
            }
            return out;
        }, parts.toArray(new Var[0]));
    }
}
