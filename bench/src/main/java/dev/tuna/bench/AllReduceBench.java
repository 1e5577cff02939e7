package dev.tuna.bench;

import dev.tuna.cli.BenchWorkloads;
import dev.tuna.distribute.Communicator;
import dev.tuna.distribute.InProcessGroup;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
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
 * The in-process all-reduce per message size, and a plain copy of the same bytes beside it. Each invocation is
 * 16 all-reduces inside the replicas' threads (started once per invocation, which 16 back-to-back collectives
 * amortise). algbw = bytes / time per all-reduce; busbw = algbw * 2(n-1)/n as nccl-tests defines it. Napkin
 * math: a reduce-scatter plus all-gather moves about 2 x bytes per replica through memory, so the all-reduce's
 * algbw should approach half of the copy bandwidth (a copy reads and writes each byte once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AllReduceBench {
    @Param({"2"})
    int replicas;

    @Param({"4096", "262144", "4194304", "26214400"})
    long bytes;

    private Arena arena;
    private List<Communicator> group;
    private List<Tensor> buffers;
    private Tensor dst;

    @Setup(Level.Trial)
    public void setup() {
        if (replicas > Runtime.getRuntime().availableProcessors()) throw new IllegalStateException("skip: " + replicas + " replicas on fewer cores");
        arena = BenchWorkloads.arena();
        group = InProcessGroup.create(replicas);
        buffers = BenchWorkloads.buffers(replicas, bytes, 1, arena);
        dst = BenchWorkloads.buffers(1, bytes, 2, arena).getFirst();
    }

    /** 16 all-reduces: the score divided by 16 is one all-reduce. */
    @Benchmark
    public List<Tensor> allReduce16() {
        BenchWorkloads.allReduceLoop(group, buffers, 16);
        return buffers;
    }

    @Benchmark
    public Tensor copy() {
        BenchWorkloads.copy(buffers.getFirst().data(), dst.data());
        return dst;
    }

    @TearDown(Level.Trial)
    public void tearDown() { arena.close(); }
}
