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
            out.println("GPUs: not queried: this build has no CUDA backend yet (driver library at " + driver.path().get() + ")");
        }
        out.println("CUDA libraries:");
        for (LibraryLocator.Result r : LibraryLocator.fromEnvironment().findAll()) {
            out.println("  " + (r.found() ? "\u2713 " + r.library().stem() + " at " + r.path().get() : "\u2717 " + r.library().stem() + " not found"));
        }
        out.println("CPU backend: " + CpuInfo.describe());
        out.flush();
        return Main.EXIT_OK;
    }
}
