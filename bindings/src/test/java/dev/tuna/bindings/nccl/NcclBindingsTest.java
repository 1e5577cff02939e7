package dev.tuna.bindings.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.bindings.Binding;
import dev.tuna.bindings.NativeLibraryException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Nccl's bindings against NCCL's real prototypes: always against JavaCPP's nccl.java (generated from nccl.h; the
 * org.bytedeco:cuda sources jar, a test dependency Maven fetches, so CI always has it), and against Debian's nccl.h too
 * where libnccl-dev is installed. Also the enum values, the error names, and what a machine without NCCL is told.
 */
class NcclBindingsTest {
    static final String JAVACPP_SOURCE = "org/bytedeco/cuda/global/nccl.java";

    /** The reference is a declared test dependency: missing, it is a build problem to fail on, not a reason to skip. */
    static String javaCppSource() throws IOException {
        URL url = NcclBindingsTest.class.getClassLoader().getResource(JAVACPP_SOURCE);
        assertNotNull(url, JAVACPP_SOURCE + " is not on the test class path: bindings/pom.xml's org.bytedeco:cuda sources dependency was not resolved");
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String where() {
        return String.valueOf(NcclBindingsTest.class.getClassLoader().getResource(JAVACPP_SOURCE));
    }

    @Test
    void everyBindingMatchesJavaCppsNcclJava() throws IOException {
        String src = javaCppSource();
        Map<String, Set<NcclPrototypes.Signature>> proto = NcclPrototypes.fromJavaCpp(src);
        List<String> problems = new ArrayList<>();
        for (Binding b : Nccl.bindings()) {
            Set<NcclPrototypes.Signature> s = proto.get(b.symbol());
            NcclPrototypes.Signature ours = NcclPrototypes.of(b.descriptor());
            if (s == null) problems.add(b.symbol() + ": not declared in " + JAVACPP_SOURCE);
            else if (s.size() != 1) problems.add(b.symbol() + ": its overloads disagree: " + s);
            else if (!s.contains(ours)) problems.add(b.symbol() + ": bound as " + ours + ", nccl.h says " + s.iterator().next());
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        String version = NcclPrototypes.intConstant(src, "NCCL_MAJOR") + "." + NcclPrototypes.intConstant(src, "NCCL_MINOR") + "."
                + NcclPrototypes.intConstant(src, "NCCL_PATCH");
        System.out.println("NcclBindingsTest: " + Nccl.bindings().size() + " prototypes of NCCL " + version + " compared, from " + where());
    }

    @Test
    void theEnumsAndTheIdSizeAreNcclHs() throws IOException {
        String src = javaCppSource();
        assertEquals(NcclPrototypes.intConstant(src, "ncclFloat16"), Nccl.ncclFloat16);
        assertEquals(NcclPrototypes.intConstant(src, "ncclFloat32"), Nccl.ncclFloat32);
        assertEquals(NcclPrototypes.intConstant(src, "ncclBfloat16"), Nccl.ncclBfloat16);
        assertEquals(NcclPrototypes.intConstant(src, "ncclSum"), Nccl.ncclSum);
        assertEquals(NcclPrototypes.intConstant(src, "ncclAvg"), Nccl.ncclAvg);
        assertEquals(NcclPrototypes.intConstant(src, "NCCL_UNIQUE_ID_BYTES"), Nccl.NCCL_UNIQUE_ID_BYTES);
        assertEquals(Nccl.NCCL_UNIQUE_ID_BYTES, Nccl.ncclUniqueId.byteSize());
        List<String> results = NcclPrototypes.enumNames(src, "ncclResult_t");
        assertEquals(results.subList(0, results.size() - 1), NcclException.NAMES, "ncclResult_t, less ncclNumResults");
    }

    @Test
    void everyBindingMatchesNcclHWhereInstalled() throws IOException {
        Path h = dev.tuna.bindings.HeaderFiles.locate("nccl.h").orElse(null);
        String reason = "nccl.h not found ($CUDA_HOME/include, /usr/local/cuda*/include, /usr/include; Debian's libnccl-dev):"
                + " checked against JavaCPP's nccl.java only";
        if (h == null) System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(h != null, reason);
        Map<String, NcclPrototypes.Signature> proto = NcclPrototypes.fromHeader(Files.readString(h));
        List<String> problems = new ArrayList<>();
        for (Binding b : Nccl.bindings()) {
            NcclPrototypes.Signature d = proto.get(b.symbol());
            if (d == null) problems.add(b.symbol() + ": not declared in " + h);
            else if (!d.equals(NcclPrototypes.of(b.descriptor()))) problems.add(b.symbol() + ": bound as " + NcclPrototypes.of(b.descriptor()) + ", " + h + " says " + d);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        System.out.println("NcclBindingsTest: " + Nccl.bindings().size() + " prototypes compared with " + h);
    }

    @Test
    void theHeaderReaderReadsNcclHsOwnWords() {
        // As nccl.h (2.2x) writes them; an id passed by pointer instead of by value must differ.
        Map<String, NcclPrototypes.Signature> p = NcclPrototypes.fromHeader("""
                #define NCCL_UNIQUE_ID_BYTES 128
                typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;
                ncclResult_t  ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank);
                ncclResult_t pncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank);
                ncclResult_t  ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count,
                    ncclDataType_t datatype, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
                const char*  ncclGetErrorString(ncclResult_t result);
                ncclResult_t  ncclGroupStart();
                """);
        assertEquals(NcclPrototypes.of(Nccl.COMM_INIT_RANK.descriptor()), p.get("ncclCommInitRank"));
        assertEquals(NcclPrototypes.of(Nccl.ALL_REDUCE.descriptor()), p.get("ncclAllReduce"));
        assertEquals(NcclPrototypes.of(Nccl.GET_ERROR_STRING.descriptor()), p.get("ncclGetErrorString"));
        assertEquals(NcclPrototypes.of(Nccl.GROUP_START.descriptor()), p.get("ncclGroupStart"));
        assertNotEquals(NcclPrototypes.of(Nccl.COMM_INIT_ALL.descriptor()), p.get("ncclCommInitRank"));
    }

    @Test
    void theJavaCppReaderSeesAnIdPassedByPointer() {
        Map<String, Set<NcclPrototypes.Signature>> p = NcclPrototypes.fromJavaCpp("""
                public static final int NCCL_UNIQUE_ID_BYTES = 128;
                public static native @Cast("ncclResult_t") int ncclCommInitRank(@ByPtrPtr ncclComm comm, int nranks, @ByVal ncclUniqueId commId, int rank);
                public static native @Cast("ncclResult_t") int ncclCommInitRank(@Cast("ncclComm**") PointerPointer comm, int nranks, @ByVal ncclUniqueId commId, int rank);
                public static native @Cast("ncclResult_t") int ncclGetUniqueId(ncclUniqueId uniqueId);
                """);
        assertEquals(Set.of(NcclPrototypes.of(Nccl.COMM_INIT_RANK.descriptor())), p.get("ncclCommInitRank"));
        assertEquals(Set.of(NcclPrototypes.of(Nccl.GET_UNIQUE_ID.descriptor())), p.get("ncclGetUniqueId"));
        assertEquals("struct ncclUniqueId of 128 bytes", NcclPrototypes.of(Nccl.COMM_INIT_RANK.descriptor()).kinds().get(3));
    }

    @Test
    void bindingsAreUniqueAndCoverTheBrief() {
        Set<String> symbols = new HashSet<>();
        for (Binding b : Nccl.bindings()) assertTrue(symbols.add(b.symbol()), "bound twice: " + b.symbol());
        assertEquals(Set.of("ncclGetVersion", "ncclGetUniqueId", "ncclCommInitRank", "ncclCommInitAll", "ncclAllReduce", "ncclBroadcast",
                "ncclGroupStart", "ncclGroupEnd", "ncclCommDestroy", "ncclCommAbort", "ncclCommGetAsyncError", "ncclGetErrorString"), symbols);
    }

    @Test
    void versionsAndErrorsReadAsNcclWritesThem() {
        assertEquals("2.21.5", Nccl.versionString(22105));
        assertEquals("2.30.7", Nccl.versionString(23007));
        assertEquals("2.8.4", Nccl.versionString(2804));
        NcclException e = new NcclException("ncclAllReduce(0x0, 0x0, 13, 7, 0, 0x0, 0x0)", 6, "remote process exited or there was a network error");
        assertEquals("ncclAllReduce(0x0, 0x0, 13, 7, 0, 0x0, 0x0) failed: ncclRemoteError (6): remote process exited or there was a network error",
                e.getMessage());
        assertTrue(e.isRemote());
        assertEquals("ncclResult_t 42", NcclException.nameOf(42));
        assertThrows(IllegalArgumentException.class, () -> Nccl.ncclCommInitRank(1, new byte[64], 0));
    }

    @Test
    void withoutTheLibraryTheMessageSaysWhatWasLookedForWhere() {
        if (Nccl.isAvailable()) {
            String reason = "NCCL is installed here (" + Nccl.libraryLocation().orElse("?") + "): the missing-library message cannot be checked";
            System.out.println("SKIPPED: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
        assertFalse(Nccl.libraryLocation().isPresent());
        NativeLibraryException e = assertThrows(NativeLibraryException.class, Nccl::ncclGetVersion);
        assertEquals(NativeLibraryException.class, e.getClass(), "not an NcclException: no call was made");
        String m = e.getMessage();
        for (String part : List.of("libnccl.so", "libnccl.so.2", "/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu", "TUNA_CUDA_LIBS", "tuna.cuda.libs")) {
            assertTrue(m.contains(part), "'" + part + "' missing from: " + m);
        }
        assertEquals(m, Nccl.unavailableReason().orElseThrow());
        assertEquals(m, assertThrows(NativeLibraryException.class, Nccl::ncclGetUniqueId).getMessage(), "every call says the same");
    }
}
