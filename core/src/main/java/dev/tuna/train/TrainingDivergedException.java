package dev.tuna.train;

/** The loss became NaN or infinite; the tuner records the trial as failed with this message. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) { super(message); }
}
