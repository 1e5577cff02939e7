package dev.tuna.distribute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.bindings.NativeLibraryException;
import dev.tuna.bindings.nccl.Nccl;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What NcclCommunicator decides without a GPU: dtype and op mapping, the id's bootstrap, and a machine without NCCL. */
class NcclCommunicatorTest {
    @Test
    void dtypesAndOpsMapToNcclsEnums() {
        assertEquals(Nccl.ncclFloat32, NcclCommunicator.ncclType(DType.F32));
        assertEquals(Nccl.ncclFloat16, NcclCommunicator.ncclType(DType.F16));
        assertEquals(Nccl.ncclBfloat16, NcclCommunicator.ncclType(DType.BF16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NcclCommunicator.ncclType(DType.I32));
        assertTrue(e.getMessage().contains("i32"), e.getMessage());
        assertEquals(Nccl.ncclSum, NcclCommunicator.ncclOp(Communicator.Op.SUM));
        assertEquals(Nccl.ncclAvg, NcclCommunicator.ncclOp(Communicator.Op.MEAN));
    }

    @Test
    void rankZerosIdReachesEveryRankByteForByte() throws Exception {
        long seed = System.nanoTime();
        System.out.println("NcclCommunicatorTest seed " + seed);
        byte[] id = new byte[Nccl.NCCL_UNIQUE_ID_BYTES];
        new SplittableRandom(seed).nextBytes(id);
        // Bytes that, read four at a time as floats, make a NaN with a payload: a value copy may change those bits.
        id[0] = (byte) 0x01; id[1] = (byte) 0x00; id[2] = (byte) 0xc0; id[3] = (byte) 0x7f;
        List<byte[]> got = onEveryRank(HostGroup.of(3), c -> NcclCommunicator.shareId(c, () -> id.clone()));
        for (byte[] g : got) assertArrayEquals(id, g, "seed " + seed);
    }

    @Test
    void whenRankZeroCannotMakeAnIdTheOthersAreToldInsteadOfWaiting() throws Exception {
        List<Communicator> group = HostGroup.of(2);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<byte[]> zero = pool.submit(() -> NcclCommunicator.shareId(group.get(0), () -> { throw new NativeLibraryException("NCCL not usable: test"); }));
            Future<byte[]> one = pool.submit(() -> NcclCommunicator.shareId(group.get(1), () -> new byte[128]));
            Exception e0 = assertThrows(Exception.class, zero::get);
            assertTrue(e0.getCause() instanceof NativeLibraryException, String.valueOf(e0.getCause()));
            Exception e1 = assertThrows(Exception.class, one::get);
            assertTrue(e1.getCause() instanceof CommunicatorException, String.valueOf(e1.getCause()));
            assertTrue(e1.getCause().getMessage().contains("rank 0 could not make an NCCL id: NCCL not usable: test"), e1.getCause().getMessage());
        }
    }

    @Test
    void aDamagedIdIsAnErrorNamingTheByte() {
        Communicator damaging = new Communicator() {
            @Override public int rank() { return 1; }
            @Override public int size() { return 2; }
            @Override public void allReduce(Tensor t, Op op) {}
            @Override public void broadcast(Tensor t, int root) { t.fill(0.5f); }
            @Override public void barrier() {}
            @Override public void abort(String reason) {}
            @Override public String describe() { return "a damaging bootstrap"; }
            @Override public void close() {}
        };
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> NcclCommunicator.shareId(damaging, () -> new byte[128]));
        assertTrue(e.getMessage().contains("arrived as 0.5 at byte 0 on rank 1"), e.getMessage());
    }

    @Test
    void withoutNcclEveryWayInSaysWhatWasLookedForWhere() {
        Assumptions.assumeFalse(Nccl.isAvailable(), "NCCL is installed here; this checks the message on a machine without it");
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NcclCommunicator.forDevices(1));
        assertTrue(e.getMessage().contains("libnccl.so"), e.getMessage());
        List<Communicator> solo = HostGroup.of(1);
        NativeLibraryException again = assertThrows(NativeLibraryException.class, () -> NcclCommunicator.overProcesses(solo.getFirst(), 0));
        assertEquals(e.getMessage(), again.getMessage());
        CommunicatorException aborted = assertThrows(CommunicatorException.class, () -> solo.getFirst().barrier());
        assertTrue(aborted.getMessage().contains("rank 0 cannot use NCCL on cuda:0"), aborted.getMessage());
    }

    interface RankCall<T> { T call(Communicator c) throws Exception; }

    static <T> List<T> onEveryRank(List<Communicator> group, RankCall<T> call) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(group.size())) {
            List<Future<T>> fs = new ArrayList<>();
            for (Communicator c : group) fs.add(pool.submit(() -> call.call(c)));
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get());
            return out;
        }
    }
}
