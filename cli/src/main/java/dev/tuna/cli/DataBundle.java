package dev.tuna.cli;

import dev.tuna.data.DataSources;
import dev.tuna.data.Fingerprint;
import dev.tuna.errors.BadInputException;
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
        if (test != null && !test.featureShape().equals(full.featureShape())) {
            Shape a = test.featureShape(), b = full.featureShape();
            full.close();
            test.close();
            throw new BadInputException((d.test() != null ? d.test() : "data.test") + ": examples of shape " + a + " (" + a.size()
                    + " features) but the training data " + d.train() + " has shape " + b + " (" + b.size() + " features); the test set must match it");
        }
        Split split = job.validation().split(full);
        return new DataBundle(full, split, test);
    }

    /** A fingerprint of the training and validation splits: what every trial of a study must be trained and scored on. */
    String fingerprint() { return Fingerprint.of(split.train(), split.validation()); }

    /**
     * Refuses data whose {@link #fingerprint()} (passed in, as callers also store it) differs from what the study was
     * tuned on. Studies made before fingerprints were stored have none and are taken as they are.
     */
    void checkSameAs(dev.tuna.tune.study.StudyStore store, Object dir, String fingerprint) {
        String old = store.meta(DATA_KEY);
        if (old != null && !old.equals(fingerprint)) {
            throw new BadInputException("--study " + dir + ": the training data or its validation split differs from what the study was tuned on"
                    + " (its examples' fingerprint changed); restore the data, or tune a new study (--overwrite starts this one afresh)");
        }
    }

    /** The study metadata key holding {@link #fingerprint()}. */
    static final String DATA_KEY = "data_fingerprint";

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
