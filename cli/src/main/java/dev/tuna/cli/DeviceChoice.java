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

    /**
     * The mirrored group --device asks for in this process, or null for one trainer: {@code cpu:0,1} and
     * {@code cpu:all} give CPU replicas (one core each), {@code cuda:0,1} and {@code cuda:all} (with more than one GPU
     * here) one replica per GPU over NCCL. Each replica computes under --precision.
     */
    static dev.tuna.distribute.ReplicaGroup replicas(String device, String precision, PrintWriter err) {
        if (device.startsWith("cpu:")) {
            int n = cpuReplicas(device);
            return n > 1 ? dev.tuna.distribute.ReplicaGroup.cpu(n, backend("cpu", precision, err)) : null;
        }
        int[] gpus = gpuList(device);
        if (gpus.length < 2) return null;
        for (int g : gpus) {
            String why = gpuUnusable(g);
            if (why != null) throw new BadInputException("--device " + device + ": cuda:" + g + ": " + why + "; use --device cpu or cpu:0,1");
        }
        requireNccl("--device " + device);
        return gpuGroup(gpus, 0, gpus.length, precision, err);
    }

    /** Mirroring over GPUs needs NCCL: said in one line naming the flag that asked for it. */
    private static void requireNccl(String flag) {
        String nccl = dev.tuna.bindings.nccl.Nccl.unavailableReason().orElse(null);
        if (nccl != null) throw new BadInputException(flag + ": mirrored training over GPUs needs NCCL: " + nccl);
    }

    /** GPUs gpus[from] to gpus[to - 1], each opened under --precision, as one mirrored group. */
    private static dev.tuna.distribute.ReplicaGroup gpuGroup(int[] gpus, int from, int to, String precision, PrintWriter err) {
        java.util.List<Backend> backends = new java.util.ArrayList<>();
        for (int i = from; i < to; i++) backends.add(backend("cuda:" + gpus[i], precision, err));
        return dev.tuna.distribute.ReplicaGroup.gpus(backends);
    }

    /**
     * tune's workers on GPUs: the GPUs of --device in groups of {@code perTrial}, one group per worker (a group of one
     * trains each trial on that GPU alone, a larger one mirrors each trial over its GPUs with NCCL).
     */
    static java.util.List<dev.tuna.distribute.ReplicaGroup> gpuSlots(String device, int perTrial, String precision, PrintWriter err) {
        int[] gpus = gpuList(device);
        if (perTrial > gpus.length || gpus.length % perTrial != 0) {
            throw new BadInputException("--devices-per-trial " + perTrial + ": --device " + device + " gives " + gpus.length + " GPU(s), which do not split into groups of " + perTrial);
        }
        if (perTrial > 1) requireNccl("--devices-per-trial " + perTrial);
        java.util.List<dev.tuna.distribute.ReplicaGroup> slots = new java.util.ArrayList<>();
        for (int from = 0; from < gpus.length; from += perTrial) slots.add(gpuGroup(gpus, from, from + perTrial, precision, err));
        return slots;
    }

    /**
     * The GPUs --device lists: {@code cuda:1,3} gives 1 and 3, {@code cuda:all} every GPU the driver sees (when it
     * sees any), {@code cuda:N} just N; anything else none. Under mpirun, {@code cuda} and {@code cuda:all} mean this
     * rank's own GPU: the one whose number is the rank's index on its host, as Horovod and torchrun do.
     */
    static int[] gpuList(String device) {
        if (!device.startsWith("cuda")) return new int[0];
        if (device.equals("cuda") || device.equals("cuda:all")) {
            if (dev.tuna.distribute.MpiCommunicator.launchedByMpirun()) return new int[] {localRank()};
            if (device.equals("cuda")) return new int[] {0};
            if (gpuUnusable(0) != null) return new int[] {0}; // the single-device path explains why
            int count = dev.tuna.bindings.cuda.CudaDriver.cuDeviceGetCount();
            int[] all = new int[count];
            for (int i = 0; i < count; i++) all[i] = i;
            return all;
        }
        String rest = device.substring(5);
        java.util.Set<Integer> ids = new java.util.LinkedHashSet<>();
        for (String part : rest.split(",", -1)) {
            int i;
            try {
                i = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new BadInputException("--device " + device + ": expected auto, cpu, cpu:0,1 (CPU replicas), cpu:all, cuda:N, cuda:0,1 (GPU replicas) or cuda:all");
            }
            if (i < 0 || !ids.add(i)) throw new BadInputException("--device " + device + ": GPU " + part.trim() + " is negative or listed twice");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** This process's index among the mpirun ranks on its host (Open MPI's OMPI_COMM_WORLD_LOCAL_RANK). */
    static int localRank() {
        String v = System.getenv("OMPI_COMM_WORLD_LOCAL_RANK");
        try {
            return v == null ? 0 : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
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
        if (device.startsWith("cuda")) {
            // A list (cuda:0,1) or cuda:all: this is the first GPU's backend; replicas(...) makes the group.
            d = Device.cuda(gpuList(device)[0]);
        } else {
            try {
                d = Device.parse(device);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--device " + device + ": expected auto, cpu, cpu:0,1 (CPU replicas), cpu:all, cuda:N, cuda:0,1 (GPU replicas) or cuda:all");
            }
        }
        if (d.kind() != Device.Kind.CPU) {
            String why = gpuUnusable(d.index());
            if (why != null) throw new BadInputException("--device " + device + ": " + why + "; use --device cpu");
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
