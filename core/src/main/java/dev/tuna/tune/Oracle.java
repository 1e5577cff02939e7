package dev.tuna.tune;

import java.util.List;

/**
 * Chooses the next configuration. An oracle is a pure function of its settings, the space, the trials so far
 * (running ones included, so that parallel workers do not duplicate work) and the number of the trial being
 * created: that makes a seeded search reproducible, and a resumed or shared study asks exactly what an
 * uninterrupted one would have asked. Randomness must come from {@link #rng(long, int)}.
 */
public interface Oracle {
    /** random, grid, bayesian, genetic or hyperband. */
    String name();

    /**
     * The proposal for trial {@code number}, given every trial created so far (in number order; a trial's
     * score is oriented so that larger is always better, see {@link Trial#score()}).
     */
    Proposal propose(SearchSpace space, List<Trial> trials, int number);

    /** A generator for trial {@code number} of a search seeded with {@code seed}: independent streams per trial. */
    static java.util.SplittableRandom rng(long seed, int number) {
        long z = seed * 0x9E3779B97F4A7C15L + (number + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new java.util.SplittableRandom(z ^ (z >>> 31));
    }
}
