package dev.tuna.distribute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.HalfFloats;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The in-process communicator against float64 sums, on fresh random inputs of awkward sizes. */
class InProcessGroupTest {
    private static float value(SplittableRandom r) { return (float) (r.nextGaussian() * 3); }

    @Test
    void allReduceMatchesFloat64AndIsBitIdenticalOnEveryReplica() throws Exception {
        long seed = System.nanoTime();
        System.out.println("InProcessGroupTest seed " + seed);
        for (int n : new int[] {1, 2, 3, 4}) {
            for (int size : new int[] {1, 13, 207, 4098, (25 << 20) / 4 + 3}) {
                for (DType dt : List.of(DType.F32, DType.F16, DType.BF16)) {
                    if (size > 100_000 && dt != DType.F32) continue; // the half paths are scalar; small sizes cover them
                    for (Communicator.Op op : Communicator.Op.values()) check(n, size, dt, op, seed++);
                }
            }
        }
    }

    private static void check(int n, int size, DType dt, Communicator.Op op, long seed) {
        List<Communicator> group = InProcessGroup.create(n);
        try (Arena a = Arena.ofShared()) {
            List<Tensor> ts = new ArrayList<>();
            double[] ref = new double[size];
            SplittableRandom rng = new SplittableRandom(seed);
            for (int r = 0; r < n; r++) {
                Tensor t = Tensor.empty(Shape.of(size), dt, a);
                for (int i = 0; i < size; i++) {
                    float v = value(rng);
                    double stored;
                    if (dt == DType.F32) {
                        t.data().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
                        stored = v;
                    } else {
                        short h = dt == DType.F16 ? HalfFloats.toF16(v) : HalfFloats.toBF16(v);
                        t.data().setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, h);
                        stored = dt == DType.F16 ? HalfFloats.fromF16(h) : HalfFloats.fromBF16(h);
                    }
                    ref[i] += stored;
                }
                ts.add(t);
            }
            Mirrored.run(group, c -> {
                c.allReduce(ts.get(c.rank()), op);
                return null;
            });
            // f32 sums of n terms in a fixed order: within n ulps of the float64 sum; halves add one rounding.
            double relTol = dt == DType.F32 ? 4e-7 * n : dt == DType.F16 ? 1e-3 : 8e-3;
            for (int i = 0; i < size; i++) {
                double want = op == Communicator.Op.MEAN ? ref[i] / n : ref[i];
                double got = read(ts.getFirst(), i);
                assertEquals(want, got, relTol * (Math.abs(want) + 3 * n) + 1e-6, "n=" + n + " size=" + size + " " + dt.id() + " " + op + " at " + i);
            }
            byte[] first = ts.getFirst().data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            for (Tensor t : ts) assertArrayEquals(first, t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "replicas differ");
        }
    }

    private static double read(Tensor t, int i) {
        return switch (t.dtype()) {
            case F32 -> t.data().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i);
            case F16 -> HalfFloats.fromF16(t.data().getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i));
            case BF16 -> HalfFloats.fromBF16(t.data().getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i));
            default -> throw new AssertionError(t.dtype());
        };
    }

    @Test
    void broadcastCopiesTheRootsTensorEverywhere() {
        long seed = System.nanoTime();
        System.out.println("broadcast seed " + seed);
        List<Communicator> group = InProcessGroup.create(3);
        try (Arena a = Arena.ofShared()) {
            List<Tensor> ts = new ArrayList<>();
            SplittableRandom rng = new SplittableRandom(seed);
            for (int r = 0; r < 3; r++) {
                Tensor t = Tensor.empty(Shape.of(1000), DType.F32, a);
                for (int i = 0; i < 1000; i++) t.setFloat(i, value(rng));
                ts.add(t);
            }
            float[] root = ts.get(1).toFloatArray();
            Mirrored.run(group, c -> {
                c.broadcast(ts.get(c.rank()), 1);
                c.barrier();
                return null;
            });
            for (Tensor t : ts) assertArrayEquals(root, t.toFloatArray());
        }
    }

    @Test
    void aFailingReplicaReleasesTheOthersFromTheirCollectives() throws Exception {
        List<Communicator> group = InProcessGroup.create(3);
        CountDownLatch blocked = new CountDownLatch(2);
        // Replicas 0 and 2 enter a barrier that replica 1 never reaches: it fails instead, once they are in it.
        RuntimeException e = assertThrows(RuntimeException.class, () -> Mirrored.run(group, c -> {
            if (c.rank() == 1) {
                try {
                    assertTrue(blocked.await(60, TimeUnit.SECONDS));
                } catch (InterruptedException ie) {
                    throw new AssertionError(ie);
                }
                throw new IllegalStateException("replica 1's data is bad");
            }
            blocked.countDown();
            c.barrier();
            return null;
        }));
        assertEquals("replica 1's data is bad", e.getMessage());
        // The group stays broken: a later collective fails at once with the reason.
        CommunicatorException later = assertThrows(CommunicatorException.class, () -> group.get(0).barrier());
        assertTrue(later.getMessage().contains("replica 1 failed: replica 1's data is bad"), later.getMessage());
    }
}
