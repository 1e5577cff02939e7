package dev.tuna.nn;

/**
 * What a forward pass needs besides its input: training or inference mode, and the seed and step number
 * from which dropout derives its masks, so that a seeded run is reproducible bit for bit.
 */
public record Context(boolean training, long seed, long step) {
    public static final Context INFERENCE = new Context(false, 0, 0);

    public static Context training(long seed, long step) { return new Context(true, seed, step); }
}
