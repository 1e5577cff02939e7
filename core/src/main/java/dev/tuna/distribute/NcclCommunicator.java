package dev.tuna.distribute;

import dev.tuna.bindings.cuda.CudaDriver;
import dev.tuna.bindings.nccl.Nccl;
import dev.tuna.bindings.nccl.NcclException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A {@link Communicator} over NCCL for tensors in device memory: one per GPU, either all in this process
 * ({@link #forDevices}, ncclCommInitAll) or one per process ({@link #overProcesses}, ncclCommInitRank with an id that
 * rank 0 makes and another communicator, MPI for instance, broadcasts).
 *
 * <p>Collectives run on the communicator's own stream. An event recorded on the compute stream (the legacy default
 * stream, where CudaRuntime runs everything) makes the collective wait for the work that produced the tensor, and a
 * second event makes the compute stream wait for the collective, so later kernels see the result without a host
 * round trip. The calling thread then waits for the collective by polling, checking ncclCommGetAsyncError between
 * polls: a lost peer or a timeout aborts the communicator and throws {@link CommunicatorException} instead of hanging.
 */
public final class NcclCommunicator implements Communicator {
    /** The compute stream: CudaRuntime launches everything on the legacy default stream. */
    private static final MemorySegment COMPUTE = MemorySegment.NULL;
    /** How long a collective may take before the group is presumed lost (-Dtuna.nccl.timeout=SECONDS; 10 minutes). */
    static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(Long.getLong("tuna.nccl.timeout", 600));

    private final int rank, size, device;
    private final String version;
    private final MemorySegment context, stream, ready, done;
    private final long scratch;   // one f32 that barrier() all-reduces
    /** Guards comm: a poller's ncclCommGetAsyncError must not race abort()'s ncclCommAbort, which frees it. */
    private final Object lock = new Object();
    private MemorySegment comm;
    private volatile String aborted;
    private boolean closed;

    private NcclCommunicator(MemorySegment comm, int rank, int size, int device, String version, MemorySegment context) {
        this.comm = comm;
        this.rank = rank;
        this.size = size;
        this.device = device;
        this.version = version;
        this.context = context;
        CudaDriver.cuCtxPushCurrent(context);
        try {
            stream = CudaDriver.cuStreamCreate(CudaDriver.CU_STREAM_NON_BLOCKING);
            ready = CudaDriver.cuEventCreate(CudaDriver.CU_EVENT_DISABLE_TIMING);
            done = CudaDriver.cuEventCreate(CudaDriver.CU_EVENT_DISABLE_TIMING);
            scratch = CudaDriver.cuMemAlloc(4);
            CudaDriver.cuMemsetD32(scratch, 0, 1);
        } finally {
            CudaDriver.cuCtxPopCurrent();
        }
    }

    /** One communicator per GPU 0 to n - 1 of this process, rank i on cuda:i; drive them from one thread per rank or with {@link #allReduce(List, List, Op)}. */
    public static List<NcclCommunicator> forDevices(int n) {
        if (n < 1) throw new IllegalArgumentException("NCCL needs at least one device, not " + n);
        int[] devices = new int[n];
        for (int i = 0; i < n; i++) devices[i] = i;
        return forDevices(devices);
    }

