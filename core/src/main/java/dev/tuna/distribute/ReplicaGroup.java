package dev.tuna.distribute;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.tensor.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The devices one mirrored model trains on in this process, each with its backend, and how their replicas talk:
 * CPU replicas through the in-process all-reduce ({@code --device cpu:0,1}), GPUs through NCCL
 * ({@code --device cuda:0,1}, {@code cuda:all}). Train, retrain, ensemble and tune take one of these, so the way a
 * group is made lives here and not in each of them.
 *
 * <p>A group's communicators are made for each {@link #run} and closed after it: a run that fails aborts them, and
 * the next run (the next trial) must not inherit an aborted group.
 */
public final class ReplicaGroup {
    private final List<Backend> backends;
    private final Function<Integer, List<? extends Communicator>> connect;
    private final String description;

    private ReplicaGroup(List<Backend> backends, Function<Integer, List<? extends Communicator>> connect, String description) {
        if (backends.isEmpty()) throw new IllegalArgumentException("a replica group needs at least one device");
        this.backends = List.copyOf(backends);
        this.connect = connect;
        this.description = description;
    }

    /** n replicas on the host, one core each, over the in-process all-reduce. */
    public static ReplicaGroup cpu(int n) { return cpu(n, Backends.cpu()); }

    /** The same, each replica computing through {@code host} (the CPU backend, or a precision policy over it). */
    public static ReplicaGroup cpu(int n, Backend host) {
        if (n < 1) throw new IllegalArgumentException("replicas " + n + ": expected a positive integer");
        if (host.device().kind() != Device.Kind.CPU) throw new IllegalArgumentException("CPU replicas need a host backend, not " + host.device());
        List<Backend> b = new ArrayList<>();
        for (int i = 0; i < n; i++) b.add(host);
        return new ReplicaGroup(b, InProcessGroup::create, n + " CPU replicas in this process, one core each");
    }

    /** One replica per GPU backend given (each on its own device), over NCCL (ncclCommInitAll). */
    public static ReplicaGroup gpus(List<Backend> deviceBackends) {
        int[] ids = new int[deviceBackends.size()];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            Device d = deviceBackends.get(i).device();
            if (d.kind() != Device.Kind.CUDA) throw new IllegalArgumentException("replica " + i + " is on " + d + ", not a GPU");
            ids[i] = d.index();
            names.add(d.toString());
        }
        return new ReplicaGroup(deviceBackends, n -> NcclCommunicator.forDevices(ids), ids.length + " GPUs in this process (" + String.join(", ", names) + "), over NCCL");
    }

    /** A group of any backends over communicators made by {@code connect(size)} (tests: host-memory devices). */
    public static ReplicaGroup of(List<Backend> backends, Function<Integer, List<? extends Communicator>> connect, String description) {
        return new ReplicaGroup(backends, connect, description);
    }

    public int size() { return backends.size(); }

    /** The backend replica {@code rank} computes on. */
    public Backend backend(int rank) { return backends.get(rank); }

    /** Whether the replicas are GPUs (their buckets are device memory). */
    public boolean onDevices() { return backends.getFirst().device().kind() != Device.Kind.CPU; }

    /** For the line that says how a run trains: "2 CPU replicas in this process, one core each". */
    public String describe() { return description; }

    /**
     * body(communicator, backend) on every replica, each on its own thread (see {@link Mirrored#run}); the results in
     * rank order. The communicators are opened for this run and closed after it.
     */
    public <T> List<T> run(BiFunction<Communicator, Backend, T> body) {
        List<Communicator> comms = List.copyOf(connect.apply(backends.size()));
        if (comms.size() != backends.size()) throw new IllegalStateException(comms.size() + " communicators for " + backends.size() + " replicas");
        try {
            return Mirrored.run(comms, c -> body.apply(c, backends.get(c.rank())));
        } finally {
            for (Communicator c : comms) c.close();
        }
    }
}
