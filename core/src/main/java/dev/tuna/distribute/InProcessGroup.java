package dev.tuna.distribute;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.HalfFloats;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Replicas as threads of one process, sharing host memory. An all-reduce is a reduce-scatter then an all-gather
 * over the replicas' own buffers, with no copy through a scratch buffer: replica k sums chunk k of every buffer,
 * in rank order, into its own buffer, then copies every other chunk from its owner. Each sum is computed once, by
 * one replica, so every replica gets the same bits; each byte crosses memory about twice, which is what lets an
 * all-reduce run at close to memory-copy speed.
 */
public final class InProcessGroup {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    /**
     * How long a replica spins at a barrier before parking. With a core per replica, spinning costs nothing and a
     * parked thread takes tens to hundreds of microseconds to wake (on a VM), several times per training step; with
     * more replicas than cores a spinning replica would hold a core another needs, so it parks almost at once.
     */
    private final long spinNanos;

    private final int size;
    private final MemorySegment[] slots;
    private final Thread[] waiting;
    private volatile long generation;
    private int arrived; // guarded by this
    private volatile String broken;

    private InProcessGroup(int size) {
        this.size = size;
        this.spinNanos = size <= Runtime.getRuntime().availableProcessors() ? 2_000_000 : 20_000;
        this.slots = new MemorySegment[size];
        this.waiting = new Thread[size];
    }

    /** A group of n replicas: the communicator of rank k is element k. */
    public static List<Communicator> create(int n) {
        if (n < 1) throw new IllegalArgumentException("a group needs at least one replica, got " + n);
        InProcessGroup g = new InProcessGroup(n);
        List<Communicator> out = new ArrayList<>(n);
        for (int r = 0; r < n; r++) out.add(g.new Member(r));
        return List.copyOf(out);
    }

    /** Returns when all replicas have arrived; throws if the group was aborted before or while waiting. */
    private void await(int rank) {
        String why = broken;
        if (why != null) throw new CommunicatorException(why);
        long gen;
        synchronized (this) {
            gen = generation;
            if (++arrived == size) {
                arrived = 0;
                generation = gen + 1;
                for (int r = 0; r < size; r++) {
                    Thread t = waiting[r];
                    waiting[r] = null;
                    if (t != null) LockSupport.unpark(t);
                }
                return;
            }
        }
        long spinUntil = System.nanoTime() + spinNanos;
        while (generation == gen && broken == null) {
            if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
                continue;
            }
            synchronized (this) {
                if (generation != gen || broken != null) break;
                waiting[rank] = Thread.currentThread();
            }
            LockSupport.park(this);
            if (Thread.interrupted()) {
                abort("replica " + rank + " was interrupted");
                Thread.currentThread().interrupt();
            }
        }
        if (generation == gen) throw new CommunicatorException(broken);
    }

    private void abort(String reason) {
        synchronized (this) {
            if (broken == null) broken = reason;
            for (int r = 0; r < size; r++) {
                Thread t = waiting[r];
                waiting[r] = null;
                if (t != null) LockSupport.unpark(t);
            }
        }
    }

    /** [lo, hi) of chunk k of n elements; chunk edges on whole vectors so that no two replicas write one vector. */
    private long chunk(long n, int k) {
        if (k >= size) return n;
        long step = S.length();
        return Math.min(n, (n / step * k / size) * step);
    }

    private void reduceF32(int rank, long lo, long hi, boolean mean) {
        MemorySegment out = slots[rank];
        float inv = 1f / size;
        long i = lo;
        for (; i + S.length() <= hi; i += S.length()) {
            long off = i * 4;
            FloatVector acc = FloatVector.fromMemorySegment(S, slots[0], off, ByteOrder.nativeOrder());
            for (int r = 1; r < size; r++) acc = acc.add(FloatVector.fromMemorySegment(S, slots[r], off, ByteOrder.nativeOrder()));
            if (mean) acc = acc.mul(inv);
            acc.intoMemorySegment(out, off, ByteOrder.nativeOrder());
        }
        for (; i < hi; i++) {
            float acc = slots[0].getAtIndex(F, i);
            for (int r = 1; r < size; r++) acc += slots[r].getAtIndex(F, i);
            out.setAtIndex(F, i, mean ? acc * inv : acc);
        }
    }

    /** Half precision: summed in f32 in rank order, rounded once. */
    private void reduceHalf(int rank, long lo, long hi, boolean mean, boolean bf16) {
        MemorySegment out = slots[rank];
        float inv = 1f / size;
        for (long i = lo; i < hi; i++) {
            float acc = 0;
            for (int r = 0; r < size; r++) {
                short h = slots[r].getAtIndex(H, i);
                acc += bf16 ? HalfFloats.fromBF16(h) : HalfFloats.fromF16(h);
            }
            if (mean) acc *= inv;
            out.setAtIndex(H, i, bf16 ? HalfFloats.toBF16(acc) : HalfFloats.toF16(acc));
        }
    }

    private final class Member implements Communicator {
        private final int rank;
        private boolean closed;

        Member(int rank) { this.rank = rank; }

        @Override
        public int rank() { return rank; }

        @Override
        public int size() { return size; }

        private MemorySegment hostData(Tensor t, String what) {
            if (closed) throw new IllegalStateException("communicator of replica " + rank + " is closed");
            if (t.device().kind() != Device.Kind.CPU) throw new IllegalArgumentException(what + ": in-process replicas share host memory, got a tensor on " + t.device());
            return t.data();
        }

        @Override
        public void allReduce(Tensor t, Op op) {
            DType d = t.dtype();
            if (d != DType.F32 && d != DType.F16 && d != DType.BF16) throw new IllegalArgumentException("allReduce: expected f32, f16 or bf16, got " + d.id());
            slots[rank] = hostData(t, "allReduce");
            await(rank);
            long n = t.size();
            if (slots[0].byteSize() != slots[rank].byteSize()) {
                abort("replicas all-reduced tensors of different sizes");
                throw new CommunicatorException("allReduce: replicas passed tensors of different sizes");
            }
            long lo = chunk(n, rank), hi = chunk(n, rank + 1);
            boolean mean = op == Op.MEAN;
            if (d == DType.F32) reduceF32(rank, lo, hi, mean);
            else reduceHalf(rank, lo, hi, mean, d == DType.BF16);
            await(rank);
            long bytes = d.byteSize();
            for (int k = 0; k < size; k++) {
                if (k == rank) continue;
                long a = chunk(n, k), b = chunk(n, k + 1);
                if (b > a) MemorySegment.copy(slots[k], a * bytes, slots[rank], a * bytes, (b - a) * bytes);
            }
            await(rank); // nobody reuses its buffer while another still reads from it
            slots[rank] = null;
        }

        @Override
        public void broadcast(Tensor t, int root) {
            if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast: root " + root + " is not a rank of " + size);
            slots[rank] = hostData(t, "broadcast");
            await(rank);
            if (rank != root) {
                if (slots[root].byteSize() != slots[rank].byteSize()) {
                    abort("replicas broadcast tensors of different sizes");
                    throw new CommunicatorException("broadcast: replicas passed tensors of different sizes");
                }
                MemorySegment.copy(slots[root], 0, slots[rank], 0, slots[rank].byteSize());
            }
            await(rank);
            slots[rank] = null;
        }

        @Override
        public void barrier() { await(rank); }

        @Override
        public void abort(String reason) { InProcessGroup.this.abort(reason); }

        @Override
        public String describe() { return "in-process, replica " + rank + " of " + size; }

        @Override
        public void close() { closed = true; }
    }
}
