package dev.tuna.distribute;

import dev.tuna.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A test stand-in for a bootstrap communicator (MPI's place): n ranks in threads of this process sharing host tensors,
 * broadcast only, moving values as floats the way a value-copying communicator would. After abort every rank's
 * broadcast and barrier throw, whether it was waiting already or comes later.
 */
final class HostGroup {
    private final int n;
    private float[] shared;
    private String aborted;
    private int arrived;
    private long generation;

    private HostGroup(int n) { this.n = n; }

    static List<Communicator> of(int n) {
        HostGroup g = new HostGroup(n);
        List<Communicator> out = new ArrayList<>();
        for (int r = 0; r < n; r++) out.add(g.rank(r));
        return out;
    }

    private synchronized void await() {
        long gen = generation, deadline = System.nanoTime() + 30_000_000_000L;
        if (aborted == null && ++arrived == n) {
            arrived = 0;
            generation++;
            notifyAll();
            return;
        }
        while (aborted == null && gen == generation) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) throw new CommunicatorException("host group: a rank did not arrive within 30 s");
            try {
                wait(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommunicatorException("host group: interrupted", e);
            }
        }
        if (aborted != null) throw new CommunicatorException("host group aborted: " + aborted);
    }

    private synchronized void abort(String reason) {
        aborted = reason;
        notifyAll();
    }

    private Communicator rank(int r) {
        return new Communicator() {
            @Override public int rank() { return r; }
            @Override public int size() { return n; }
            @Override public void allReduce(Tensor t, Op op) { throw new UnsupportedOperationException("a bootstrap stand-in: broadcast only"); }

            @Override
            public void broadcast(Tensor t, int root) {
                if (r == root) shared = t.toFloatArray();
                await();
                if (r != root) for (int i = 0; i < shared.length; i++) t.setFloat(i, shared[i]);
                await();
            }

            @Override public void barrier() { await(); }

            @Override
            public void abort(String reason) { HostGroup.this.abort(reason); }

            @Override public String describe() { return "host group, rank " + r + " of " + n; }
            @Override public void close() {}
        };
    }
}
