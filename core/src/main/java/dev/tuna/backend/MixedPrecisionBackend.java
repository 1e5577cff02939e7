package dev.tuna.backend;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.List;

/**
 * A mixed-precision policy over a float32 backend, emulating on the CPU what a GPU does in half precision: every
 * layer computation (GEMM, convolution, elementwise ops and their backwards, batch norm's output, the input batch)
 * stores its result rounded to f16 or bf16, and a GEMM or convolution reads its operands rounded (the f32 master
 * weights cast for compute) while accumulating in f32, as tensor cores do. Softmax, the loss, reductions, gradient
 * accumulation, running statistics and optimizer updates stay in f32 on purpose. Values keep f32 storage, so the
 * arithmetic is exactly that of the 16-bit format (overflow to infinity and flush to zero included) and every
 * other part of tuna works unchanged; on a GPU the same policy runs in real half-precision tensors.
 */
public final class MixedPrecisionBackend implements Backend {
    private final Backend base;
    private final Precision precision;

    public MixedPrecisionBackend(Backend base, Precision precision) {
        if (!precision.mixed()) throw new IllegalArgumentException("a mixed-precision backend needs a mixed policy, not " + precision.id());
        if (base.device().kind() != dev.tuna.tensor.Device.Kind.CPU) {
            throw new IllegalArgumentException(precision.id() + " on " + base.device() + " needs half-precision tensors on the device, which are not built yet; use float32 there");
        }
        this.base = base;
        this.precision = precision;
    }

    @Override
    public Precision precision() { return precision; }

    public Backend base() { return base; }

    /** Rounds a fresh (or owned) f32 tensor in place and returns it. */
    private Tensor r(Tensor t) {
        if (t.dtype() == DType.F32) precision.roundInPlace(t.data(), t.size());
        return t;
    }

    /** An operand as the compute format sees it: a rounded copy, leaving the caller's tensor (a master weight) alone. */
    private Tensor operand(Tensor t) {
        if (t.dtype() != DType.F32) return t;
        Tensor c = base.empty(t.shape(), DType.F32);
        c.copyFrom(t);
        return r(c);
    }

    @Override public Device device() { return base.device(); }
    @Override public Tensor empty(Shape shape, DType dtype) { return base.empty(shape, dtype); }
    @Override public Tensor zeros(Shape shape, DType dtype) { return base.zeros(shape, dtype); }
    @Override public Tensor fromHost(Tensor host) { return base.fromHost(host); }
    @Override public void copyInto(Tensor src, Tensor dst) { base.copyInto(src, dst); }
    @Override public void release(Tensor t) { base.release(t); }
    @Override public Tensor toHost(Tensor t) { return base.toHost(t); }

