package dev.tuna.tune.oracle;

import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Grid search: the Cartesian product of every searchable hyperparameter's {@link
 * dev.tuna.tune.Hyperparameter#gridValues() grid values}, in declaration order with the first hyperparameter
 * varying slowest. Points are normalised (inactive conditional hyperparameters dropped) and each distinct
 * configuration is visited once, at its first position in the product; configurations already tried (any
 * state, so parallel workers split the grid) are skipped; DONE when the grid is exhausted. The product is
 * walked lazily, never materialised. Meta: {@code grid_index}, the configuration's position among the distinct
 * ones.
 */
public final class GridOracle implements Oracle {

    public GridOracle() {}

    @Override
    public String name() { return "grid"; }

    @Override
    public Proposal propose(SearchSpace space, List<Trial> trials, int number) {
        Set<String> tried = OracleSupport.keys(space, trials);
        GridWalk walk = new GridWalk(space, false);
        long index = 0;
        for (Map<String, Object> v; (v = walk.next()) != null; index++) {
            if (!tried.contains(OracleSupport.key(space, v))) return Proposal.of(v, Map.of("grid_index", index));
        }
        return Proposal.DONE;
    }

    /**
     * The number of distinct configurations the grid holds (walks it: for a report, not for huge grids), or -1
     * when there are more than limit.
     */
    public static long size(SearchSpace space, long limit) {
        GridWalk walk = new GridWalk(space, false);
        long n = 0;
        while (walk.next() != null) {
            if (++n > limit) return -1;
        }
        return n;
    }
}
