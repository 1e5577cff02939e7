package dev.tuna.tune.ask;

/**
 * No trial can be asked now: the search is done (the budget is spent, a grid has tried every configuration, too
 * many trials failed in a row), or, when {@link #waiting()}, the oracle needs running trials told first (the end of
 * a Hyperband round).
 */
public final class NothingToAskException extends RuntimeException {
    private final boolean waiting;

    NothingToAskException(String reason, boolean waiting) {
        super(reason);
        this.waiting = waiting;
    }

    public boolean waiting() { return waiting; }
}
