package dev.tuna.tune;

/**
 * A test hook that holds one trial in the running state until its process is killed or interrupted, so that a test
 * of what survives kill -9 or SIGINT never races the search: {@code TUNA_TEST_HOLD_TRIAL=N} makes the worker that
 * starts trial number N (0-based, as stored) print {@link #MARKER}N on standard error and then wait. The test reads
 * the child's output until that line (a blocking read, which ends at EOF if the child dies first), then signals it.
 * Unset, it does nothing.
 */
final class TrialHold {
    static final String ENV = "TUNA_TEST_HOLD_TRIAL";
    /** What the held worker prints, followed by the trial number. */
    static final String MARKER = "tuna-test: holding trial ";

    private TrialHold() {}

    /** Called once a trial is recorded as running and announced. */
    static void atStart(int trialNumber) {
        String spec = System.getenv(ENV);
        if (spec == null || spec.isBlank() || Integer.parseInt(spec.trim()) != trialNumber) return;
        System.err.println(MARKER + trialNumber);
        System.err.flush();
        Object forever = new Object();
        synchronized (forever) {
            while (true) {
                try {
                    forever.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
