package dev.tuna.cli;

import dev.tuna.backend.cpu.CpuInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Lists the compute devices tuna can use. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "GPUs, CUDA libraries found, and the CPU backend.")
public final class DevicesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("GPUs: none usable: this build has no CUDA backend yet (the CPU backend runs every job)");
        out.println("CPU backend: " + CpuInfo.describe());
        out.flush();
        return Main.EXIT_OK;
    }
}
