package dev.tuna.bench;

import dev.tuna.metrics.Metric;
import dev.tuna.metrics.Metrics;
import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One metric over a validation set the size of MNIST's training split (60,000 rows, 10 classes, or 60,000 binary
 * rows), which is what the trainer computes every epoch. Napkin math: accuracy, F1 and log-loss read the 2.4 MB of
 * probabilities once, well under a millisecond; one-vs-rest AUC sorts 60,000 longs per class, about 10 x 60,000 x
 * log2(60,000) = 10^7 comparisons, a few milliseconds. Either is small beside an epoch of training.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2)
public class MetricsBench {
    @Param({"accuracy", "top_k_accuracy", "auc", "f1", "log_loss"})
    String metric;

    @Param({"classification", "binary"})
    String task;

    @Param({"60000"})
    int rows;

    private Metric m;
    private Predictions p;
    private Labels y;

    @Setup(Level.Trial)
    public void setup() {
        Task t = Task.parse(task, "task");
        if (!Metrics.named(metric).appliesTo(t)) throw new IllegalStateException("skip: " + metric + " does not apply to " + task);
        m = Metrics.parse(metric, t);
        int width = t.outputs(10);
        SplittableRandom r = new SplittableRandom(42);
        float[] q = new float[rows * width];
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int c = 0; c < width; c++) sum += q[i * width + c] = (float) r.nextDouble();
            // Binary p(1) stays in [0, 1); class rows are normalised to sum to 1.
            if (width > 1) for (int c = 0; c < width; c++) q[i * width + c] /= (float) sum;
            labels[i] = r.nextInt(width == 1 ? 2 : width);
        }
        p = new Predictions(t, rows, width, q);
        y = Labels.classes(labels);
    }

    @Benchmark
    public double compute() { return m.compute(p, y); }
}
