package dev.tuna.tune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A test hook that holds one trial in the running state until its process is killed, so that a test of what
 * survives kill -9 never races the search: {@code TUNA_TEST_HOLD_TRIAL=N:FILE} makes the worker that starts trial
 * number N (0-based, as stored) write FILE and then wait forever. The test waits for FILE, then kills. Unset, it
 * does nothing.
 */
final class TrialHold {
    static final String ENV = "TUNA_TEST_HOLD_TRIAL";

    private TrialHold() {}

    /** Called once a trial is recorded as running and announced. */
    static void atStart(int trialNumber) {
        String spec = System.getenv(ENV);
        if (spec == null || spec.isEmpty()) return;
        int colon = spec.indexOf(':');
        if (colon < 0 || Integer.parseInt(spec.substring(0, colon).trim()) != trialNumber) return;
        try {
            Files.writeString(Path.of(spec.substring(colon + 1)), Integer.toString(trialNumber));
        } catch (IOException e) {
            throw new IllegalStateException(ENV + ": cannot write " + spec.substring(colon + 1), e);
        }
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
