package dev.tuna.distribute;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.HalfFloats;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One rank of the MPI tests, started by {@link MpiCommunicatorTest} through {@code mpirun -np 2}. Modes:
 * {@code collectives SEED DIR} checks every collective against a float64 reference that each rank computes on its own
 * (every rank regenerates every rank's inputs from the seed); {@code die DIR} and {@code abort DIR} lose rank 1 after a
 * first collective, once rank 0 is on its way into the next one.
 */
public final class MpiRankMain {
    private MpiRankMain() {}

    /** Awkward element counts, the last one 25 MiB of the dtype. */
    static long[] sizes(DType d) { return new long[] {1, 13, 4098, 25L * (1 << 20) / d.byteSize()}; }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        try (MpiCommunicator c = MpiCommunicator.fromEnvironment(); Arena arena = Arena.ofConfined()) {
            System.out.println("rank " + c.rank() + ": " + c.describe());
            switch (mode) {
                case "collectives" -> collectives(c, arena, Long.parseLong(args[1]), Path.of(args[2]));
                case "die", "abort" -> loseRankOne(c, arena, mode, Path.of(args[1]));
                default -> throw new IllegalArgumentException("mode " + mode + ": expected collectives, die or abort");
            }
        }
    }

    // ---- the collectives against an independent reference ----

    private static void collectives(MpiCommunicator c, Arena arena, long seed, Path dir) throws Exception {
        int me = c.rank(), n = c.size();
        // The barrier returns only once every rank has called it: each rank's file exists by then.
        Files.writeString(dir.resolve("before-barrier-" + me), "");
        c.barrier();
        for (int r = 0; r < n; r++)
            if (!Files.exists(dir.resolve("before-barrier-" + r))) throw new AssertionError("rank " + me + " passed the barrier before rank " + r + " reached it");

        int k = 0;
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            for (Communicator.Op op : Communicator.Op.values()) {
                for (long size : sizes(d)) {
                    Tensor t = Tensor.empty(Shape.of(Math.toIntExact(size)), d, arena);
                    fill(t, seed, k, me);
                    c.allReduce(t, op);
                    double worst = check(t, seed, k, n, op);
                    identicalOnEveryRank(c, arena, t, d + " " + op + " n=" + size);
                    if (me == 0) System.out.printf("rank 0: allReduce %s %s n=%d: max error %.3g of the tolerance%n", d.id(), op, size, worst);
                    k++;
                }
            }
        }

        // Broadcast from the last rank, of bytes and ints, at awkward lengths.
        for (long size : new long[] {1, 13, 4099}) {
            Tensor t = Tensor.empty(Shape.of(Math.toIntExact(size)), DType.U8, arena);
            SplittableRandom g = new SplittableRandom(seed ^ 0x5eedL ^ size);
            byte[] expected = new byte[(int) size];
            for (int i = 0; i < size; i++) expected[i] = (byte) g.nextInt(256);
            if (me == n - 1) MemorySegment.copy(expected, 0, t.data(), ValueLayout.JAVA_BYTE, 0, expected.length);
            else t.data().fill((byte) 0);
            c.broadcast(t, n - 1);
            if (!Arrays.equals(expected, t.data().toArray(ValueLayout.JAVA_BYTE)))
                throw new AssertionError("rank " + me + ": broadcast of " + size + " bytes from rank " + (n - 1) + " differs");
        }
        c.barrier();

        // The napkin: 25 MiB each way through shared memory; print the median of five after a warm-up.
        Tensor big = Tensor.empty(Shape.of(25 << 18), DType.F32, arena);
        big.fill(1f);
        c.allReduce(big, Communicator.Op.SUM);
        long[] ns = new long[5];
        for (int i = 0; i < ns.length; i++) {
            c.barrier();
            long t0 = System.nanoTime();
            c.allReduce(big, Communicator.Op.SUM);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        if (me == 0) System.out.printf("rank 0: allReduce 25 MiB f32 SUM over %d ranks: %.1f ms (median of 5)%n", n, ns[2] / 1e6);
        System.out.println("rank " + me + ": all collectives agree with the float64 reference");
    }

    /** Rank r's input for case k: uniform in [-4, 4), rounded to the dtype, from its own stream. */
    static SplittableRandom stream(long seed, int k, int r) { return new SplittableRandom(seed * 1_000_003L + k * 7919L + r); }

    static float next(SplittableRandom g, DType d) {
        float v = (float) (g.nextDouble() * 8 - 4);
        return switch (d) {
            case F16 -> HalfFloats.fromF16(HalfFloats.toF16(v));
            case BF16 -> HalfFloats.fromBF16(HalfFloats.toBF16(v));
            default -> v;
        };
    }

    private static void fill(Tensor t, long seed, int k, int rank) {
        SplittableRandom g = stream(seed, k, rank);
        for (long i = 0; i < t.size(); i++) t.setFloat(i, next(g, t.dtype()));
    }

    /**
     * Compares with SUM or MEAN in float64 of every rank's input. Tolerance: one unit in the last place of the dtype
     * (rounding the f32 result back), plus f32's rounding of each of the n - 1 additions, plus the dtype's smallest
     * subnormal for results near zero. Returns the worst error as a fraction of its tolerance.
     */
    private static double check(Tensor t, long seed, int k, int n, Communicator.Op op) {
        DType d = t.dtype();
        SplittableRandom[] g = new SplittableRandom[n];
        for (int r = 0; r < n; r++) g[r] = stream(seed, k, r);
        double eps = switch (d) { case F16 -> 0x1p-10; case BF16 -> 0x1p-7; default -> 0x1p-23; };
        double tiny = d == DType.F16 ? 0x1p-24 : Float.MIN_VALUE;
        double worst = 0;
        for (long i = 0; i < t.size(); i++) {
            double sum = 0, abs = 0;
            for (int r = 0; r < n; r++) {
                double x = next(g[r], d);
                sum += x;
                abs += Math.abs(x);
            }
            double ref = op == Communicator.Op.MEAN ? sum / n : sum;
            double scale = op == Communicator.Op.MEAN ? 1.0 / n : 1.0;
            double tol = eps * Math.abs(ref) + (n - 1) * 0x1p-24 * abs * scale + tiny;
            double err = Math.abs(t.getFloat(i) - ref);
            if (!(err <= tol))
                throw new AssertionError(String.format("allReduce %s %s n=%d case %d element %d: got %s, float64 reference %s (tolerance %.3g)",
                        d.id(), op, t.size(), k, i, t.getFloat(i), ref, tol));
            worst = Math.max(worst, err / tol);
        }
        return worst;
    }

    /** Rank 0's result, broadcast, equals this rank's bit for bit. */
    private static void identicalOnEveryRank(MpiCommunicator c, Arena arena, Tensor t, String what) {
        Tensor root = Tensor.empty(t.shape(), t.dtype(), arena);
        MemorySegment.copy(t.data(), 0, root.data(), 0, t.data().byteSize());
        c.broadcast(root, 0);
        long at = root.data().mismatch(t.data());
        if (at >= 0) throw new AssertionError("rank " + c.rank() + ": allReduce " + what + " differs from rank 0's at byte " + at);
    }

    // ---- losing a rank ----

    private static void loseRankOne(MpiCommunicator c, Arena arena, String mode, Path dir) throws Exception {
        Tensor t = Tensor.empty(Shape.of(13), DType.F32, arena);
        t.fill(c.rank());
        c.allReduce(t, Communicator.Op.SUM);
        System.out.println("rank " + c.rank() + ": first collective done");
        // Both ranks meet at a barrier; after it, rank 0 goes straight into a collective rank 1 never joins, so rank 1
        // is lost while rank 0 is in (or entering) it: a state both reach, not a time.
        c.barrier();
        if (c.rank() == 0) {
            c.allReduce(t, Communicator.Op.SUM); // never completes: rank 1 does not join it
            System.out.println("rank 0: second collective returned without rank 1");
            return;
        }
        if (mode.equals("die")) {
            System.out.println("rank 1: killing itself with SIGKILL");
            System.out.flush();
            new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).inheritIO().start().waitFor();
            Thread.sleep(Long.MAX_VALUE); // SIGKILL ends this process during the sleep
        } else {
            c.abort("test: rank 1 gives up");
        }
    }
}
