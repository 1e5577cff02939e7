package dev.tuna.bindings.mpi;

import dev.tuna.bindings.Binding;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mpi's bindings and Open MPI constants against the installed mpi.h, and the library loaded without starting MPI. Unlike
 * the CUDA header tests these fail rather than skip when Open MPI is missing: it is a Debian package that CI installs
 * (.ci/run), so a missing one means a broken setup, not a machine without a GPU.
 */
class MpiBindingsTest {
    static MpiHeader header() {
        Path h = MpiHeader.locate().orElse(null);
        if (h == null) fail("Open MPI's mpi.h not found in " + MpiHeader.candidates()
                + ": install libopenmpi-dev (apt-get install openmpi-bin libopenmpi3 libopenmpi-dev; CI's .ci/run does)");
        return new MpiHeader(MpiHeader.readOrNull(h));
    }

    @Test
    void everyBindingMatchesItsPrototype() {
        MpiHeader header = header();
        List<String> problems = new ArrayList<>();
        for (Binding b : Mpi.bindings()) header.mismatch(b).ifPresent(problems::add);
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void bindingsAreUniqueAndCoverTheBrief() {
        Set<String> symbols = new HashSet<>();
        for (Binding b : Mpi.bindings()) assertTrue(symbols.add(b.symbol()), "bound twice: " + b.symbol());
        for (String s : List.of("MPI_Init_thread", "MPI_Initialized", "MPI_Finalized", "MPI_Comm_rank", "MPI_Comm_size",
                "MPI_Allreduce", "MPI_Bcast", "MPI_Barrier", "MPI_Abort", "MPI_Finalize", "MPI_Error_string",
                "MPI_Get_library_version", "MPI_Comm_set_errhandler"))
            assertTrue(symbols.contains(s), s);
        assertEquals(13, symbols.size());
    }

    @Test
    void openMpiFlavorMatchesTheHeader() {
        MpiHeader h = header();
        Mpi.Flavor f = Mpi.Flavor.OPEN_MPI;
        assertEquals(f.commWorld(), h.predefinedSymbol("MPI_COMM_WORLD").orElseThrow());
        assertEquals(f.floatType(), h.predefinedSymbol("MPI_FLOAT").orElseThrow());
        assertEquals(f.byteType(), h.predefinedSymbol("MPI_BYTE").orElseThrow());
        assertEquals(f.opSum(), h.predefinedSymbol("MPI_SUM").orElseThrow());
        assertEquals(f.errorsReturn(), h.predefinedSymbol("MPI_ERRORS_RETURN").orElseThrow());
        assertEquals(f.inPlace(), h.number("MPI_IN_PLACE").orElseThrow());
        assertEquals(Map.of("MPI_THREAD_SINGLE", f.threadSingle(), "MPI_THREAD_FUNNELED", f.threadFunneled(),
                "MPI_THREAD_SERIALIZED", f.threadSerialized(), "MPI_THREAD_MULTIPLE", f.threadMultiple()), h.threadLevels);
        assertEquals(f.maxErrorString(), h.number("MPI_MAX_ERROR_STRING").orElseThrow());
        assertEquals(f.maxLibraryVersionString(), h.number("MPI_MAX_LIBRARY_VERSION_STRING").orElseThrow());
        assertEquals(0L, h.number("MPI_SUCCESS").orElseThrow());
    }

    @Test
    void errorNamesMatchTheHeader() {
        assertEquals(header().errorClasses(), MpiException.NAMES);
    }

    @Test
    void checkerCatchesAWrongDescriptor() {
        MpiHeader h = new MpiHeader("""
                typedef struct ompi_communicator_t *MPI_Comm;
                typedef struct ompi_datatype_t *MPI_Datatype;
                typedef struct ompi_op_t *MPI_Op;
                #define OPAL_MAX_ERROR_STRING 256
                #define MPI_MAX_ERROR_STRING   OPAL_MAX_ERROR_STRING   /* max error message length */
                #define MPI_IN_PLACE             ((void *) 1)          /* in place buffer */
                #define MPI_COMM_WORLD OMPI_PREDEFINED_GLOBAL( MPI_Comm, ompi_mpi_comm_world)
                enum {
                  MPI_THREAD_SINGLE,
                  MPI_THREAD_FUNNELED
                };
                OMPI_DECLSPEC  int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count,
                                                 MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
                OMPI_DECLSPEC  int MPI_Finalize(void);
                OMPI_DECLSPEC  int MPI_Init_thread(int *argc, char ***argv, int required,
                                                   int *provided);
                """);
        assertEquals(Mpi.ALLREDUCE.descriptor(), h.descriptorOf(h.prototypes.get("MPI_Allreduce")));
        assertEquals(Mpi.FINALIZE.descriptor(), h.descriptorOf(h.prototypes.get("MPI_Finalize")));
        assertEquals(Mpi.INIT_THREAD.descriptor(), h.descriptorOf(h.prototypes.get("MPI_Init_thread")));
        assertEquals(256L, h.number("MPI_MAX_ERROR_STRING").orElseThrow());
        assertEquals(1L, h.number("MPI_IN_PLACE").orElseThrow());
        assertEquals("ompi_mpi_comm_world", h.predefinedSymbol("MPI_COMM_WORLD").orElseThrow());
        assertEquals(Map.of("MPI_THREAD_SINGLE", 0, "MPI_THREAD_FUNNELED", 1), h.threadLevels);

        // The count as a long, and the communicator as an int (MPICH's ABI), both differ from Open MPI's header.
        var countAsLong = new Binding("MPI_Allreduce", "MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                java.lang.foreign.ValueLayout.JAVA_LONG, ADDRESS, ADDRESS, ADDRESS));
        assertTrue(h.mismatch(countAsLong).orElseThrow().contains("needs"));
        var commAsInt = new Binding("MPI_Allreduce", "MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        assertFalse(h.mismatch(commAsInt).isEmpty());
        var missing = new Binding("MPI_No_such_thing", "MPI_No_such_thing", FunctionDescriptor.of(JAVA_INT));
        assertTrue(h.mismatch(missing).orElseThrow().contains("no prototype"));
    }

    @Test
    void errorsCarryMpisNameAndText() {
        MpiException e = new MpiException("MPI_Bcast(0x1000, 4, 0x2000, 5, 0x3000)", 8, "MPI_ERR_ROOT: invalid root");
        assertEquals("MPI_Bcast(0x1000, 4, 0x2000, 5, 0x3000) failed: MPI_ERR_ROOT (8): invalid root", e.getMessage());
        assertEquals("MPI_ERR_ROOT", e.errorName());
        assertEquals(8, e.code());
        assertEquals("MPI_Barrier(0x3000) failed: MPI_ERR_UNKNOWN_CODE_4242 (4242)", new MpiException("MPI_Barrier(0x3000)", 4242, "").getMessage());
    }

    /** MPI-3 lets these be called before MPI_Init, so the library, its handles and the RTLD_GLOBAL load are checked here. */
    @Test
    void loadsOpenMpiWithoutStartingIt() {
        if (!Mpi.isAvailable()) {
            try {
                Mpi.flavor();
            } catch (RuntimeException e) {
                fail("Open MPI's library is needed for this test (CI's .ci/run installs libopenmpi3): " + e.getMessage());
            }
        }
        assertTrue(Mpi.libraryLocation().orElseThrow().contains("libmpi.so.40"), Mpi.libraryLocation().orElseThrow());
        assertFalse(Mpi.MPI_Initialized());
        assertFalse(Mpi.MPI_Finalized());
        String version = Mpi.MPI_Get_library_version();
        assertTrue(version.startsWith("Open MPI v"), version);
        Mpi.Handles h = Mpi.handles();
        assertTrue(h.commWorld().address() != 0 && h.floatType().address() != 0 && h.opSum().address() != 0);
        assertEquals(1L, h.inPlace().address());
        // Open MPI would end this JVM for MPI_Error_string before MPI_Init: the binding refuses in Java instead.
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.tuna.bindings.NativeLibraryException.class, () -> Mpi.MPI_Error_string(8));
        assertTrue(e.getMessage().contains("needs MPI started"), e.getMessage());
    }
}
