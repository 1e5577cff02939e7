package dev.tuna.backend;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.List;

/**
 * Every operation the layers and optimizers need, over tensors on one device. Outputs are allocated
 * in the current memory scope; ops named "...Into" or "update" write into tensors they are given.
 * The CPU implementation is the reference; a CUDA one must agree with it within dtype tolerance.
 * Float tensors are f32 unless a method says otherwise.
 */
public interface Backend {
    Device device();

    Tensor empty(Shape shape, DType dtype);

    Tensor zeros(Shape shape, DType dtype);

    /** A copy of a host tensor on this device (the same tensor when this is the host). */
    Tensor fromHost(Tensor host);

    /** A host copy of a tensor of this device (the same tensor when this is the host). */
    Tensor toHost(Tensor t);

    // ---- linear algebra ----

    /** op(a) @ op(b) for 2-d a and b, where op transposes when the flag is set. */
    Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB);

    /** c = op(a) @ op(b) + beta * c. */
    void matmulInto(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float beta);

    // ---- elementwise ----

    /** a op b with numpy broadcasting. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /** Sums x down to a shape it was broadcast from (the backward of broadcasting). */
    Tensor sumToShape(Tensor x, Shape target);

    Tensor unary(UnaryOp op, Tensor x);

    /** dx = dy * f'(x), given the forward's input x and output y. */
    Tensor unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy);

    Tensor scale(Tensor x, float s);

    /** x *= s, in place (unscaling gradients after a scaled loss). */
    void scaleInPlace(Tensor x, float s);

    /** Copies src into dst (same size and dtype), each on the host or on this backend's device. */
    default void copyInto(Tensor src, Tensor dst) { dst.copyFrom(src); }

    /** dst = s * src, f32, same size; dst may be a view into a larger buffer (a gradient bucket). */
    default void scaleInto(Tensor src, float s, Tensor dst) {
        copyInto(src, dst);
        scaleInPlace(dst, s);
    }

    /** Sets every f32 element of t, on the host or on this backend's device, to zero. */
    default void zeroInPlace(Tensor t) { t.fill(0f); }

    /**
     * Gives back a tensor this backend made outside any step (a parameter or optimizer slot moved to its device);
     * host memory is freed with its arena instead, so the host backend does nothing.
     */
    default void release(Tensor t) {}

    /** The precision policy this backend computes in (float32 unless it is a mixed-precision policy over one). */
    default Precision precision() { return Precision.FLOAT32; }

    /**
     * y = act(y + bias) in place, bias along the last axis; act is RELU, TANH, SIGMOID or null (none). Dense and
     * convolution layers use it on their fresh GEMM output, which saves two passes and two allocations.
     */
    void biasActivationInPlace(Tensor y, Tensor bias, UnaryOp act);

    /** y += a * x, in place (gradient accumulation). */
    void axpy(float a, Tensor x, Tensor y);

    /** Sum of all elements, as a scalar tensor of shape (). */
    Tensor sum(Tensor x);

    /** A tensor of x's shape filled with the scalar tensor s times a factor (the backward of sum). */
    Tensor broadcastScalar(Tensor s, float factor, Shape shape);

    Tensor cast(Tensor x, DType dtype);

    // ---- losses and metrics ----

    /** Mean sparse softmax cross-entropy over rows of logits [n, c]; writes the softmax to probs. */
    Tensor softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor probs);

    /** dlogits = (probs - onehot(labels)) * gradScale, where gradScale is dLoss/n. */
    Tensor softmaxCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss);

    Tensor softmax(Tensor logits);

    /**
     * Mean binary cross-entropy over rows of logits [n] or [n, 1] against labels i32 in {0, 1} [n], in the stable form
     * max(z, 0) - z y + log1p(exp(-|z|)) (finite and exact for any finite logit); writes sigmoid(z) to probs (z's shape).
     */
    Tensor binaryCrossEntropy(Tensor logits, Tensor labels, Tensor probs);

    /** dlogits = (probs - labels) * dLoss / n, in probs' shape. */
    Tensor binaryCrossEntropyBackward(Tensor probs, Tensor labels, Tensor dLoss);

    /**
     * Mean of a regression loss over rows of predictions [n] or [n, 1] against f32 targets [n]; delta is Huber's
     * threshold (the other losses ignore it).
     */
    Tensor regressionLoss(RegressionLoss loss, Tensor predictions, Tensor targets, float delta);

    /** dpredictions = loss'(predictions - targets) * dLoss / n, in predictions' shape. */
    Tensor regressionLossBackward(RegressionLoss loss, Tensor predictions, Tensor targets, Tensor dLoss, float delta);

    /**
     * p = sigmoid(logits), the binary classifier's output activation (the probability of class 1). Like
     * {@link #softmax}, it stays in f32 under a mixed-precision policy.
     */
    default Tensor sigmoid(Tensor logits) { return unary(UnaryOp.SIGMOID, logits); }

    /** How many rows of logits [n, c] have their arg-max at the label. */
    int countCorrect(Tensor logits, Tensor labels);

    // ---- regularisation ----

    /** A mask of 0 and 1/(1-rate) from a counter-based generator: the same (seed, counter) gives the same mask anywhere. */
    Tensor dropoutMask(Shape shape, float rate, long seed, long counter);

    // ---- convolution and pooling (channels last: x [n, h, w, c], w [kh, kw, c, f]) ----

    Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g);

    Tensor conv2dBackwardInput(Tensor dy, Tensor w, Shape xShape, Conv2dGeometry g);

    Tensor conv2dBackwardFilter(Tensor x, Tensor dy, Shape wShape, Conv2dGeometry g);

    /** Max pooling; argmax receives, per output element, the flat index of the chosen input element. */
    Tensor maxPool2d(Tensor x, Pool2dGeometry g, Tensor argmax);

    Tensor maxPool2dBackward(Tensor dy, Tensor argmax, Shape xShape);

    // ---- batch normalisation over the last axis ----

    /** Training mode: normalises with batch statistics, writes them (mean, 1/sqrt(var+eps)) to mean and invStd. */
    Tensor batchNormTrain(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor mean, Tensor invStd, Tensor variance);

    Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps);

    /** Returns {dx, dgamma, dbeta}. */
    Tensor[] batchNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd);

    /** running = momentum * running + (1 - momentum) * batch, in place. */
    void lerpInto(Tensor running, Tensor batch, float momentum);

    // ---- shape ----

    Tensor concat(List<Tensor> parts, int axis);

    /** Elements [start, start+length) along an axis. */
    Tensor slice(Tensor x, int axis, int start, int length);

    /** Rows of src (first axis) at the given indices, stacked. */
    Tensor gatherRows(Tensor src, int[] indices, int from, int count);

    // ---- optimizer updates, in place on f32 master weights ----

    void sgdUpdate(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, boolean nesterov, float weightDecay);

    /** Adam; decoupledWeightDecay > 0 makes it AdamW. step counts from 1. */
    void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                    long step, float decoupledWeightDecay);

    void rmspropUpdate(Tensor param, Tensor grad, Tensor meanSquare, Tensor momentumBuf, float lr, float rho,
                       float momentum, float eps);

    /** Sum of squares of all elements, read back to the host (gradient clipping needs the global norm). */
    double sumOfSquares(Tensor x);

    /** Whether every element is finite (loss scaling and NaN detection). */
    boolean allFinite(Tensor x);
}
