package dev.tuna.tune;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test hook that holds one trial in the running state, so that a test of what survives kill -9, SIGINT, a lost
 * database or a killed worker never races the search. {@code TUNA_TEST_HOLD_TRIAL=N} holds the trial numbered N
 * (0-based, as stored); {@code TUNA_TEST_HOLD_NTH=K} holds the K-th trial this process starts (1-based), whatever
 * its number, which is what a test with several workers on one study can rely on. The held worker prints
 * {@link #MARKER}N on standard error and waits: until the process dies, or, with {@code TUNA_TEST_HOLD_RELEASE=stdin},
 * until a line arrives on standard input. The test reads the child's output until that line (a blocking read, which
 * ends at EOF if the child dies first), then acts. Unset, it does nothing.
 */
public final class TrialHold {
    static final String ENV = "TUNA_TEST_HOLD_TRIAL";
    static final String NTH = "TUNA_TEST_HOLD_NTH";
    static final String RELEASE = "TUNA_TEST_HOLD_RELEASE";
    /** What the held worker prints, followed by the trial number. */
    public static final String MARKER = "tuna-test: holding trial ";
    private static final AtomicInteger STARTED = new AtomicInteger();

    private TrialHold() {}

    /** Called once a trial is recorded as running and announced. */
    public static void atStart(int trialNumber) {
        int nth = STARTED.incrementAndGet();
        String byNumber = System.getenv(ENV), byOrder = System.getenv(NTH);
        boolean hold = byNumber != null && !byNumber.isBlank() && Integer.parseInt(byNumber.trim()) == trialNumber
                || byOrder != null && !byOrder.isBlank() && Integer.parseInt(byOrder.trim()) == nth;
        if (!hold) return;
        System.err.println(MARKER + trialNumber);
        System.err.flush();
        if ("stdin".equals(System.getenv(RELEASE))) {
            try {
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            } catch (IOException e) {
                // stdin closed: released as well
            }
            return;
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
