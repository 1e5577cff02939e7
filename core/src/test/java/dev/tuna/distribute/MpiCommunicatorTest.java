package dev.tuna.distribute;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * MpiCommunicator in real two-rank jobs: {@code mpirun -np 2} runs {@link MpiRankMain} in two JVMs of this test's class
 * path and flags. mpirun is required, not optional: CI installs Open MPI (.ci/run), so these fail without it.
 */
class MpiCommunicatorTest {
    /** Bounds for a job that has gone wrong; a working one ends long before. */
    private static final long COLLECTIVES_BOUND_S = 300, LOST_RANK_BOUND_S = 120;

    @TempDir
    Path tmp;

    @Test
    void launchedByMpirunReadsOpenMpiAndPmiVariables() {
        assertTrue(MpiCommunicator.launchedByMpirun(Map.of("OMPI_COMM_WORLD_SIZE", "2", "OMPI_COMM_WORLD_RANK", "1")));
        assertTrue(MpiCommunicator.launchedByMpirun(Map.of("PMI_SIZE", "4", "PMI_RANK", "0")));
        assertFalse(MpiCommunicator.launchedByMpirun(Map.of("OMPI_COMM_WORLD_SIZE", "2")));
        assertFalse(MpiCommunicator.launchedByMpirun(Map.of("PATH", "/usr/bin")));
        assertFalse(MpiCommunicator.launchedByMpirun(), "this test JVM was not started by mpirun");
    }

    @Test
    void theLibraryVersionIsShortenedForDescribe() {
        assertEquals("Open MPI v4.1.4, package: Debian OpenMPI",
                MpiCommunicator.shortVersion("Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022\n"));
        assertEquals("MPICH Version:\t4.1", MpiCommunicator.shortVersion("MPICH Version:\t4.1\nMPICH Release date: ..."));
    }

    @Test
    void twoRanksAgreeWithAFloat64ReferenceForEveryCollective() throws Exception {
        long seed = Long.getLong("tuna.test.seed", System.nanoTime());
        System.out.println("MpiCommunicatorTest seed: " + seed + " (replay with -Dtuna.test.seed=" + seed + ")");
        Job job = mpirun(COLLECTIVES_BOUND_S, "collectives", Long.toString(seed), tmp.toString());
        assertEquals(0, job.exit(), "seed " + seed + ":\n" + job.log());
        for (int r = 0; r < 2; r++) {
            assertTrue(job.log().contains("rank " + r + ": all collectives agree with the float64 reference"), job.log());
            assertTrue(job.log().contains("rank " + r + ": MPI (Open MPI v") && job.log().contains(") rank " + r + " of 2"), job.log());
        }
    }

    @Test
    void aRankKilledMidCollectiveEndsTheJobWithALineNamingIt() throws Exception {
        Job job = mpirun(LOST_RANK_BOUND_S, "die", tmp.toString());
        assertNotEquals(0, job.exit(), job.log());
        assertTrue(job.log().contains("rank 1: killing itself with SIGKILL"), job.log());
        // Open MPI's mpirun kills the survivors and names the lost rank on one line.
        assertTrue(Pattern.compile("(?m)^.*process rank 1 with PID \\d+ on node \\S+ exited on signal 9.*$").matcher(job.log()).find(), job.log());
        assertFalse(job.log().contains("second collective returned"), job.log());
    }

    @Test
    void abortEndsTheJobWithTheReason() throws Exception {
        Job job = mpirun(LOST_RANK_BOUND_S, "abort", tmp.toString());
        assertEquals(MpiCommunicator.ABORT_CODE, job.exit(), job.log());
        // tuna's own line, not Open MPI's "MPI_ABORT was invoked on rank 1", which 4.1.4 sometimes loses (see mpirun).
        assertTrue(job.log().contains("tuna: MPI rank 1 of 2 aborts the job: test: rank 1 gives up"), job.log());
        assertFalse(job.log().contains("second collective returned"), job.log());
    }

    // ---- mpirun ----------------------------------------------------------------------------------------------

    record Job(int exit, String log, double seconds) {}

    /**
     * {@code mpirun -np 2 java ... MpiRankMain ARGS}, waited for up to boundS (which only bounds a failure). Loopback
     * settings: shared memory between the ranks without the single-copy (CMA) path, which containers without ptrace
     * rights refuse; no core binding on a shared machine; root allowed, as CI runs as root. Help messages unaggregated:
     * with aggregation, Open MPI 4.1.4 mostly loses MPI_Abort's "MPI_ABORT was invoked on rank R" ("ORTE_ERROR_LOG: Data
     * unpack would read past end of buffer in file show_help.c", open-mpi/ompi#8356, C programs too); without, it
     * still loses it now and then, which is why abort prints its own line first.
     */
    private Job mpirun(long boundS, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(mpirunPath().toString(), "-np", "2", "--oversubscribe", "--bind-to", "none",
                "--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "none", "--mca", "orte_base_help_aggregate", "0"));
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-modules") || a.startsWith("--enable-native-access") || a.startsWith("-XX:-UseProfiledLoopPredicate") || a.startsWith("-Xss")) cmd.add(a);
        }
        cmd.addAll(List.of("-Xmx512m", "-cp", System.getProperty("java.class.path"), MpiRankMain.class.getName()));
        cmd.addAll(List.of(args));
        Path log = tmp.resolve("mpirun-" + args[0] + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        long t0 = System.nanoTime();
        Process p = pb.start();
        boolean ended = p.waitFor(boundS, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail("mpirun " + String.join(" ", args) + " still running after " + boundS + " s:\n" + Files.readString(log));
        }
        String text = Files.readString(log);
        System.out.printf("mpirun %s: exit %d after %.1f s%n%s%n", String.join(" ", args), p.exitValue(), seconds, text);
        return new Job(p.exitValue(), text, seconds);
    }

    private static Path mpirunPath() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        return fail("mpirun not found on the PATH: install Open MPI (apt-get install openmpi-bin libopenmpi3; CI's .ci/run does)");
    }
}
