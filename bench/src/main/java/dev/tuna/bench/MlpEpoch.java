package dev.tuna.bench;

import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizers;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.train.ProgressListener;
import dev.tuna.train.Trainer;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * tuna's side of bench/mlp_vs_torch.sh: a 784-H-10 MLP, Adam, batch 128, one epoch over 50000 random
 * examples (shuffle, gather, forward, backward, update: what Trainer.fit does), timed after one warm-up
 * epoch. Prints "tuna hidden=H epoch_median_s=S epochs=N rss_mb=R" per width.
 * Usage: MlpEpoch [widths=64,512] [epochs=5]
 */
public final class MlpEpoch {
    public static void main(String[] args) throws Exception {
        int[] widths = Arrays.stream((args.length > 0 ? args[0] : "64,512").split(",")).mapToInt(Integer::parseInt).toArray();
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int n = 50000, d = 784, classes = 10;
        Arena arena = Arena.ofShared();
        Tensor x = Tensor.empty(Shape.of(n, d), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        SplittableRandom rng = new SplittableRandom(0);
        for (long i = 0; i < x.size(); i++) x.setFloat(i, (float) rng.nextDouble());
        for (int i = 0; i < n; i++) y.setInt(i, rng.nextInt(classes));
        try (Dataset data = new Dataset(x, y, classes, null, arena)) {
            for (int hidden : widths) {
                try (Model model = Model.build(List.of(new Dense(hidden, "relu"), new Dense(classes, null)), Shape.of(d), 1);
                     Trainer trainer = new Trainer(model, Optimizers.create("adam", Map.of(), model.arena()), Backends.cpu(), 1)) {
                    double[] times = new double[epochs];
                    trainer.fit(data, null, 1, 128, List.of(), ProgressListener.SILENT); // warm-up: JIT and the step arena
                    for (int e = 0; e < epochs; e++) {
                        long t0 = System.nanoTime();
                        trainer.fit(data, null, 1, 128, List.of(), ProgressListener.SILENT);
                        times[e] = (System.nanoTime() - t0) / 1e9;
                    }
                    Arrays.sort(times);
                    double median = times.length % 2 == 1 ? times[times.length / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
                    System.out.printf("tuna hidden=%d epoch_median_s=%.4f epochs=%d rss_mb=%d%n", hidden, median, epochs, rssMb());
                }
            }
        }
    }

    /** Resident set size of this process from /proc (Linux), or -1. */
    static long rssMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
