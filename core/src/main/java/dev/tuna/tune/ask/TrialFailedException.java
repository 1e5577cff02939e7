package dev.tuna.tune.ask;

/** A trial that failed for a reason worth recording as it is (a program's exit status and the end of its stderr). */
public final class TrialFailedException extends RuntimeException {
    public TrialFailedException(String reason) { super(reason); }
}
