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
        try {
            return new MixedPrecisionBackend(b, p);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--precision " + e.getMessage());
        }
    }

    /**
     * How many mirrored CPU replicas --device asks for: {@code cpu:0,1} lists two (as {@code cuda:0,1} lists two
     * GPUs), {@code cpu:all} one per core; plain {@code cpu} (or anything else) is one trainer using every core.
     */
    static int cpuReplicas(String device) {
        if (!device.startsWith("cpu:")) return 1;
        String rest = device.substring(4);
        if (rest.equals("all")) return dev.tuna.backend.cpu.CpuParallel.threads();
        java.util.Set<Integer> ids = new java.util.TreeSet<>();
        for (String part : rest.split(",", -1)) {
            int i;
            try {
                i = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new BadInputException("--device " + device + ": expected cpu, cpu:all or a list of CPU replicas such as cpu:0,1");
            }
            if (i < 0 || !ids.add(i)) throw new BadInputException("--device " + device + ": replica " + part.trim() + " is negative or listed twice");
        }
        return ids.size();
    }

    private static Backend device(String device, PrintWriter err) {
        if (device.startsWith("cpu:")) {
            cpuReplicas(device); // validates the list
            return Backends.cpu();
        }
        if (device.equals("auto")) {
            String why = gpuUnusable(0);
            if (why == null) {
                try {
                    Backend b = cuda(0);
                    err.println("tuna: training on " + b.device() + " (" + gpuName + ")");
                    err.flush();
                    return b;
                } catch (RuntimeException e) {
                    why = e.getMessage();
                }
            }
            err.println("tuna: no usable GPU (" + why + "); training on the CPU (" + dev.tuna.backend.cpu.CpuInfo.describe() + ")");
            err.flush();
            return Backends.cpu();
        }
        Device d;
        try {
            d = device.equals("cuda:all") ? Device.cuda(0) : Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--device " + device + ": expected auto, cpu, cpu:0,1 (CPU replicas), cpu:all, cuda:N or cuda:all"
                    + (device.startsWith("cuda:") && device.contains(",") ? " (several GPUs in one process are not wired into the trainer yet)" : ""));
        }
        if (d.kind() != Device.Kind.CPU) {
            String why = gpuUnusable(d.index());
            if (why != null) throw new BadInputException("--device " + device + ": " + why + "; use --device cpu");
            if (device.equals("cuda:all")) {
                int count = dev.tuna.bindings.cuda.CudaDriver.cuDeviceGetCount();
                // Said out loud: a user who asked for every GPU must not silently get one.
                if (count > 1) {
                    err.println("tuna: --device cuda:all: " + count + " GPUs here, but mirrored training across GPUs (NCCL) is not wired into"
                            + " the trainer yet; training on cuda:0");
                    err.flush();
                }
            }
            try {
                return cuda(d.index());
            } catch (RuntimeException e) {
                throw new BadInputException("--device " + device + ": the GPU did not start: " + e.getMessage());
            }
        }
        return Backends.cpu();
    }

    private static final java.util.Map<Integer, Backend> OPENED = new java.util.HashMap<>();
    private static String gpuName = "";

    /** Why GPU n cannot be used, or null when its driver, libraries and device are all there. */
    static String gpuUnusable(int n) { return dev.tuna.backend.cuda.CudaRuntime.unusableReason(n); }

    /** The backend of GPU n, opened once per process (kernels compiled or taken from the cache, cuBLAS handle). */
    static synchronized Backend cuda(int n) {
        Backend b = OPENED.get(n);
        if (b == null) {
            dev.tuna.backend.cuda.CudaRuntime rt = dev.tuna.backend.cuda.CudaRuntime.open(n);
            b = new dev.tuna.backend.cuda.DeviceBackend(rt, Device.cuda(n));
            Backends.register(b);
            OPENED.put(n, b);
            gpuName = dev.tuna.bindings.cuda.CudaDriver.cuDeviceGetName(dev.tuna.bindings.cuda.CudaDriver.cuDeviceGet(n)) + ", " + rt.arch();
        }
        return b;
    }
}
