package dev.tuna.distribute;

/** A collective that failed: another replica was lost or aborted, or the library reported an error. */
public final class CommunicatorException extends RuntimeException {
    public CommunicatorException(String message) { super(message); }

    public CommunicatorException(String message, Throwable cause) { super(message, cause); }
}
