package dev.tuna.train;

import dev.tuna.data.Dataset;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;

/** Gaussian blobs around random centres: a small classification task every optimizer must learn. */
final class Blobs {
    private Blobs() {}

    static Dataset make(int n, int dims, int classes, long seed, int... featureShape) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] centres = new double[classes][dims];
        for (double[] c : centres) for (int j = 0; j < dims; j++) c[j] = rng.nextDouble(-2, 2);
        Arena arena = Arena.ofShared();
        int[] shape = new int[featureShape.length + 1];
        shape[0] = n;
        System.arraycopy(featureShape, 0, shape, 1, featureShape.length);
        if (featureShape.length == 0) shape = new int[] {n, dims};
        Tensor x = Tensor.empty(Shape.of(shape), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(classes);
            y.setInt(i, c);
            for (int j = 0; j < dims; j++) x.setFloat((long) i * dims + j, (float) (centres[c][j] + rng.nextGaussian() * 0.5));
        }
        return new Dataset(x, y, classes, null, arena);
    }
}
