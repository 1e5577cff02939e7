package dev.tuna.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Test data for the CLI tests, as CSV with a header and a label column: two noisy classes, or a noisy linear function. */
final class CsvFixtures {
    private CsvFixtures() {}

    /** Writes dir/name once (a later call with the same name keeps the first file) and returns its path. */
    static Path twoNoisyClasses(Path dir, String name, int rows, long seed) throws IOException {
        Path p = dir.resolve(name);
        if (Files.exists(p)) return p;
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder("f0,f1,f2,f3,f4,f5,label\n");
        for (int r = 0; r < rows; r++) {
            int label = rng.nextInt(2);
            for (int j = 0; j < 6; j++) s.append(String.format("%.4f,", (label == 0 ? -1 : 1) * (j % 2 == 0 ? 0.6 : 0.2) + rng.nextGaussian() * 0.8));
            s.append(label).append('\n');
        }
        Files.writeString(p, s);
        return p;
    }

    /**
     * dir/name: y = sum of coefficients[j] x_j + noise (sd 0.1) over standard normal features x0, x1, ... (one per
     * coefficient), label column y; the labels are not integers, so a job infers a regression.
     */
    static Path linear(Path dir, String name, int rows, long seed, double... coefficients) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        int d = coefficients.length;
        StringBuilder s = new StringBuilder();
        for (int j = 0; j < d; j++) s.append('x').append(j).append(',');
        s.append("y\n");
        for (int r = 0; r < rows; r++) {
            double[] x = new double[d];
            for (int j = 0; j < d; j++) x[j] = rng.nextGaussian();
            double y = 0;
            for (int j = 0; j < d; j++) y += coefficients[j] * x[j];
            y += 0.1 * rng.nextGaussian();
            for (double v : x) s.append(String.format("%.5f,", v));
            s.append(String.format("%.5f%n", y));
        }
        Path p = dir.resolve(name);
        Files.writeString(p, s);
        return p;
    }
}
