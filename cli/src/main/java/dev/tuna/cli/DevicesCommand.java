package dev.tuna.cli;

import dev.tuna.backend.cpu.CpuInfo;
import dev.tuna.bindings.LibraryLocator;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Lists the compute devices tuna can use, the CUDA libraries it found, and the CPU backend. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "GPUs, CUDA libraries found, and the CPU backend.")
public final class DevicesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        LibraryLocator.Result driver = LibraryLocator.fromEnvironment().find(LibraryLocator.Library.CUDA_DRIVER);
        if (!driver.found()) {
            out.println("GPUs: none: no NVIDIA driver (" + driver.library().stem() + ".1 not found in the loader's folders)");
        } else {
            listGpus(out);
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
        out.println("CPU backend: " + CpuInfo.describe());
        out.flush();
        return Main.EXIT_OK;
    }

    /** Each GPU the driver sees: name, compute capability, memory, and the driver's CUDA version; or why none. */
    private static void listGpus(PrintWriter out) {
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
        } catch (RuntimeException e) {
            out.println("GPUs: none usable: " + e.getMessage());
        }
    }
}
