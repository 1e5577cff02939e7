package dev.tuna.bench;

import dev.tuna.cli.BenchWorkloads;
import dev.tuna.data.Dataset;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One epoch of mirrored training per invocation (16 global batches; 6 for the GEMM-heavy MLP), by replica count:
 * replicas 0 is the baseline, one trainer on every core; 1, 2, 4, 8 are in-process replicas of one core each
 * (counts above this machine's cores are skipped). examples/s = batch x steps / time; the speedup is against
 * replicas 0 in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseProfiledLoopPredicate"})
public class ScalingBench {
    @Param({"SEED_MLP", "GEMM_MLP", "SMALL_CNN"})
    BenchWorkloads.Net net;

    @Param({"0", "1", "2", "4", "8"})
    int replicas;

    private Arena arena;
    private Dataset data;
    private BenchWorkloads.Replicas group;

    @Setup(Level.Trial)
    public void setup() {
        if (replicas > Runtime.getRuntime().availableProcessors()) throw new IllegalStateException("skip: " + replicas + " replicas on fewer cores");
        arena = BenchWorkloads.arena();
        data = BenchWorkloads.data(net, net == BenchWorkloads.Net.GEMM_MLP ? 6 : 16, 7, arena);
        group = new BenchWorkloads.Replicas(net, replicas, 1);
    }

    @Benchmark
    public double epoch() { return group.epoch(data); }

    @TearDown(Level.Trial)
    public void tearDown() {
        group.close();
        arena.close();
    }
}
