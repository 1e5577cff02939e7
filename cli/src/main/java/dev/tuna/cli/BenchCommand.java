package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.cpu.CpuInfo;
import dev.tuna.backend.cpu.CpuParallel;
import dev.tuna.data.Dataset;
import dev.tuna.distribute.Communicator;
import dev.tuna.distribute.InProcessGroup;
import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Quick measurements on this machine, printed as a table: the medians of several timed runs after a warm-up.
 * For publishable figures use the JMH benchmarks in bench/ (several forks); these answer "how fast here, now".
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure this machine: gemm (GFLOP/s), step (a training step), allreduce (bandwidth per message size), scaling (mirrored replicas).")
public final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "WHAT", description = "gemm, step, allreduce or scaling")
    String what;

    @Option(names = "--repeats", paramLabel = "N", description = "timed runs per row, after one warm-up; the median is shown (default: ${DEFAULT-VALUE})", defaultValue = "5")
    int repeats;

    @Option(names = "--replicas", paramLabel = "N,...", split = ",", description = "replica counts for scaling and allreduce (default: 1, 2, 4, 8 up to this machine's cores)")
    List<Integer> replicas;

    @Option(names = "--nets", paramLabel = "NET,...", split = ",", description = "scaling: seed-mlp, gemm-mlp, small-cnn (default: all)")
    List<String> nets;

    @Option(names = "--bucket-mb", paramLabel = "MiB", description = "scaling: the gradient buckets' size (default: ${DEFAULT-VALUE})", defaultValue = "25")
    double bucketMb;

    @Override
    public Integer call() {
        if (repeats <= 0) throw new BadInputException("--repeats " + repeats + ": expected a positive integer");
        PrintWriter out = spec.commandLine().getOut();
        // Under mpirun only rank 0 speaks.
        String rank = System.getenv("OMPI_COMM_WORLD_RANK");
        if (rank != null && !rank.equals("0")) out = new PrintWriter(java.io.Writer.nullWriter());
        out.println("Machine: " + CpuInfo.describe() + "; medians of " + repeats + " runs after a warm-up");
        List<List<String>> rows = switch (what) {
            case "gemm" -> gemm();
            case "step" -> step();
            case "allreduce" -> allReduce();
            case "scaling" -> scaling(out);
            default -> throw new BadInputException("tuna bench " + what + ": expected gemm, step, allreduce or scaling");
        };
        out.print(TextTable.render(rows));
        out.flush();
        return Main.EXIT_OK;
    }

    private List<Integer> replicaCounts(boolean withOne) {
        List<Integer> r = new ArrayList<>();
        if (replicas != null) {
            for (int n : replicas) if (n < 1) throw new BadInputException("--replicas " + n + ": expected positive counts");
            return replicas;
        }
        int cores = CpuParallel.threads();
        for (int n : new int[] {1, 2, 4, 8}) if (n <= Math.max(2, cores) && (withOne || n > 1)) r.add(n);
        return r;
    }

    private static String f(String fmt, double v) { return String.format(Locale.ROOT, fmt, v); }

    private List<List<String>> gemm() {
        List<List<String>> rows = new ArrayList<>(List.of(List.of("m=n=k", "seconds", "GFLOP/s")));
        Backend cpu = Backends.cpu();
        for (int n : new int[] {256, 512, 1024, 2048}) {
            try (Arena a = BenchWorkloads.arena(); StepArena step = new StepArena()) {
                List<Tensor> ab = BenchWorkloads.buffers(2, 4L * n * n, n, a);
                Tensor x = ab.get(0).reshape(n, n), y = ab.get(1).reshape(n, n);
                double s = BenchWorkloads.medianSeconds(repeats, () -> {
                    try (MemoryScope sc = MemoryScope.step(step)) {
                        return cpu.matmul(x, false, y, false);
                    }
                });
                rows.add(List.of(Integer.toString(n), f("%.5f", s), f("%.1f", 2.0 * n * n * n / s / 1e9)));
            }
        }
        return rows;
    }

    private List<List<String>> step() {
        List<List<String>> rows = new ArrayList<>(List.of(List.of("net", "batch", "ms per step", "examples/s")));
        for (BenchWorkloads.Net net : nets()) {
            int steps = 8;
            try (Arena a = BenchWorkloads.arena(); BenchWorkloads.Replicas r = new BenchWorkloads.Replicas(net, 0, 1)) {
                Dataset d = BenchWorkloads.data(net, steps, 7, a);
                double s = BenchWorkloads.medianSeconds(repeats, () -> r.epoch(d));
                rows.add(List.of(net.id(), Integer.toString(net.batch), f("%.2f", s / steps * 1e3), f("%.0f", net.batch * steps / s)));
            }
        }
        return rows;
    }

    /**
     * Under mpirun: this process is one rank; rank 0 times back-to-back all-reduces between barriers (the other
     * ranks run the same loop) and prints the table.
     */
    private List<List<String>> mpiAllReduce() {
        dev.tuna.distribute.MpiCommunicator c = dev.tuna.distribute.MpiCommunicator.fromEnvironment();
        List<List<String>> rows = new ArrayList<>(List.of(List.of("communicator", "ranks", "bytes", "time", "algbw GB/s", "busbw GB/s")));
        try {
            for (long bytes : new long[] {4L << 10, 256L << 10, 4L << 20, 25L << 20}) {
                try (Arena a = BenchWorkloads.arena()) {
                    Tensor t = BenchWorkloads.buffers(1, bytes, bytes + c.rank(), a).getFirst();
                    int inner = (int) Math.max(1, (64L << 20) / bytes);
                    double[] runs = new double[repeats];
                    for (int rep = -1; rep < repeats; rep++) {
                        c.barrier();
                        long t0 = System.nanoTime();
                        for (int i = 0; i < inner; i++) c.allReduce(t, Communicator.Op.SUM);
                        c.barrier();
                        if (rep >= 0) runs[rep] = (System.nanoTime() - t0) / 1e9 / inner;
                    }
                    double s = BenchWorkloads.median(runs);
                    double algbw = bytes / s / 1e9;
                    rows.add(List.of("MPI", Integer.toString(c.size()), human(bytes), f("%.1f us", s * 1e6), f("%.2f", algbw),
                            f("%.2f", algbw * 2.0 * (c.size() - 1) / c.size())));
                }
            }
        } catch (RuntimeException e) {
            c.abort(String.valueOf(e.getMessage()));
            throw e;
        }
        c.close();
        if (c.rank() != 0) rows = List.of();
        return rows;
    }

    private List<List<String>> allReduce() {
        if (dev.tuna.distribute.MpiCommunicator.launchedByMpirun()) return mpiAllReduce();
        List<List<String>> rows = new ArrayList<>(List.of(List.of("communicator", "replicas", "bytes", "time", "algbw GB/s", "busbw GB/s", "memcpy GB/s")));
        for (int n : replicaCounts(false)) {
            List<Communicator> group = InProcessGroup.create(n);
            for (long bytes : new long[] {4L << 10, 256L << 10, 4L << 20, 25L << 20}) {
                try (Arena a = BenchWorkloads.arena()) {
                    List<Tensor> bufs = BenchWorkloads.buffers(n, bytes, bytes, a);
                    int inner = (int) Math.max(1, (64L << 20) / bytes); // enough work per timed run to see past the clock
                    double s = BenchWorkloads.allReduceSeconds(group, bufs, inner, repeats);
                    Tensor dst = Tensor.empty(Shape.of(Math.toIntExact(bytes / 4)), DType.F32, a);
                    double c = BenchWorkloads.medianSeconds(repeats, () -> {
                        for (int i = 0; i < inner; i++) BenchWorkloads.copy(bufs.getFirst().data(), dst.data());
                        return null;
                    }) / inner;
                    double algbw = bytes / s / 1e9;
                    // nccl-tests' bus bandwidth: what each link carries in a ring all-reduce, comparable across replica counts.
                    double busbw = algbw * 2.0 * (n - 1) / n;
                    rows.add(List.of("in-process", Integer.toString(n), human(bytes), f("%.1f us", s * 1e6), f("%.2f", algbw), f("%.2f", busbw), f("%.2f", bytes / c / 1e9)));
                }
            }
        }
        return rows;
    }

    private static String human(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    private List<BenchWorkloads.Net> nets() {
        if (nets == null) return List.of(BenchWorkloads.Net.values());
        List<BenchWorkloads.Net> out = new ArrayList<>();
        for (String s : nets) {
            BenchWorkloads.Net hit = null;
            for (BenchWorkloads.Net n : BenchWorkloads.Net.values()) if (n.id().equals(s.trim())) hit = n;
            if (hit == null) throw new BadInputException("--nets " + s + ": expected seed-mlp, gemm-mlp or small-cnn");
            out.add(hit);
        }
        return out;
    }

    private List<List<String>> scaling(PrintWriter out) {
        out.println("Baseline: one trainer using all " + CpuParallel.threads() + " threads; replicas run one thread each on the same global batch;"
                + " efficiency is the speedup over what the replicas' share of the cores would give (n/" + CpuParallel.threads() + " of the baseline)");
        List<List<String>> rows = new ArrayList<>(List.of(List.of("net", "global batch", "replicas", "examples/s", "speedup", "efficiency")));
        for (BenchWorkloads.Net net : nets()) {
            int steps = net == BenchWorkloads.Net.GEMM_MLP ? 6 : 16;
            try (Arena a = BenchWorkloads.arena()) {
                Dataset d = BenchWorkloads.data(net, steps, 7, a);
                double base;
                try (BenchWorkloads.Replicas r = new BenchWorkloads.Replicas(net, 0, 1)) {
                    base = net.batch * steps / BenchWorkloads.medianSeconds(repeats, () -> r.epoch(d));
                }
                rows.add(List.of(net.id(), Integer.toString(net.batch), "1 (all threads)", f("%.0f", base), "1.00", "-"));
                for (int n : replicaCounts(true)) {
                    try (BenchWorkloads.Replicas r = new BenchWorkloads.Replicas(net, n, 1, Math.max(4, Math.round(bucketMb * (1 << 20))))) {
                        double eps = net.batch * steps / BenchWorkloads.medianSeconds(repeats, () -> r.epoch(d));
                        rows.add(List.of(net.id(), Integer.toString(net.batch), Integer.toString(n), f("%.0f", eps), f("%.2f", eps / base),
                                f("%.0f%%", 100 * eps / base * CpuParallel.threads() / Math.min(n, CpuParallel.threads()))));
                    }
                }
            }
        }
        return rows;
    }
}
