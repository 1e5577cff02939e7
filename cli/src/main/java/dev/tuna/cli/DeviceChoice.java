package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.MixedPrecisionBackend;
import dev.tuna.backend.Precision;
import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.Device;
import java.io.PrintWriter;

/** Resolves --device and --precision to a backend, falling back to the CPU out loud. */
final class DeviceChoice {
    private DeviceChoice() {}

    static Backend backend(String device, String precision, PrintWriter err) {
        Precision p;
        try {
            p = Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--precision " + e.getMessage());
        }
        Backend b = device(device, err);
        if (!p.mixed()) return b;
        // On the CPU the policy is emulated: the same roundings a GPU's half-precision storage makes, in f32 storage.
        err.println("tuna: " + p.id() + " on the CPU is emulated (" + (p.lossScaling() ? "f16 rounding, dynamic loss scaling" : "bf16 rounding")
                + "); it is for checking a policy, not for speed");
        err.flush();
        return new MixedPrecisionBackend(b, p);
    }

    private static Backend device(String device, PrintWriter err) {
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