    @Override
    public Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        return r(base.matmul(operand(a), transA, operand(b), transB));
    }

    @Override
    public void matmulInto(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float beta) {
        base.matmulInto(operand(a), transA, operand(b), transB, c, beta);
        r(c);
    }

    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { return r(base.binary(op, a, b)); }
    @Override public Tensor sumToShape(Tensor x, Shape target) { return r(base.sumToShape(x, target)); }
    @Override public Tensor unary(UnaryOp op, Tensor x) { return r(base.unary(op, x)); }
    @Override public Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy) { return r(base.unaryBackward(op, x, y, dy)); }
    @Override public Tensor scale(Tensor x, float s) { return r(base.scale(x, s)); }
    @Override public void scaleInPlace(Tensor x, float s) { base.scaleInPlace(x, s); }
    @Override public void scaleInto(Tensor src, float s, Tensor dst) { base.scaleInto(src, s, dst); }
    @Override public void zeroInPlace(Tensor t) { base.zeroInPlace(t); }

    @Override
    public void biasActivationInPlace(Tensor y, Tensor bias, UnaryOp act) {
        base.biasActivationInPlace(y, operand(bias), act);
        r(y);
    }

    // Gradient accumulation, reductions, casts, the loss and metrics stay in f32.
    @Override public void axpy(float a, Tensor x, Tensor y) { base.axpy(a, x, y); }
    @Override public Tensor sum(Tensor x) { return base.sum(x); }
    @Override public Tensor broadcastScalar(Tensor s, float factor, Shape shape) { return base.broadcastScalar(s, factor, shape); }
    @Override public Tensor cast(Tensor x, DType dtype) { return base.cast(x, dtype); }
    @Override public Tensor softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs) { return base.softmaxCrossEntropy(logits, labels, probs); }

    /** The gradient leaving the f32 loss enters the half-precision network (so it is rounded, as for every loss below). */
    @Override
    public Tensor softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss) {
        return r(base.softmaxCrossEntropyBackward(probs, labels, dLoss));
    }

    @Override public Tensor binaryCrossEntropy(Tensor logits, Tensor labels, Tensor probs) { return base.binaryCrossEntropy(logits, labels, probs); }

    @Override
    public Tensor binaryCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss) {
        return r(base.binaryCrossEntropyBackward(probs, labels, dLoss));
    }

    @Override
    public Tensor regressionLoss(RegressionLoss loss, Tensor predictions, Tensor targets, float delta) {
        return base.regressionLoss(loss, predictions, targets, delta);
    }

    @Override
    public Tensor regressionLossBackward(RegressionLoss loss, Tensor predictions, Tensor targets, Tensor dLoss, float delta) {
        return r(base.regressionLossBackward(loss, predictions, targets, dLoss, delta));
    }

    @Override public Tensor softmax(Tensor logits) { return base.softmax(logits); }

    /** Probabilities stay in f32, as softmax's do: rounding p(class 1) to f16 would tie rows that a metric (AUC) tells apart. */
    @Override public Tensor sigmoid(Tensor logits) { return base.sigmoid(logits); }
    @Override public int countCorrect(Tensor logits, Tensor labels) { return base.countCorrect(logits, labels); }
    @Override public Tensor dropoutMask(Shape shape, float rate, long seed, long counter) { return r(base.dropoutMask(shape, rate, seed, counter)); }

    @Override public Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g) { return r(base.conv2d(operand(x), operand(w), g)); }

    @Override
    public Tensor conv2dBackwardInput(Tensor dy, Tensor w, Shape xShape, Conv2dGeometry g) {
        return r(base.conv2dBackwardInput(operand(dy), operand(w), xShape, g));
    }

    @Override
    public Tensor conv2dBackwardFilter(Tensor x, Tensor dy, Shape wShape, Conv2dGeometry g) {
        return r(base.conv2dBackwardFilter(operand(x), operand(dy), wShape, g));
    }

    @Override public Tensor maxPool2d(Tensor x, Pool2dGeometry g, Tensor argmax) { return base.maxPool2d(x, g, argmax); }
    @Override public Tensor maxPool2dBackward(Tensor dy, Tensor argmax, Shape xShape) { return base.maxPool2dBackward(dy, argmax, xShape); }

    /** Statistics in f32 (as cuDNN computes them), the normalised output stored in the compute format. */
    @Override
    public Tensor batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor mean, Tensor invStd, Tensor variance) {
        return r(base.batchNormTrain(x, gamma, beta, eps, mean, invStd, variance));
    }

    @Override
    public Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps) {
        return r(base.batchNormInference(x, gamma, beta, runningMean, runningVar, eps));
    }

    @Override
    public Tensor[] batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd) {
        Tensor[] g = base.batchNormBackward(dy, x, gamma, mean, invStd);
        r(g[0]);
        return g;
    }

    @Override public void lerpInto(Tensor running, Tensor batch, float momentum) { base.lerpInto(running, batch, momentum); }
    @Override public Tensor concat(List<Tensor> parts, int axis) { return base.concat(parts, axis); }
    @Override public Tensor slice(Tensor x, int axis, int start, int length) { return base.slice(x, axis, start, length); }

    /** The input batch is cast to the compute format as it enters the network (labels are i32 and stay). */
    @Override public Tensor gatherRows(Tensor src, int[] indices, int from, int count) { return r(base.gatherRows(src, indices, from, count)); }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov, float weightDecay) {
        base.sgdUpdate(param, grad, velocity, lr, momentum, nesterov, weightDecay);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, long step,
                           float decoupledWeightDecay) {
        base.adamUpdate(param, grad, m, v, lr, beta1, beta2, eps, step, decoupledWeightDecay);
    }

    @Override
    public void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuf, float lr, float rho, float momentum, float eps) {
        base.rmspropUpdate(param, grad, meanSquare, momentumBuf, lr, rho, momentum, eps);
    }

    @Override public double sumOfSquares(Tensor x) { return base.sumOfSquares(x); }
    @Override public boolean allFinite(Tensor x) { return base.allFinite(x); }
}
