package dev.tuna.cli;

import dev.tuna.backend.cpu.CpuInfo;
import dev.tuna.bindings.LibraryLocator;
import dev.tuna.bindings.nccl.Nccl;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Lists the compute devices tuna can use, the CUDA libraries and communicators it found, and the CPU backend. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "GPUs, CUDA libraries and communicators found, and the CPU backend.")
public final class DevicesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        LibraryLocator.Result driver = LibraryLocator.fromEnvironment().find(LibraryLocator.Library.CUDA_DRIVER);
        int gpus = 0;
        if (!driver.found()) {
            out.println("GPUs: none: no NVIDIA driver (" + driver.library().stem() + ".1 not found in the loader's folders)");
        } else {
            gpus = listGpus(out);
        }
        out.println("CUDA libraries:");
        for (LibraryLocator.Result r : LibraryLocator.fromEnvironment().findAll()) {
            out.println("  " + (r.found() ? "\u2713 " + r.library().stem() + " at " + r.path().get() : "\u2717 " + r.library().stem() + " not found"));
        }
        if (dev.tuna.bindings.nvrtc.Nvrtc.isAvailable()) {
            try {
                int[] v = dev.tuna.bindings.nvrtc.Nvrtc.version();
                out.println("NVRTC " + v[0] + "." + v[1] + " (kernels are compiled once per GPU architecture and cached in " + dev.tuna.backend.cuda.KernelCache.defaultDir() + ")");
            } catch (RuntimeException e) {
                out.println("NVRTC: found but not usable: " + e.getMessage());
            }
        }
        // One line per communicator library, each saying what it found or what was looked for where.
        out.println("Communicators:");
        out.println("  \u2713 in-process CPU replicas (--device cpu:0,1 or cpu:all; up to " + dev.tuna.backend.cpu.CpuParallel.threads() + " here, one core each)");
        out.println("  " + ncclLine(gpus));
        out.println("  " + mpiLine());
        out.println("CPU backend: " + CpuInfo.describe());
        out.flush();
        return Main.EXIT_OK;
    }

    /** MPI: the library and its version (read without starting MPI), or why it cannot be used. */
    static String mpiLine() {
        if (!dev.tuna.bindings.mpi.Mpi.isAvailable()) {
            String why;
            try {
                dev.tuna.bindings.mpi.Mpi.flavor();
                why = "not found";
            } catch (RuntimeException e) {
                why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            }
            return "\u2717 MPI (across processes and machines) not usable: " + why + "; install openmpi-bin and libopenmpi3";
        }
        String version;
        try {
            version = dev.tuna.distribute.MpiCommunicator.shortVersion(dev.tuna.bindings.mpi.Mpi.MPI_Get_library_version());
        } catch (RuntimeException e) {
            version = "version unknown (" + e.getMessage() + ")";
        }
        return "\u2713 MPI " + version + " (across processes and machines: mpirun -np N ./tuna train ...) at "
                + dev.tuna.bindings.mpi.Mpi.libraryLocation().orElse("?");
    }

    /** NCCL: its version and where it was loaded from, or why it cannot be used (what was looked for where). */
    static String ncclLine(int gpus) {
        if (!Nccl.isAvailable()) {
            return "\u2717 NCCL (GPU collectives) not usable: " + Nccl.unavailableReason().orElse("not found").replaceFirst("^NCCL not usable: ", "");
        }
        try {
            String v = Nccl.versionString(Nccl.ncclGetVersion());
            return "\u2713 NCCL " + v + " (GPU collectives) at " + Nccl.libraryLocation().orElse("?")
                    + (gpus == 0 ? "; no GPU to run it on" : "");
        } catch (RuntimeException e) {
            return "\u2717 NCCL (GPU collectives): found but not usable: " + e.getMessage();
        }
    }

    /** Each GPU the driver sees: name, compute capability, memory, and the driver's CUDA version; or why none. Returns how many. */
    private static int listGpus(PrintWriter out) {
        try {
            dev.tuna.bindings.cuda.CudaDriver.cuInit(0);
            int count = dev.tuna.bindings.cuda.CudaDriver.cuDeviceGetCount();
            int v = dev.tuna.bindings.cuda.CudaDriver.cuDriverGetVersion();
            out.println("GPUs: " + count + " (driver supports CUDA " + v / 1000 + "." + v % 1000 / 10 + ", " + dev.tuna.bindings.cuda.CudaDriver.libraryLocation().orElse("?") + ")");
            for (int i = 0; i < count; i++) {
                int d = dev.tuna.bindings.cuda.CudaDriver.cuDeviceGet(i);
                out.printf("  cuda:%d %s, compute capability %d.%d, %.1f GiB%n", i, dev.tuna.bindings.cuda.CudaDriver.cuDeviceGetName(d),
                        dev.tuna.bindings.cuda.CudaDriver.cuDeviceGetAttribute(75, d), dev.tuna.bindings.cuda.CudaDriver.cuDeviceGetAttribute(76, d),
                        dev.tuna.bindings.cuda.CudaDriver.cuDeviceTotalMem(d) / (double) (1L << 30));
            }
            return count;
        } catch (RuntimeException e) {
            out.println("GPUs: none usable: " + e.getMessage());
            return 0;
        }
    }
}
