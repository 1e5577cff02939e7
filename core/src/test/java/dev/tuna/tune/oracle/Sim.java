package dev.tuna.tune.oracle;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import dev.tuna.tune.TrialState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/** Runs an oracle the way the tuner does: propose, train (a synthetic score), record; sequentially or with parallel workers. */
final class Sim {
    private Sim() {}

    /** A run: the trials in number order, how many times a worker was told to wait, and whether the oracle said DONE. */
    record Run(List<Trial> trials, int waits, boolean done) {}

    /** One worker: each trial completes (score from the function; NaN marks it FAILED) before the next proposal. */
    static Run sequential(Oracle oracle, SearchSpace space, ToDoubleFunction<Trial> score, int maxTrials) {
        List<Trial> trials = new ArrayList<>();
        while (trials.size() < maxTrials) {
            int n = trials.size();
            Proposal p = oracle.propose(space, List.copyOf(trials), n);
            if (p.kind() == Proposal.Kind.DONE) return new Run(trials, 0, true);
            if (p.kind() == Proposal.Kind.WAIT) fail("a sequential run was told to wait at trial " + n);
            trials.add(finish(new Trial(n, p.values(), TrialState.RUNNING, Double.NaN, p.meta()), score));
        }
        return new Run(trials, 0, false);
    }

    /**
     * Parallel workers: every idle worker asks for a trial (a WAIT leaves it idle until something finishes),
     * then one running trial, chosen at random, finishes.
     */
    static Run parallel(Oracle oracle, SearchSpace space, ToDoubleFunction<Trial> score, int workers, int maxTrials, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Trial> trials = new ArrayList<>();
        List<Integer> running = new ArrayList<>();
        int waits = 0;
        boolean done = false;
        while (true) {
            while (!done && running.size() < workers && trials.size() < maxTrials) {
                int n = trials.size();
                Proposal p = oracle.propose(space, List.copyOf(trials), n);
                if (p.kind() == Proposal.Kind.DONE) {
                    done = true;
                } else if (p.kind() == Proposal.Kind.WAIT) {
                    waits++;
                    break;
                } else {
                    trials.add(new Trial(n, p.values(), TrialState.RUNNING, Double.NaN, p.meta()));
                    running.add(n);
                }
            }
            if (running.isEmpty()) {
                if (!done && trials.size() < maxTrials) fail("the oracle waits with nothing running");
                return new Run(trials, waits, done);
            }
            int n = running.remove(rng.nextInt(running.size()));
            trials.set(n, finish(trials.get(n), score));
        }
    }

    static Trial finish(Trial t, ToDoubleFunction<Trial> score) {
        double s = score.applyAsDouble(t);
        return Double.isNaN(s) ? new Trial(t.number(), t.values(), TrialState.FAILED, Double.NaN, t.meta())
                : new Trial(t.number(), t.values(), TrialState.COMPLETE, s, t.meta());
    }

    static Trial running(int n, Proposal p) {
        return new Trial(n, p.values(), TrialState.RUNNING, Double.NaN, p.meta());
    }

    static Trial running(int n, java.util.Map<String, Object> values) {
        return new Trial(n, values, TrialState.RUNNING, Double.NaN, java.util.Map.of());
    }
}
