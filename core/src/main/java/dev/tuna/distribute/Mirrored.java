package dev.tuna.distribute;

import dev.tuna.backend.cpu.CpuParallel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Runs one body per in-process replica, each on its own thread with its parallel loops kept to itself (a replica
 * per core: two replicas on two cores do not fight over one pool). A replica that fails aborts the group, so the
 * others leave their collectives at once instead of waiting for it; the first failure is rethrown.
 */
public final class Mirrored {
    private Mirrored() {}

    /** body(communicator) for every replica; the results in rank order. */
    public static <T> List<T> run(List<Communicator> group, Function<Communicator, T> body) {
        int n = group.size();
        List<T> results = new ArrayList<>(java.util.Collections.nCopies(n, (T) null));
        AtomicReference<Throwable> first = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>(n);
        for (Communicator c : group) {
            Thread t = Thread.ofPlatform().name("tuna-replica-" + c.rank()).unstarted(() -> CpuParallel.serially(() -> {
                try {
                    results.set(c.rank(), body.apply(c));
                } catch (Throwable e) {
                    // The replica that failed first is the one to report; the others only saw the abort.
                    boolean mine = first.compareAndSet(null, e);
                    c.abort("replica " + c.rank() + " failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                    if (!mine && !(e instanceof CommunicatorException)) first.get().addSuppressed(e);
                }
            }));
            threads.add(t);
            t.start();
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    group.getFirst().abort("interrupted");
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Throwable e = first.get();
        if (e instanceof RuntimeException re) throw re;
        if (e instanceof Error er) throw er;
        if (e != null) throw new CommunicatorException(e.toString(), e);
        return results;
    }
}
