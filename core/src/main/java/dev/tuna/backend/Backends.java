package dev.tuna.backend;

import dev.tuna.backend.cpu.CpuBackend;
import dev.tuna.tensor.Device;

/** Finds the backend for a device. The CUDA backend registers here when its libraries load. */
public final class Backends {
    private Backends() {}

    public static Backend of(Device device) {
        if (device.kind() == Device.Kind.CPU) return CpuBackend.INSTANCE;
        throw new UnsupportedOperationException("no backend for " + device + ": this build has the CPU backend only");
    }

    public static Backend cpu() { return CpuBackend.INSTANCE; }
}
