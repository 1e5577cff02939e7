package dev.tuna.distribute;

import dev.tuna.tensor.Tensor;

/**
 * What mirrored replicas need from each other: their rank and number, an in-place all-reduce, a broadcast, a
 * barrier and an abort. One instance per replica; every replica calls the same collectives in the same order
 * with tensors of the same shape and dtype (f32, f16 or bf16). Host memory for the CPU communicators (in-process
 * threads, MPI processes), device memory for NCCL.
 *
 * <p>A collective that cannot complete because another replica failed throws {@link CommunicatorException}
 * naming the lost rank, within a bounded time, instead of hanging.
 */
public interface Communicator extends AutoCloseable {
    /** How all-reduce combines the replicas' values: MEAN is SUM divided by {@link #size()}. */
    enum Op { SUM, MEAN }

    /** This replica's rank, 0 to size - 1; rank 0 writes checkpoints and the study. */
    int rank();

    /** The number of replicas. */
    int size();

    /** Replaces t on every replica by the SUM or MEAN of every replica's t, identical bit for bit on all of them. */
    void allReduce(Tensor t, Op op);

    /** Copies root's t into every other replica's t. */
    void broadcast(Tensor t, int root);

    /** Returns once every replica has called it. */
    void barrier();

    /**
     * Ends the group: every replica blocked in a collective, or calling one later, gets a CommunicatorException with
     * the reason. For a replica that fails, so that the others do not wait forever.
     */
    void abort(String reason);

    /** One line for `tuna devices` and logs: the kind, the library and its version, rank and size. */
    String describe();

    @Override
    void close();
}
