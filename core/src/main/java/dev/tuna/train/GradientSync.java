package dev.tuna.train;

import dev.tuna.nn.Parameter;
import dev.tuna.tensor.Tensor;
import java.util.List;

/**
 * The seam between backward and the optimizer step that makes a trainer one replica of a mirrored group
 * (implemented in {@code dev.tuna.distribute}). The trainer stays the same: it trains on its replica's share of
 * each global batch, tells the sync of each gradient as backward completes it, and waits for the merged
 * gradients before its update, so every replica applies the same update to the same weights.
 */
public interface GradientSync {
    /** This replica's rank, 0 to replicas() - 1. */
    int rank();

    /** The number of replicas in the group. */
    int replicas();

    /** Makes every replica's tensors equal to rank 0's (initial weights, optimizer slots, batch-norm statistics). */
    void broadcast(List<Tensor> state);

    /**
     * Starts a step in which this replica's loss is the mean over {@code localRows} of the {@code globalRows} rows
     * of the global batch: the merged gradient is the global batch's mean gradient. {@code sums} (the step's loss
     * sum, correct count, ...) travel with the gradients, so a step costs one exchange, not two.
     */
    void beginStep(List<Parameter> params, int localRows, int globalRows, double[] sums);

    /** Called during backward when a parameter's gradient is final (it may start reducing it at once). */
    void ready(Parameter p);

    /** Waits until every parameter's gradient is the merged one; {@code sums} then holds the group's sums. */
    void finishStep(double[] sums);

    /** Replaces each value by its sum over the replicas (losses, counts): every replica gets the same sums. */
    void sum(double[] values);

    /**
     * The same for statistics a layer needs during a step (synchronised batch norm, in forward and backward): kept
     * in order with the gradient buckets already in flight.
     */
    void sumStatistics(float[] values);

    /** Ends the group for every replica with the reason (this replica failed). */
    void abort(String reason);
}
