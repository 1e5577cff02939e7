package dev.tuna.backend;

import dev.tuna.backend.cpu.CpuBackend;
import dev.tuna.tensor.Device;

/**
 * Finds the backend for a device. The differentiable ops ask here for the backend of their inputs' device: a trainer
 * makes its own backend current on its thread ({@link #use}), so a policy wrapped around a device's backend (mixed
 * precision) or a GPU backend serves every op of its steps; otherwise a registered backend, else the CPU's for host
 * tensors.
 */
public final class Backends {
    private Backends() {}

    private static final ThreadLocal<Backend> CURRENT = new ThreadLocal<>();
    private static final java.util.Map<Device, Backend> REGISTERED = new java.util.concurrent.ConcurrentHashMap<>();

    public static Backend of(Device device) {
        Backend current = CURRENT.get();
        if (current != null && current.device().equals(device)) return current;
        Backend registered = REGISTERED.get(device);
        if (registered != null) return registered;
        if (device.kind() == Device.Kind.CPU) return CpuBackend.INSTANCE;
        throw new UnsupportedOperationException("no backend for " + device + ": this build has the CPU backend only");
    }

    public static Backend cpu() { return CpuBackend.INSTANCE; }

    /** Makes a backend serve its device's tensors on this thread until the returned scope closes (scopes nest). */
    public static Use use(Backend backend) {
        Backend previous = CURRENT.get();
        CURRENT.set(backend);
        return new Use(previous);
    }

    /** Restores the backend that was current before {@link #use}. */
    public record Use(Backend previous) implements AutoCloseable {
        @Override
        public void close() {
            if (previous == null) CURRENT.remove();
            else CURRENT.set(previous);
        }
    }

    /** Serves a device's tensors on every thread (a GPU backend, once its device is opened). */
    public static void register(Backend backend) { REGISTERED.put(backend.device(), backend); }

    public static void unregister(Backend backend) { REGISTERED.remove(backend.device(), backend); }
}
