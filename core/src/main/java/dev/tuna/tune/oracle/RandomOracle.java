package dev.tuna.tune.oracle;

import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.List;
import java.util.Map;

/**
 * Random search: each trial samples the unit cube uniformly (so every hyperparameter follows its own sampling:
 * log ranges are log-uniform) and never repeats a configuration already tried, whatever that trial's state.
 * A finite space ends with DONE once every configuration has been tried; an infinite one (or one too large to
 * enumerate) ends when {@value OracleSupport#MAX_DRAWS} draws in a row all repeat.
 */
public final class RandomOracle implements Oracle {
    private final long seed;

    public RandomOracle(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() { return "random"; }

    public long seed() { return seed; }

    @Override
    public Proposal propose(SearchSpace space, List<Trial> trials, int number) {
        Map<String, Object> v = OracleSupport.sampleUntried(space, OracleSupport.keys(space, trials), Oracle.rng(seed, number));
        return v == null ? Proposal.DONE : Proposal.of(v);
    }
}
