package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.Device;
import java.io.PrintWriter;

/** Resolves --device and --precision to a backend, falling back to the CPU out loud. */
final class DeviceChoice {
    private DeviceChoice() {}

    static Backend backend(String device, String precision, PrintWriter err) {
        if (!precision.equals("float32")) {
            if (precision.equals("mixed_float16") || precision.equals("mixed_bfloat16")) {
                throw new BadInputException("--precision " + precision + ": mixed precision comes with the CUDA backend; this build trains in float32");
            }
            throw new BadInputException("--precision " + precision + ": expected float32, mixed_float16 or mixed_bfloat16");
        }
        if (device.equals("auto")) {
            err.println("tuna: no usable GPU backend in this build; training on the CPU (" + dev.tuna.backend.cpu.CpuInfo.describe() + ")");
            err.flush();
            return Backends.cpu();
        }
        Device d;
        try {
            d = device.equals("cuda:all") ? Device.cuda(0) : Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--device " + device + ": expected auto, cpu, cuda:N or cuda:all");
        }
        if (d.kind() != Device.Kind.CPU) {
            throw new BadInputException("--device " + device + ": this build has no CUDA backend; use --device cpu");
        }
        return Backends.cpu();
    }
}
