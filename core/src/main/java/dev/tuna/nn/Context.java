package dev.tuna.nn;

/**
 * What a forward pass needs besides its input: training or inference mode, and the seed and step number
 * from which dropout derives its masks, so that a seeded run is reproducible bit for bit.
 *
 * <p>A mirrored replica trains on rows {@code [rowOffset, rowOffset + local)} of a global batch of
 * {@code globalRows} rows; dropout then draws the masks those rows get in a one-replica run, so N replicas
 * drop exactly what one would. {@code globalRows} 0 means the batch is the whole batch. Synchronised batch norm
 * normalises with the global batch's statistics through {@code sumOverReplicas}.
 */
public record Context(boolean training, long seed, long step, int rowOffset, int globalRows,
                      java.util.function.Consumer<float[]> sumOverReplicas) {
    public static final Context INFERENCE = new Context(false, 0, 0, 0, 0, null);

    public static Context training(long seed, long step) { return new Context(true, seed, step, 0, 0, null); }

    /**
     * A replica's share of a global batch; {@code sumOverReplicas} replaces an array by its sum over the replicas
     * (synchronised batch norm's statistics), in the replica's order of collectives.
     */
    public static Context replica(long seed, long step, int rowOffset, int globalRows, java.util.function.Consumer<float[]> sumOverReplicas) {
        return new Context(true, seed, step, rowOffset, globalRows, sumOverReplicas);
    }

    /**
     * Where the random stream of a tensor of {@code localElements} elements over {@code localRows} rows starts:
     * the position its first row has in the global batch's stream.
     */
    public long counterBase(long localElements, int localRows) {
        if (globalRows <= 0 || localRows == 0) return step * localElements;
        long perRow = localElements / localRows;
        return step * perRow * globalRows + perRow * rowOffset;
    }
}
