package dev.tuna.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Test data for the process tests: two noisy classes in 6 features, as CSV with a header and a label column. */
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
}
