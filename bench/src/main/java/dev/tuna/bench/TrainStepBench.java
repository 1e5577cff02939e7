package dev.tuna.bench;

import dev.tuna.backend.Backends;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizers;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.Trainer;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
 * One training step (forward, backward, Adam update) of a 784-H-10 MLP on a batch of 128: the unit of work
 * that bench/mlp_vs_torch.sh times per epoch. Napkin math: 3 GEMMs of 2*128*784*H flops dominate, so at
 * H=64 a step is ~19 MFLOP and at H=512 ~154 MFLOP.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseProfiledLoopPredicate"})
public class TrainStepBench {
    @Param({"64", "512"})
    int hidden;

    private Model model;
    private Trainer trainer;
    private Arena data;
    private Tensor x;
    private Tensor y;
    private StepArena arena;

    @Setup(Level.Trial)
    public void setup() {
        model = Model.build(List.of(new Dense(hidden, "relu"), new Dense(10, null)), Shape.of(784), 1);
        trainer = new Trainer(model, Optimizers.create("adam", Map.of(), model.arena()), Backends.cpu(), 1);
        data = Arena.ofShared();
        SplittableRandom rng = new SplittableRandom(3);
        x = Tensor.empty(Shape.of(128, 784), DType.F32, data);
        y = Tensor.empty(Shape.of(128), DType.I32, data);
        for (int i = 0; i < x.size(); i++) x.setFloat(i, (float) rng.nextDouble());
        for (int i = 0; i < 128; i++) y.setInt(i, rng.nextInt(10));
        arena = new StepArena();
    }

    @Benchmark
    public double step() {
        try (MemoryScope s = MemoryScope.step(arena)) {
            return trainer.step(x, y).loss();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        trainer.close();
        model.close();
        data.close();
    }
}
