package dev.tuna.backend.cpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A small deterministic parallel-for over a fixed pool of daemon worker threads.
 *
 * <p>The pool has {@link #threads()} - 1 workers (system property {@code tuna.threads}, default the number of
 * available processors); the calling thread always runs chunk 0 itself. {@code [0, n)} is cut into
 * {@code min(n, threads())} contiguous chunks, chunk {@code i} being {@code [i*n/c, (i+1)*n/c)}, so the split only
 * depends on {@code n} and the thread count. Workers spin briefly after each job and then park, so back-to-back
 * calls (a training step issues several) do not pay the park/unpark latency.
 *
 * <p>A chunk that its worker has not started by the time the caller is done with chunk 0 (the worker was
 * descheduled, or is still waking up) is taken back and run by the caller, so an oversubscribed machine does not
 * stall the loop; which thread runs a chunk never changes the split.
 *
 * <p>Calls made from inside a body (or from a worker, or while another thread is using the pool) run inline on the
 * calling thread as a single chunk, so nesting never deadlocks. An exception thrown by any chunk is rethrown to
 * the caller after every chunk has finished (others are attached as suppressed).
 */
public final class CpuParallel {

    /** The body of a parallel loop: handles indices {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final int THREADS = readThreads();
    /** How long an idle worker (or the waiting caller) spins before parking. */
    private static final long SPIN_NANOS = Long.getLong("tuna.spinNanos", 200_000L);

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static final Worker[] WORKERS = new Worker[Math.max(0, THREADS - 1)];
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static final AtomicReference<Throwable> FAILURE = new AtomicReference<>();

    private static volatile Thread waiter;
    private static volatile boolean waiterParked;

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private CpuParallel() {}

    private static int readThreads() {
        int def = Runtime.getRuntime().availableProcessors();
        String s = System.getProperty("tuna.threads");
        int t = def;
        if (s != null && !s.isBlank()) {
            try {
                t = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                t = def;
            }
        }
        return Math.max(1, Math.min(t, 1024));
    }

    private static final ThreadLocal<Boolean> SERIAL = ThreadLocal.withInitial(() -> Boolean.FALSE);

    /**
     * Runs body with every parallel loop on this thread kept on this thread. The tuner's parallel trial workers
     * use it: two trials on two cores beat two trials fighting over one two-thread pool.
     */
    public static void serially(Runnable body) {
        Boolean old = SERIAL.get();
        SERIAL.set(Boolean.TRUE);
        try {
            body.run();
        } finally {
            SERIAL.set(old);
        }
    }

    /** The number of threads a parallel loop may use, the caller included. */
    public static int threads() {
        return THREADS;
    }

    /**
     * Threads that work started from this thread may use: 1 inside {@link #serially} (a tuner worker that has one
     * core to itself), else {@link #threads()}. For libraries with their own thread pools, such as XGBoost.
     */
    public static int threadsHere() {
        return SERIAL.get() || Thread.currentThread() instanceof Worker ? 1 : THREADS;
    }

    /** Start of chunk {@code i} of {@code chunks} over {@code [0, n)}. */
    static int chunkStart(int n, int chunks, int i) {
        return (int) ((long) n * i / chunks);
    }

    /** Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} chunks, and waits for all. */
    public static void forRange(int n, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(n, THREADS);
        if (chunks <= 1 || Thread.currentThread() instanceof Worker || SERIAL.get() || !BUSY.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            runParallel(n, chunks, body);
        } finally {
            BUSY.set(false);
        }
    }

    private static void runParallel(int n, int chunks, RangeBody body) {
        FAILURE.set(null);
        PENDING.set(chunks - 1);
        waiter = Thread.currentThread();
        for (int w = 1; w < chunks; w++) {
            WORKERS[w - 1].assign(body, chunkStart(n, chunks, w), chunkStart(n, chunks, w + 1));
        }
        Throwable mine = null;
        try {
            body.run(0, chunkStart(n, chunks, 1));
        } catch (Throwable t) {
            mine = t;
        }
        // Chunks whose worker has not picked them up yet (descheduled, or still waking from park) are taken back
        // and run here: the split stays the same, only the thread running a chunk changes.
        for (int w = chunks - 1; w >= 1; w--) {
            Worker wk = WORKERS[w - 1];
            if (wk.revoke()) {
                wk.task = null;
                try {
                    body.run(wk.start, wk.end);
                } catch (Throwable t) {
                    if (mine == null) mine = t;
                    else if (t != mine) mine.addSuppressed(t);
                }
                PENDING.decrementAndGet();
            }
        }
        awaitWorkers();
        Throwable theirs = FAILURE.getAndSet(null);
        if (mine == null) mine = theirs;
        else if (theirs != null && theirs != mine) mine.addSuppressed(theirs);
        if (mine != null) {
            if (mine instanceof RuntimeException re) throw re;
            if (mine instanceof Error er) throw er;
            throw new RuntimeException(mine);
        }
    }

    private static void awaitWorkers() {
        if (PENDING.get() == 0) return;
        long t0 = System.nanoTime();
        int spins = 0;
        while (PENDING.get() != 0) {
            if (++spins < 64 || System.nanoTime() - t0 < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            waiterParked = true;
            if (PENDING.get() != 0) LockSupport.parkNanos(CpuParallel.class, 1_000_000L);
            waiterParked = false;
        }
    }

    private static void finished() {
        if (PENDING.decrementAndGet() == 0 && waiterParked) {
            Thread w = waiter;
            if (w != null) LockSupport.unpark(w);
        }
    }

    private static void recordFailure(Throwable t) {
        if (!FAILURE.compareAndSet(null, t)) {
            Throwable first = FAILURE.get();
            if (first != null && first != t) {
                synchronized (first) {
                    first.addSuppressed(t);
                }
            }
        }
    }

    private static final class Worker extends Thread {
        private static final int IDLE = 0, ASSIGNED = 1, RUNNING = 2;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Worker.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile boolean parked;
        /** IDLE -> ASSIGNED by the caller; ASSIGNED -> RUNNING by this worker, or ASSIGNED -> IDLE by the caller. */
        private volatile int state;
        /** The assigned chunk; written by the caller before the volatile write of {@link #state}. */
        int start, end;
        RangeBody task;

        Worker(int index) {
            super("tuna-cpu-" + index);
            setDaemon(true);
        }

        void assign(RangeBody body, int s, int e) {
            task = body;
            start = s;
            end = e;
            state = ASSIGNED;
            if (parked) LockSupport.unpark(this);
        }

        /** Takes an assigned chunk back before this worker starts it; true if the caller must now run it. */
        boolean revoke() {
            return state == ASSIGNED && STATE.compareAndSet(this, ASSIGNED, IDLE);
        }

        @Override
        public void run() {
            while (true) {
                awaitAssigned();
                if (!STATE.compareAndSet(this, ASSIGNED, RUNNING)) continue; // taken back by the caller
                RangeBody body = task;
                try {
                    body.run(start, end);
                } catch (Throwable t) {
                    recordFailure(t);
                } finally {
                    task = null;
                    state = IDLE;
                    finished();
                }
            }
        }

        private void awaitAssigned() {
            long t0 = System.nanoTime();
            int spins = 0;
            while (state != ASSIGNED) {
                if (++spins < 64 || ((spins & 63) != 0) || System.nanoTime() - t0 < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (state != ASSIGNED) LockSupport.park(this);
                parked = false;
                t0 = System.nanoTime();
                spins = 0;
            }
        }
    }
}
