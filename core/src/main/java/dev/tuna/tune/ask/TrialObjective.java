package dev.tuna.tune.ask;

/**
 * What {@link Study#optimize} calls per trial: the objective's value for one trial. An exception fails the trial,
 * its message the reason ({@link TrialFailedException} gives the reason alone); a non-finite value fails it too.
 */
@FunctionalInterface
public interface TrialObjective {
    double evaluate(AskedTrial trial) throws Exception;
}
