package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.errors.Range;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;

/** Batch normalisation over the last axis, with Keras' defaults (momentum 0.99, epsilon 1e-3). */
public final class BatchNormalization extends Layer {
    private final float momentum;
    private final float eps;
    private Parameter gamma;
    private Parameter beta;
    private Tensor movingMean;
    private Tensor movingVar;

    /**
     * The moving statistics are momentum * old + (1 - momentum) * batch: above 1 they blow up (val_loss NaN while
     * the training loss looks fine), so momentum is in [0, 1]; epsilon 0 divides by a zero variance.
     */
    public static final Range MOMENTUM = Range.UNIT;
    public static final Range EPSILON = Range.POSITIVE;

    public BatchNormalization(float momentum, float eps) { this(momentum, eps, false); }

    /**
     * With sync, mirrored replicas normalise with the statistics of the whole global batch (summed over the
     * replicas in forward and backward), as PyTorch's SyncBatchNorm does; alone, or without sync, each normalises
     * its own rows.
     */
    public BatchNormalization(float momentum, float eps, boolean sync) {
        this.momentum = MOMENTUM.check("momentum", momentum);
        this.eps = EPSILON.check("epsilon", eps);
        this.sync = sync;
    }

    private final boolean sync;

    public BatchNormalization() { this(0.99f, 1e-3f); }

    @Override
    public Shape build(Shape in, Builder b) {
        Shape c = Shape.of(in.dim(-1));
        gamma = b.parameter(name() + "/gamma", c, Initializer.ONES);
        beta = b.parameter(name() + "/beta", c, Initializer.ZEROS);
        movingMean = b.state(c, 0f);
        movingVar = b.state(c, 1f);
        return in;
    }

    @Override
    public Var forward(Var x, Context ctx) {
        if (sync && ctx.training() && ctx.sumOverReplicas() != null) {
            return F.syncBatchNorm(x, gamma, beta, movingMean, movingVar, momentum, eps, ctx.sumOverReplicas());
        }
        return F.batchNorm(x, gamma, beta, movingMean, movingVar, momentum, eps, ctx.training());
    }

    @Override
    public List<Parameter> parameters() { return List.of(gamma, beta); }

    @Override
    public void moveState(java.util.function.UnaryOperator<Tensor> move) {
        movingMean = move.apply(movingMean);
        movingVar = move.apply(movingVar);
    }

    @Override
    public void collectState(LinkedHashMap<String, Tensor> out) {
        out.put(name() + "/moving_mean", movingMean);
        out.put(name() + "/moving_variance", movingVar);
    }

    @Override
    public String baseName() { return "batch_normalization"; }

    @Override
    public String describe() { return sync ? "BatchNormalization(sync)" : "BatchNormalization()"; }
}
