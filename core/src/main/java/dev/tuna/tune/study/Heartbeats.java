package dev.tuna.tune.study;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The thread that keeps a store's RUNNING trials alive in the eyes of other workers: every period (5 s) it writes
 * their heartbeat, while the store holds any. A failed beat (the database gone for a moment) is said once per
 * outage and tried again next period, since an exception would cancel the schedule; a worker whose beats stop for
 * longer than the staleness limit loses its trials to other hosts' workers ({@link WorkerLiveness}).
 */
final class Heartbeats {
    private final Runnable write;
    private final BooleanSupplier holdsTrials;
    private final BooleanSupplier closing;
    private ScheduledExecutorService thread; // guarded by this
    private volatile boolean warned;
    /** Told after every period, whether or not it wrote (tests wait for beats instead of sleeping). */
    private volatile Runnable listener;

    Heartbeats(Runnable write, BooleanSupplier holdsTrials, BooleanSupplier closing) {
        this.write = write;
        this.holdsTrials = holdsTrials;
        this.closing = closing;
    }

    /** Starts beating every {@code periodMillis}, once; later calls do nothing. */
    synchronized void start(long periodMillis) {
        if (thread != null) return;
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tuna-study-heartbeat");
            t.setDaemon(true); // never keeps a finished tuner alive
            return t;
        });
        thread.scheduleWithFixedDelay(this::beat, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        if (thread != null) thread.shutdownNow();
        thread = null;
    }

    void setListener(Runnable l) { listener = l; }

    private void beat() {
        try {
            if (!holdsTrials.getAsBoolean()) return;
            write.run();
            warned = false;
        } catch (RuntimeException e) {
            if (!closing.getAsBoolean() && !warned) {
                warned = true;
                System.err.println("tuna: warning: study heartbeat failed: " + e.getMessage());
            }
        } finally {
            Runnable l = listener;
            if (l != null) l.run();
        }
    }
}
