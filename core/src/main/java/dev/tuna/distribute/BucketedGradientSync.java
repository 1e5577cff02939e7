package dev.tuna.distribute;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.nn.Parameter;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.NativeMemory;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.GradientSync;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Mirrored training's gradient sync as PyTorch DDP does it: parameters are packed, in backward order, into
 * buckets of about {@code bucketBytes} (25 MiB by default); as soon as backward has completed every gradient of a
 * bucket, the bucket is all-reduced on this replica's communication thread while backward goes on with the
 * layers below. Each gradient is weighted by this replica's share of the global batch as it is packed, so the
 * summed bucket is the global batch's mean gradient even when the last batch does not split evenly. After the
 * step each parameter's gradient is a view of its bucket: no copy back. The buckets live where the replica
 * computes: host memory for CPU replicas, device memory for GPU replicas (packed by a kernel, reduced by NCCL, and
 * the step's sums read back once per step).
 *
 * <p>A replica's collectives keep program order: buckets but the last go through its one communication thread and
 * are launched strictly in bucket order; the last bucket, the loss sums and broadcasts run on the caller's thread
 * when nothing else is in flight. So all replicas issue the same collectives in the same order whatever their
 * timing.
 */
public final class BucketedGradientSync implements GradientSync, AutoCloseable {
    /** PyTorch DDP's default bucket size. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final Communicator comm;
    private final long bucketBytes;
    /** Packs gradients into the buckets, on the device where the replica computes. */
    private final Backend backend;
    /** Whether the buckets are host memory (read and written directly) rather than device memory. */
    private final boolean host;
    /** Device buckets: the step's sums staged through the host, and the statistics' device copy. */
    private Tensor sumsHost, statsDevice;
    private final ExecutorService thread;
    private final Arena arena = NativeMemory.shared();
    private final List<Bucket> buckets = new ArrayList<>();
    private final Map<Parameter, Slot> slots = new IdentityHashMap<>();
    private List<Parameter> params;
    private float weight;
    private int nextLaunch;
    /** Observes launches (tests check that buckets go out during backward, in order). */
    private volatile LaunchListener listener;

    /** Told when a bucket is handed to the communication thread, and whether backward was still running. */
    public interface LaunchListener {
        void launched(int bucket, boolean duringBackward);
    }

    private static final class Bucket {
        final int index;
        final List<Parameter> members = new ArrayList<>();
        long elements;
        MemorySegment data;
        Tensor flat;
        int pending;
        boolean complete;
        Future<?> done;

        Bucket(int index) { this.index = index; }
    }

    private record Slot(Bucket bucket, long offset, long elements, Shape shape) {}

    public BucketedGradientSync(Communicator comm, long bucketBytes) { this(comm, bucketBytes, Backends.cpu()); }

    /**
     * Buckets in the memory of {@code backend}'s device: host memory for CPU replicas (in-process or MPI), device
     * memory for GPU replicas, whose communicator (NCCL) reduces device memory and whose packing runs as kernels.
     */
    public BucketedGradientSync(Communicator comm, long bucketBytes, Backend backend) {
        if (bucketBytes <= 0) throw new IllegalArgumentException("bucket size " + bucketBytes + ": expected a positive number of bytes");
        this.comm = comm;
        this.bucketBytes = bucketBytes;
        this.backend = backend;
        this.host = backend.device().kind() == Device.Kind.CPU;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tuna-collectives-" + comm.rank());
            t.setDaemon(true);
            return t;
        });
    }

    /** Buckets of the default 25 MiB in the memory of {@code backend}'s device. */
    public BucketedGradientSync(Communicator comm, Backend backend) { this(comm, DEFAULT_BUCKET_BYTES, backend); }

    /** The communicator the buckets travel on. */
    public Communicator communicator() { return comm; }

    public void setLaunchListener(LaunchListener l) { listener = l; }

    /** The number of buckets, once the first step has laid them out. */
    public int bucketCount() { return buckets.size(); }

    @Override
    public int rank() { return comm.rank(); }

    @Override
    public int replicas() { return comm.size(); }

    /**
     * Runs a collective now, on the caller's thread. Only between steps, when no bucket is in flight, so program
     * order is kept; it saves the hand-off to the communication thread and back, which small models feel.
     */
    private void now(Runnable collective) { collective.run(); }

    private void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            comm.abort("replica " + comm.rank() + " was interrupted");
            throw new CommunicatorException("replica " + comm.rank() + " was interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new CommunicatorException(String.valueOf(e.getCause()), e.getCause());
        }
    }

    @Override
    public void broadcast(List<Tensor> state) {
        for (Tensor t : state) {
            if (t.dtype() == DType.I32 || t.dtype() == DType.U8) throw new IllegalArgumentException("broadcast: unexpected " + t.dtype().id() + " state");
            now(() -> comm.broadcast(t, 0));
        }
    }

    @Override
    public void sum(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) f[i] = (float) values[i];
        sumStatistics(f);
        for (int i = 0; i < values.length; i++) values[i] = f[i];
    }


    @Override
    public void sumStatistics(float[] values) {
        // Shared memory: the communication thread, and for in-process replicas the other replicas, read it.
        if (stats == null || stats.size() < values.length) stats = Tensor.empty(Shape.of(Math.max(64, values.length)), DType.F32, arena);
        Tensor t = values.length == stats.size() ? stats : new Tensor(Shape.of(values.length), DType.F32, Device.CPU, stats.data().asSlice(0, values.length * 4L));
        for (int i = 0; i < values.length; i++) t.setFloat(i, values[i]);
        Tensor wire = t;
        if (!host) {
            if (statsDevice == null || statsDevice.size() < stats.size()) {
                if (statsDevice != null) backend.release(statsDevice);
                statsDevice = persistent(stats.size());
            }
            wire = view(statsDevice, 0, values.length);
            backend.copyInto(t, wire);
        }
        Tensor w = wire;
        boolean inFlight = false;
        for (Bucket b : buckets) if (b.done != null && !b.done.isDone()) inFlight = true;
        // Behind the buckets already handed to the communication thread, so every replica keeps one order.
        if (inFlight) join(thread.submit(() -> comm.allReduce(w, Communicator.Op.SUM)));
        else comm.allReduce(w, Communicator.Op.SUM);
        if (!host) backend.copyInto(w, t);
        for (int i = 0; i < values.length; i++) values[i] = t.getFloat(i);
    }

    private Tensor stats;

    /** Floats at the end of the last bucket for the step's sums (loss, correct, non-finite count). */
    private static final int SUMS = 8;

    @Override
    public void beginStep(List<Parameter> params, int localRows, int globalRows, double[] sums) {
        if (sums.length > SUMS) throw new IllegalArgumentException(sums.length + " sums per step: at most " + SUMS);
        if (buckets.isEmpty()) layOut(params);
        else if (params.size() != this.params.size()) throw new IllegalStateException("the model's parameters changed between steps");
        weight = (float) localRows / globalRows;
        for (Bucket b : buckets) {
            b.pending = b.members.size();
            b.complete = b.members.isEmpty();
            b.done = null;
            // A parameter backward never reaches on this replica (or a replica with no rows) adds zeros.
            if (host) b.data.fill((byte) 0);
            else backend.zeroInPlace(b.flat);
        }
        Bucket last = buckets.getLast();
        if (host) {
            for (int i = 0; i < sums.length; i++) last.data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, last.elements + i, (float) sums[i]);
        } else {
            for (int i = 0; i < SUMS; i++) sumsHost.setFloat(i, i < sums.length ? (float) sums[i] : 0f);
            backend.copyInto(sumsHost, view(last.flat, last.elements, SUMS));
        }
        nextLaunch = 0;
    }

    /** Buckets in backward order: the last parameters first, as their gradients are ready first. */
    private void layOut(List<Parameter> ps) {
        params = List.copyOf(ps);
        Bucket cur = null;
        for (int i = ps.size() - 1; i >= 0; i--) {
            Parameter p = ps.get(i);
            if (p.value().dtype() != DType.F32) throw new IllegalArgumentException(p.name() + ": mirrored training keeps f32 master weights, got " + p.value().dtype().id());
            if (!p.value().device().equals(backend.device())) {
                throw new IllegalArgumentException(p.name() + " is on " + p.value().device() + ", but this replica's gradient buckets are on " + backend.device());
            }
            long n = p.value().size();
            if (cur == null || (cur.elements > 0 && (cur.elements + n) * 4 > bucketBytes)) {
                cur = new Bucket(buckets.size());
                buckets.add(cur);
            }
            slots.put(p, new Slot(cur, cur.elements, n, p.value().shape()));
            cur.members.add(p);
            cur.elements += n;
        }
        if (buckets.isEmpty()) buckets.add(new Bucket(0)); // no parameters: the sums still travel
        for (Bucket b : buckets) {
            long n = b.elements + (b == buckets.getLast() ? SUMS : 0);
            if (host) {
                b.data = arena.allocate(n * 4, 64);
                b.flat = new Tensor(Shape.of(Math.toIntExact(n)), DType.F32, Device.CPU, b.data);
            } else {
                b.flat = persistent(n);
                b.data = b.flat.data();
            }
        }
        if (!host) sumsHost = Tensor.empty(Shape.of(SUMS), DType.F32, arena);
    }

    /** Device memory that outlives the step that first needs it (layOut runs inside the trainer's first step). */
    private Tensor persistent(long elements) {
        try (MemoryScope s = MemoryScope.owned(arena)) {
            return backend.empty(Shape.of(Math.toIntExact(elements)), DType.F32);
        }
    }

    /** Elements [offset, offset + n) of a flat bucket, on its device. */
    private static Tensor view(Tensor flat, long offset, long n) { return view(flat, offset, n, Shape.of(Math.toIntExact(n))); }

    private static Tensor view(Tensor flat, long offset, long n, Shape shape) {
        return new Tensor(shape, DType.F32, flat.device(), flat.data().asSlice(offset * 4, n * 4));
    }

    @Override
    public void ready(Parameter p) {
        Slot s = slots.get(p);
        if (s == null) return; // not a parameter of this model (a frozen input)
        Tensor g = p.grad();
        if (g != null) backend.scaleInto(g, weight, view(s.bucket.flat, s.offset, s.elements, g.shape()));
        if (--s.bucket.pending == 0) {
            s.bucket.complete = true;
            launchReady(true);
        }
    }

    /**
     * Launches complete buckets in bucket order, so every replica issues them in the same order. The last bucket
     * runs on the caller's thread once the others are done: nothing is left to overlap it with.
     */
    private void launchReady(boolean duringBackward) {
        while (nextLaunch < buckets.size() && buckets.get(nextLaunch).complete) {
            Bucket b = buckets.get(nextLaunch++);
            LaunchListener l = listener;
            if (l != null) l.launched(b.index, duringBackward);
            if (b.index == buckets.size() - 1) {
                for (Bucket o : buckets) if (o != b) join(o.done);
                comm.allReduce(b.flat, Communicator.Op.SUM);
                b.done = java.util.concurrent.CompletableFuture.completedFuture(null);
            } else {
                b.done = thread.submit(() -> comm.allReduce(b.flat, Communicator.Op.SUM));
            }
        }
    }

    @Override
    public void finishStep(double[] sums) {
        for (Bucket b : buckets) b.complete = true; // what backward did not reach stays zero
        launchReady(false);
        for (Bucket b : buckets) join(b.done);
        Bucket last = buckets.getLast();
        if (host) {
            for (int i = 0; i < sums.length; i++) sums[i] = last.data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, last.elements + i);
        } else {
            backend.copyInto(view(last.flat, last.elements, SUMS), sumsHost); // the step's one read-back
            for (int i = 0; i < sums.length; i++) sums[i] = sumsHost.getFloat(i);
        }
        for (Parameter p : params) {
            Slot s = slots.get(p);
            p.setGrad(view(s.bucket.flat, s.offset, s.elements, s.shape));
        }
    }

    @Override
    public void abort(String reason) { comm.abort(reason); }

    @Override
    public void close() {
        thread.shutdownNow();
        if (!host) {
            for (Bucket b : buckets) if (b.flat != null) backend.release(b.flat);
            if (statsDevice != null) backend.release(statsDevice);
        }
        arena.close();
    }
}
