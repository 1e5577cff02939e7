package dev.tuna.cli;

import dev.tuna.data.DataSources;
import dev.tuna.data.Dataset;
import dev.tuna.data.Split;
import dev.tuna.spec.JobSpec;
import dev.tuna.tensor.Shape;
import java.nio.file.Path;

/** A job's data: the training set split into train and validation, and the test set when there is one. */
record DataBundle(Dataset full, Split split, Dataset test) implements AutoCloseable {

    static DataBundle load(JobSpec job) {
        JobSpec.DataSpec d = job.data();
        Dataset full;
        Dataset test = null;
        if (d.builtin() != null) {
            Path dir = DataSources.findFashionMnist();
            full = DataSources.fashionMnist(true, dir);
            test = DataSources.fashionMnist(false, dir);
        } else {
            full = DataSources.fromFiles(Path.of(d.train()), d.trainLabels() == null ? null : Path.of(d.trainLabels()), d.format(), d.label());
            if (d.test() != null) {
                // The test labels are mapped onto the training set's classes, so class i means the same in both.
                test = DataSources.fromFiles(Path.of(d.test()), d.testLabels() == null ? null : Path.of(d.testLabels()), d.format(), d.label(),
                        full.classNames());
            }
        }
        Split split = job.validation().split(full);
        return new DataBundle(full, split, test);
    }

    Shape inputShape() {
        int[] dims = full.x().shape().dims();
        return Shape.of(java.util.Arrays.copyOfRange(dims, 1, dims.length));
    }

    int numClasses() { return Math.max(full.numClasses(), test == null ? 0 : test.numClasses()); }

    @Override
    public void close() {
        full.close();
        if (test != null) test.close();
    }
}
