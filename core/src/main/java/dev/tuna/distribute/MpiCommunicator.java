package dev.tuna.distribute;

import dev.tuna.bindings.NativeLibraryException;
import dev.tuna.bindings.mpi.Mpi;
import dev.tuna.bindings.mpi.MpiException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.HalfFloats;
import dev.tuna.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Communicator} over MPI with one process per rank, as {@code mpirun -np N} starts them; host tensors only.
 *
 * <p>MPI is started once per process ({@link #fromEnvironment()}) at MPI_THREAD_FUNNELED, and every MPI call is made
 * from one daemon thread that this class owns, so callers on any thread are safe. The one exception is MPI_Abort, made
 * from the caller's thread: abort is needed exactly when the MPI thread may be blocked in a collective, and Open MPI's
 * MPI_Abort only asks the runtime to end the job, which it does from any thread.
 *
 * <p>f16 and bf16 are widened to f32 for the reduction and rounded back (nearest even); MEAN is the f32 SUM divided by
 * {@link #size()}. Every rank runs the same rounding on the same f32 sums, so the results agree bit for bit.
 *
 * <p>Losing a rank: with MPI a failure ends the job rather than raising {@link CommunicatorException} in the survivors.
 * When a rank dies (killed, crashed, or its JVM exits without {@link #close()}), Open MPI's mpirun kills every other rank,
 * including those blocked in a collective, prints one line naming it ("mpirun noticed that process rank 1 with PID ...
 * exited on signal 9 (Killed).") and exits nonzero; if mpirun itself dies, the ranks lose their runtime and exit too.
 * A rank that fails in Java calls {@link #abort}: it prints the reason on one line and MPI_Abort ends the job the same
 * way, mpirun exiting with {@link #ABORT_CODE} (its own "MPI_ABORT was invoked on rank R" is lost now and then by Open
 * MPI 4.1.4, hence tuna's line). So no rank waits on a lost peer, and no watchdog is needed.
 */
public final class MpiCommunicator implements Communicator {
    /** MPI_Abort's error code, which mpirun exits with: the CLI's "run failed". */
    static final int ABORT_CODE = 1;
    /** Elements per MPI call: MPI counts are C ints. */
    static final int MAX_COUNT = 1 << 30;
    /** f16/bf16 are reduced in f32 chunks of this many elements (a 16 MiB buffer, allocated at the first such call). */
    static final int HALF_CHUNK = 1 << 22;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** The process's communicator: MPI can be started once and finalized once. Guarded by MpiCommunicator.class. */
    private static MpiCommunicator instance;

    private final ExecutorService mpiThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tuna-mpi");
        t.setDaemon(true); // a rank whose main thread ends must not be kept alive by a thread waiting for work
        return t;
    });
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Mpi.Handles handles;
    private final int rank;
    private final int size;
    private final String library;
    // Used on the MPI thread only.
    private Arena scratchArena;
    private MemorySegment scratch;

    private record Started(int rank, int size, String library) {}

    private MpiCommunicator() {
        try {
            handles = Mpi.handles();
        } catch (NativeLibraryException e) {
            mpiThread.shutdown();
            throw new CommunicatorException("MPI is not usable: " + e.getMessage(), e);
        }
        Started s;
        try {
            s = run("MPI_Init_thread", this::start);
        } catch (RuntimeException e) {
            mpiThread.shutdown();
            throw e;
        }
        rank = s.rank();
        size = s.size();
        library = s.library();
    }

    /**
     * This process's communicator, starting MPI the first time. Under mpirun the rank and size are mpirun's; started any
     * other way, Open MPI runs this process as a group of one.
     */
    public static synchronized MpiCommunicator fromEnvironment() {
        if (instance != null && instance.closed.get())
            throw new CommunicatorException("MPI was finalized in this process (MpiCommunicator.close); it cannot be started again");
        if (instance == null) instance = new MpiCommunicator();
        return instance;
    }

    /** Whether mpirun (Open MPI) or a PMI launcher (MPICH's Hydra, Slurm) started this process as one rank of a job. */
    public static boolean launchedByMpirun() { return launchedByMpirun(System.getenv()); }

    static boolean launchedByMpirun(Map<String, String> env) {
        return env.containsKey("OMPI_COMM_WORLD_SIZE") && env.containsKey("OMPI_COMM_WORLD_RANK")
                || env.containsKey("PMI_SIZE") && env.containsKey("PMI_RANK");
    }

    /** On the MPI thread: MPI_Init_thread, then errors as statuses on MPI_COMM_WORLD. */
    private Started start() {
        if (Mpi.MPI_Finalized()) throw new CommunicatorException("MPI was finalized in this process; it cannot be started again");
        if (Mpi.MPI_Initialized())
            throw new CommunicatorException("MPI was started outside MpiCommunicator; its calls must come from the thread that started it");
        Mpi.Flavor f = Mpi.flavor();
        int provided = Mpi.MPI_Init_thread(f.threadFunneled());
        if (provided < f.threadFunneled())
            throw new CommunicatorException("MPI_Init_thread provided thread level " + provided + ", tuna needs MPI_THREAD_FUNNELED ("
                    + f.threadFunneled() + ") to make its MPI calls from a thread of its own");
        Mpi.MPI_Comm_set_errhandler(handles.commWorld(), handles.errorsReturn());
        return new Started(Mpi.MPI_Comm_rank(handles.commWorld()), Mpi.MPI_Comm_size(handles.commWorld()),
                shortVersion(Mpi.MPI_Get_library_version()));
    }

    /** "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, ..." -> "Open MPI v4.1.4, package: Debian OpenMPI". */
    public static String shortVersion(String version) {
        String first = version.strip().lines().findFirst().orElse("MPI");
        String[] parts = first.split(",");
        return parts.length >= 2 ? parts[0].strip() + ", " + parts[1].strip() : first;
    }

    @Override
    public int rank() { return rank; }

    @Override
    public int size() { return size; }

    @Override
    public void allReduce(Tensor t, Op op) {
        requireHost(t, "allReduce");
        DType d = t.dtype();
        if (d != DType.F32 && d != DType.F16 && d != DType.BF16)
            throw new IllegalArgumentException("allReduce takes f32, f16 or bf16 tensors, not " + d.id() + " (" + t + ")");
        MemorySegment data = onAnyThread(t);
        call("MPI_Allreduce", () -> {
            if (d == DType.F32) reduceF32(data, t.size(), op);
            else reduceHalf(data, d, t.size(), op);
            return null;
        });
    }

    private void reduceF32(MemorySegment data, long n, Op op) {
        for (long i = 0; i < n; i += MAX_COUNT) {
            int count = (int) Math.min(MAX_COUNT, n - i);
            MemorySegment part = data.asSlice(i * Float.BYTES, (long) count * Float.BYTES);
            Mpi.MPI_Allreduce(handles.inPlace(), part, count, handles.floatType(), handles.opSum(), handles.commWorld());
            if (op == Op.MEAN) for (int j = 0; j < count; j++) part.setAtIndex(F32, j, part.getAtIndex(F32, j) / size);
        }
    }

    private void reduceHalf(MemorySegment data, DType d, long n, Op op) {
        if (scratch == null) {
            scratchArena = Arena.ofConfined();
            scratch = scratchArena.allocate((long) HALF_CHUNK * Float.BYTES, 64);
        }
        boolean f16 = d == DType.F16;
        for (long i = 0; i < n; i += HALF_CHUNK) {
            int count = (int) Math.min(HALF_CHUNK, n - i);
            for (int j = 0; j < count; j++) {
                short h = data.getAtIndex(S16, i + j);
                scratch.setAtIndex(F32, j, f16 ? HalfFloats.fromF16(h) : HalfFloats.fromBF16(h));
            }
            Mpi.MPI_Allreduce(handles.inPlace(), scratch, count, handles.floatType(), handles.opSum(), handles.commWorld());
            for (int j = 0; j < count; j++) {
                float v = scratch.getAtIndex(F32, j);
                if (op == Op.MEAN) v /= size;
                data.setAtIndex(S16, i + j, f16 ? HalfFloats.toF16(v) : HalfFloats.toBF16(v));
            }
        }
    }

    @Override
    public void broadcast(Tensor t, int root) {
        requireHost(t, "broadcast");
        if (root < 0 || root >= size) throw new IllegalArgumentException("broadcast root " + root + " is not a rank of 0 to " + (size - 1));
        MemorySegment data = onAnyThread(t);
        call("MPI_Bcast", () -> {
            long n = t.size() * t.dtype().byteSize();
            for (long i = 0; i < n; i += MAX_COUNT) {
                int count = (int) Math.min(MAX_COUNT, n - i);
                Mpi.MPI_Bcast(data.asSlice(i, count), count, handles.byteType(), root, handles.commWorld());
            }
            return null;
        });
    }

    @Override
    public void barrier() {
        call("MPI_Barrier", () -> {
            Mpi.MPI_Barrier(handles.commWorld());
            return null;
        });
    }

    /** Prints the reason on one line and ends the whole MPI job (MPI_Abort); under mpirun it does not return. */
    @Override
    public void abort(String reason) {
        System.err.println("tuna: MPI rank " + rank + " of " + size + " aborts the job: " + reason);
        System.err.flush();
        if (closed.get()) throw new CommunicatorException("abort(" + reason + ") after close: MPI is finalized, there is no job to end");
        Mpi.MPI_Abort(handles.commWorld(), ABORT_CODE);
        throw new CommunicatorException("MPI_Abort returned without ending the job (" + reason + ")");
    }

    @Override
    public String describe() { return "MPI (" + library + ") rank " + rank + " of " + size; }

    /** MPI_Finalize, once; it waits for the other ranks to finalize too. Later calls do nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            run("MPI_Finalize", () -> {
                if (scratchArena != null) scratchArena.close();
                Mpi.MPI_Finalize();
                return null;
            });
        } finally {
            mpiThread.shutdown();
        }
    }

    @Override
    public String toString() { return describe(); }

    private static void requireHost(Tensor t, String what) {
        if (t.device().kind() != Device.Kind.CPU)
            throw new IllegalArgumentException(what + " over MPI takes host tensors, not " + t + " (device tensors go through NCCL)");
    }

    /**
     * The tensor's memory as the MPI thread may touch it. A confined arena's segment (a test's, a caller's scratch) is
     * readable from its owner thread only, and so is passing it to a downcall; the view made here over the same
     * addresses is not. It is sound because the caller waits for the MPI thread to finish with it: an owner thread that
     * waits cannot close its arena meanwhile.
     */
    private static MemorySegment onAnyThread(Tensor t) {
        MemorySegment s = t.data();
        if (!s.isNative()) throw new IllegalArgumentException("MPI needs off-heap tensor storage, not a Java array (" + t + ")");
        return MemorySegment.ofAddress(s.address()).reinterpret(s.byteSize());
    }

    private <T> T call(String what, Callable<T> body) {
        if (closed.get()) throw new CommunicatorException(what + ": " + describe() + " is closed");
        return run(what, body);
    }

    /** Runs body on the MPI thread and waits; an MPI error comes back as a CommunicatorException naming the rank. */
    private <T> T run(String what, Callable<T> body) {
        Future<T> f;
        try {
            f = mpiThread.submit(body);
        } catch (RejectedExecutionException e) {
            throw new CommunicatorException(what + ": the MPI communicator is closed", e);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommunicatorException(what + " interrupted on rank " + rank + "; the MPI call goes on, so the ranks are out of step");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof CommunicatorException ce) throw ce;
            if (c instanceof MpiException me)
                throw new CommunicatorException(what + " failed on MPI rank " + rank + " of " + size + ": " + me.getMessage(), me);
            if (c instanceof NativeLibraryException ne) throw new CommunicatorException("MPI is not usable: " + ne.getMessage(), ne);
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new CommunicatorException(what + ": " + c, c);
        }
    }
}