    /** One communicator per listed GPU of this process, rank i on cuda:devices[i] ({@code --device cuda:1,3}). */
    public static List<NcclCommunicator> forDevices(int[] devices) {
        int n = devices.length;
        if (n < 1) throw new IllegalArgumentException("NCCL needs at least one device, not " + n);
        String version = Nccl.versionString(Nccl.ncclGetVersion());
        CudaDriver.cuInit(0);
        int count = CudaDriver.cuDeviceGetCount();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int d : devices) {
            if (d < 0 || d >= count) throw new IllegalArgumentException("cuda:" + d + " asked for, but the CUDA driver sees " + count + " GPUs");
            if (!seen.add(d)) throw new IllegalArgumentException("cuda:" + d + " listed twice: NCCL takes one rank per GPU");
        }
        MemorySegment[] contexts = new MemorySegment[n];
        for (int i = 0; i < n; i++) contexts[i] = CudaDriver.cuDevicePrimaryCtxRetain(CudaDriver.cuDeviceGet(devices[i]));
        MemorySegment[] comms = null;
        NcclException failure = null;
        // ncclCommInitAll switches devices as it goes; the push and pop give the caller its own context back.
        CudaDriver.cuCtxPushCurrent(contexts[0]);
        try {
            comms = Nccl.ncclCommInitAll(devices);
        } catch (NcclException e) {
            failure = e;
        } finally {
            CudaDriver.cuCtxPopCurrent();
        }
        if (failure != null) {
            for (int i = 0; i < n; i++) CudaDriver.cuDevicePrimaryCtxRelease(CudaDriver.cuDeviceGet(devices[i]));
            throw new CommunicatorException("NCCL " + version + " could not join " + java.util.Arrays.toString(devices) + ": " + failure.getMessage(), failure);
        }
        List<NcclCommunicator> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new NcclCommunicator(comms[i], i, n, devices[i], version, contexts[i]));
        return List.copyOf(out);
    }

    /**
     * This process's rank of a group spread over processes, on cuda:{@code device}: rank 0 makes an ncclUniqueId,
     * {@code bootstrap} (any Communicator over host memory with the same ranks) broadcasts it, and every rank joins.
     */
    public static NcclCommunicator overProcesses(Communicator bootstrap, int device) {
        // Every rank checks that it can use NCCL before the id is shared: one that cannot aborts the bootstrap, so that
        // no rank is left waiting in ncclCommInitRank for it.
        String version;
        try {
            version = Nccl.versionString(Nccl.ncclGetVersion());
            CudaDriver.cuInit(0);
            CudaDriver.cuDeviceGet(device);
        } catch (RuntimeException e) {
            bootstrap.abort("rank " + bootstrap.rank() + " cannot use NCCL on cuda:" + device + ": " + e.getMessage());
            throw e;
        }
        byte[] id = shareId(bootstrap, Nccl::ncclGetUniqueId);
        MemorySegment context = CudaDriver.cuDevicePrimaryCtxRetain(CudaDriver.cuDeviceGet(device));
        MemorySegment comm = null;
        NcclException failure = null;
        // ncclCommInitRank joins the device whose context is current.
        CudaDriver.cuCtxPushCurrent(context);
        try {
            comm = Nccl.ncclCommInitRank(bootstrap.size(), id, bootstrap.rank());
        } catch (NcclException e) {
            failure = e;
        } finally {
            CudaDriver.cuCtxPopCurrent();
        }
        if (failure != null) {
            CudaDriver.cuDevicePrimaryCtxRelease(CudaDriver.cuDeviceGet(device));
            throw new CommunicatorException("NCCL " + version + " rank " + bootstrap.rank() + " of " + bootstrap.size() + " on cuda:" + device
                    + " could not join the group: " + failure.getMessage(), failure);
        }
        return new NcclCommunicator(comm, bootstrap.rank(), bootstrap.size(), device, version, context);
    }

    /**
     * Rank 0's ncclUniqueId on every rank. Each of its 128 bytes travels as one f32 holding 0 to 255: a bootstrap
     * communicator may move floats as values, and raw id bytes read as floats could be NaNs whose bits a value copy is
     * free to change. If rank 0 cannot make an id, it aborts the bootstrap so that the other ranks do not wait for it.
     */
    static byte[] shareId(Communicator bootstrap, Supplier<byte[]> makeId) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.empty(Shape.of(Nccl.NCCL_UNIQUE_ID_BYTES), DType.F32, arena);
            t.fill(-1);
            if (bootstrap.rank() == 0) {
                byte[] id;
                try {
                    id = makeId.get();
                } catch (RuntimeException e) {
                    bootstrap.abort("rank 0 could not make an NCCL id: " + e.getMessage());
                    throw e;
                }
                for (int i = 0; i < id.length; i++) t.setFloat(i, id[i] & 0xff);
            }
            bootstrap.broadcast(t, 0);
            byte[] id = new byte[Nccl.NCCL_UNIQUE_ID_BYTES];
            for (int i = 0; i < id.length; i++) {
                float v = t.getFloat(i);
                if (!(v >= 0 && v <= 255 && v == Math.rint(v))) {
                    throw new CommunicatorException("the NCCL id that rank 0 broadcast over " + bootstrap.describe() + " arrived as " + v
                            + " at byte " + i + " on rank " + bootstrap.rank());
                }
                id[i] = (byte) (int) v;
            }
            return id;
        }
    }

    /** ncclDataType_t of a tuna dtype. */
    static int ncclType(DType dtype) {
        return switch (dtype) {
            case F32 -> Nccl.ncclFloat32;
            case F16 -> Nccl.ncclFloat16;
            case BF16 -> Nccl.ncclBfloat16;
            default -> throw new IllegalArgumentException("NCCL collectives take f32, f16 or bf16 tensors, not " + dtype.id());
        };
    }

    /** ncclRedOp_t of an op: MEAN is ncclAvg, which divides by the number of ranks inside NCCL. */
    static int ncclOp(Op op) {
        return switch (op) {
            case SUM -> Nccl.ncclSum;
            case MEAN -> Nccl.ncclAvg;
        };
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    /** The CUDA device this rank runs on. */
    public Device device() { return Device.cuda(device); }

    @Override
    public void allReduce(Tensor t, Op op) {
        long address = address(t, "allReduce");
        int type = ncclType(t.dtype()), redOp = ncclOp(op);
        run("ncclAllReduce of " + t.size() + " " + t.dtype().id(), () -> Nccl.ncclAllReduce(address, address, t.size(), type, redOp, comm, stream));
    }

    /** All-reduces one tensor per communicator from this one thread, as one NCCL group (ranks driven by one thread must be). */
    public static void allReduce(List<NcclCommunicator> comms, List<Tensor> tensors, Op op) {
        if (comms.size() != tensors.size()) throw new IllegalArgumentException(comms.size() + " communicators but " + tensors.size() + " tensors");
        long[] address = new long[comms.size()];
        for (int i = 0; i < address.length; i++) {
            address[i] = comms.get(i).address(tensors.get(i), "allReduce");
            ncclType(tensors.get(i).dtype());
            comms.get(i).usable();
        }
        for (NcclCommunicator c : comms) c.inContext(c::afterCompute);
        try {
            Nccl.ncclGroupStart();
            try {
                for (int i = 0; i < address.length; i++) {
                    NcclCommunicator c = comms.get(i);
                    Tensor t = tensors.get(i);
                    long a = address[i];
                    synchronized (c.lock) {
                        c.usable();
                        Nccl.ncclAllReduce(a, a, t.size(), ncclType(t.dtype()), ncclOp(op), c.comm, c.stream);
                    }
                }
            } finally {
                Nccl.ncclGroupEnd();
            }
        } catch (NcclException e) {
            for (NcclCommunicator c : comms) c.abort("a grouped ncclAllReduce failed: " + e.getMessage());
            throw new CommunicatorException("grouped ncclAllReduce over " + comms.size() + " GPUs failed: " + e.getMessage(), e);
        }
        for (NcclCommunicator c : comms) c.inContext(c::beforeCompute);
        for (NcclCommunicator c : comms) c.inContext(() -> c.await("grouped ncclAllReduce"));
    }

    @Override
    public void broadcast(Tensor t, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast root " + root + " is not a rank of 0 to " + (size - 1));
        long address = address(t, "broadcast");
        int type = ncclType(t.dtype());
        run("ncclBroadcast of " + t.size() + " " + t.dtype().id() + " from rank " + root,
                () -> Nccl.ncclBroadcast(address, address, t.size(), type, root, comm, stream));
    }

    /** NCCL has no barrier: an all-reduce of one float returns on every rank only once all have joined it. */
    @Override
    public void barrier() {
        run("barrier (ncclAllReduce of 1 f32)", () -> Nccl.ncclAllReduce(scratch, scratch, 1, Nccl.ncclFloat32, Nccl.ncclSum, comm, stream));
    }

    @Override
    public void abort(String reason) {
        synchronized (lock) {
            if (comm == null) return;
            aborted = reason;
            MemorySegment c = comm;
            comm = null;
            inContext(() -> Nccl.ncclCommAbort(c));
        }
    }

    @Override
    public String describe() { return "NCCL " + version + ", rank " + rank + " of " + size + " on cuda:" + device; }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) return;
            closed = true;
            if (comm != null) {
                MemorySegment c = comm;
                comm = null;
                aborted = "the communicator is closed";
                inContext(() -> Nccl.ncclCommDestroy(c));
            }
        }
        inContext(() -> {
            CudaDriver.cuStreamSynchronize(stream);
            CudaDriver.cuEventDestroy(ready);
            CudaDriver.cuEventDestroy(done);
            CudaDriver.cuStreamDestroy(stream);
            CudaDriver.cuMemFree(scratch);
        });
        CudaDriver.cuDevicePrimaryCtxRelease(CudaDriver.cuDeviceGet(device));
    }

    // ---- one collective: order after compute, enqueue, order compute after it, wait ----

    private void run(String what, Runnable enqueue) {
        inContext(() -> {
            afterCompute();
            try {
                synchronized (lock) {
                    usable();
                    enqueue.run();
                }
            } catch (NcclException e) {
                abort(what + " failed: " + e.getMessage());
                throw new CommunicatorException(describe() + ": " + what + " failed: " + e.getMessage(), e);
            }
            beforeCompute();
            await(what);
        });
    }

    /** The collective's stream waits for what the compute stream has queued so far. */
    private void afterCompute() {
        CudaDriver.cuEventRecord(ready, COMPUTE);
        CudaDriver.cuStreamWaitEvent(stream, ready, 0);
    }

    /** The compute stream waits for the collective. */
    private void beforeCompute() {
        CudaDriver.cuEventRecord(done, stream);
        CudaDriver.cuStreamWaitEvent(COMPUTE, done, 0);
    }

    /** Waits for the collective, checking NCCL's asynchronous error (a lost peer) and the timeout between polls. */
    private void await(String what) {
        long start = System.nanoTime();
        for (long polls = 0; !CudaDriver.cuEventQuery(done); polls++) {
            int async;
            synchronized (lock) {
                usable();
                async = Nccl.ncclCommGetAsyncError(comm);
            }
            if (async != 0 && async != 7) {   // neither ncclSuccess nor ncclInProgress
                String reason = what + " failed: " + NcclException.nameOf(async) + " (" + async + "): " + Nccl.ncclGetErrorString(async)
                        + (async == 6 ? " (a peer rank failed or went away)" : "");
                abort(reason);
                throw new CommunicatorException(describe() + ": " + reason);
            }
            long waited = System.nanoTime() - start;
            if (waited > TIMEOUT_NANOS) {
                String reason = what + " did not complete within " + TimeUnit.NANOSECONDS.toSeconds(TIMEOUT_NANOS)
                        + " s (-Dtuna.nccl.timeout): a peer rank is presumed lost";
                abort(reason);
                throw new CommunicatorException(describe() + ": " + reason);
            }
            // Spin for the first ~1000 polls (most collectives end within microseconds), then sleep between polls.
            if (polls < 1000) Thread.onSpinWait();
            else LockSupport.parkNanos(50_000);
        }
    }

    private void usable() {
        String why = aborted;
        if (why != null || comm == null) throw new CommunicatorException(describe() + " was aborted: " + (why == null ? "closed" : why));
    }

    private long address(Tensor t, String op) {
        if (!t.device().equals(Device.cuda(device))) {
            throw new IllegalArgumentException("NCCL " + op + " on cuda:" + device + " was given a tensor on " + t.device());
        }
        return t.data().address();
    }

    /** Runs with this device's context current, restoring the caller's after. */
    private void inContext(Runnable r) {
        CudaDriver.cuCtxPushCurrent(context);
        try {
            r.run();
        } finally {
            CudaDriver.cuCtxPopCurrent();
        }
    }
}
