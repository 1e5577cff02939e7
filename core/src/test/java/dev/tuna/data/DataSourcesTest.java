package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourcesTest {
    @TempDir
    Path dir;

    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);

    private byte[] randomBytes(int n, int bound) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) rng.nextInt(bound);
        return b;
    }

    private Path idxU8(Path p, int[] dims, byte[] values, boolean gz) throws IOException {
        return IdxReaderTest.save(p, IdxReaderTest.idx(0x08, dims, o -> o.write(values)), gz);
    }

    /** A miniature Fashion-MNIST folder: n random 28x28 images per split. */
    private byte[][] fakeFashion(Path folder, int n, boolean gz) throws IOException {
        Files.createDirectories(folder);
        byte[][] out = new byte[4][];
        String sfx = gz ? ".gz" : "";
        int k = 0;
        for (String prefix : List.of("train", "t10k")) {
            out[k] = randomBytes(n * 784, 256);
            idxU8(folder.resolve(prefix + "-images-idx3-ubyte" + sfx), new int[] {n, 28, 28}, out[k++], gz);
            out[k] = randomBytes(n, 10);
            idxU8(folder.resolve(prefix + "-labels-idx1-ubyte" + sfx), new int[] {n}, out[k++], gz);
        }
        return out;
    }

    @Test
    void findsFashionMnistFromTheEnvironmentOrTheSystemFolder() throws IOException {
        Path env = dir.resolve("data");
        fakeFashion(env.resolve("fashion-mnist"), 3, false);
        Path absent = dir.resolve("absent");
        assertEquals(env.resolve("fashion-mnist"), DataSources.findFashionMnist(env.toString(), absent));
        assertEquals(env.resolve("fashion-mnist"), DataSources.findFashionMnist(null, env.resolve("fashion-mnist")));
        BadInputException e = assertThrows(BadInputException.class, () -> DataSources.findFashionMnist(null, absent));
        assertEquals("Fashion-MNIST not found in " + absent + ": install it with `apt-get install dataset-fashion-mnist` (Debian) "
                + "or set TUNA_DATA_DIR to a folder with the four IDX files", e.getMessage());
        e = assertThrows(BadInputException.class, () -> DataSources.findFashionMnist(absent.toString(), env.resolve("fashion-mnist")));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST not found in " + absent + " (from TUNA_DATA_DIR)"), e.getMessage());
    }

    @Test
    void fashionMnistScalesPixelsAndKeepsLabels() throws IOException {
        Path folder = dir.resolve("fm");
        int n = 25;
        byte[][] raw = fakeFashion(folder, n, true);
        for (boolean train : new boolean[] {true, false}) {
            byte[] px = raw[train ? 0 : 2], lb = raw[train ? 1 : 3];
            try (Dataset d = DataSources.fashionMnist(train, folder)) {
                assertEquals(Shape.of(n, 28, 28, 1), d.x().shape());
                assertEquals(10, d.numClasses());
                assertEquals("Ankle boot", d.classNames().get(9));
                for (int i = 0; i < px.length; i++) assertEquals(Byte.toUnsignedInt(px[i]) / 255f, d.x().getFloat(i), "seed " + seed);
                for (int i = 0; i < n; i++) assertEquals(lb[i], d.y().getInt(i));
            }
        }
    }

    @Test
    void realFashionMnist() {
        Path sys = DataSources.DEBIAN_FASHION_MNIST;
        boolean present = Files.isDirectory(sys);
        if (!present) System.out.println("DataSourcesTest.realFashionMnist skipped: " + sys + " is absent (apt-get install dataset-fashion-mnist)");
        Assumptions.assumeTrue(present, sys + " is absent");
        long t0 = System.nanoTime();
        try (Dataset train = DataSources.fashionMnist(true, sys); Dataset test = DataSources.fashionMnist(false, sys)) {
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(60000, train.size());
            assertEquals(10000, test.size());
            assertEquals(Shape.of(60000, 28, 28, 1), train.x().shape());
            for (Dataset d : List.of(train, test)) {
                int[] counts = new int[10];
                for (int y : d.y().toIntArray()) counts[y]++; // throws if out of [0, 10)
                for (int c : counts) assertEquals(d.size() / 10, c); // Fashion-MNIST is balanced
                float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
                java.lang.foreign.MemorySegment x = d.x().data();
                for (long i = 0, n = d.x().size(); i < n; i++) {
                    float v = x.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                assertEquals(0f, min);
                assertEquals(1f, max);
            }
            // Printed, not asserted: a unit test under another process's load is no measure of speed.
            System.out.printf("Fashion-MNIST train + test loaded in %.3f s%n", seconds);
        }
    }

    @Test
    void idxAndNpyFilesWithLabelChecks() throws IOException {
        int n = 60;
        byte[] px = randomBytes(n * 4 * 5, 256), lb = randomBytes(n, 7);
        for (int i = 0; i < 7; i++) lb[i] = (byte) i; // a training set's classes 0..max must all occur
        Path images = idxU8(dir.resolve("my-images.idx"), new int[] {n, 4, 5}, px, true);
        Path labels = idxU8(dir.resolve("my-labels.idx"), new int[] {n}, lb, false);
        int max = 0;
        for (byte b : lb) max = Math.max(max, b);
        try (Dataset d = DataSources.fromFiles(images, labels, null, null)) {
            assertEquals(Shape.of(n, 4, 5, 1), d.x().shape());
            assertEquals(max + 1, d.numClasses());
            assertEquals(px[7] & 0xff, Math.round(d.x().getFloat(7) * 255));
        }
        Path short59 = idxU8(dir.resolve("labels.idx"), new int[] {n - 1}, new byte[n - 1], false);
        BadInputException e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(images, short59, "idx", null));
        assertEquals(short59 + " has 59 labels for 60 images in " + images, e.getMessage());
        Path negative = IdxReaderTest.save(dir.resolve("neg.idx"), IdxReaderTest.idx(0x09, new int[] {n}, o -> {
            for (int i = 0; i < n; i++) o.writeByte(i == 13 ? -1 : 0);
        }), false);
        e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(images, negative, "idx", null));
        assertEquals(negative + ": label -1 at index 13 is negative: expected class indices 0..C-1", e.getMessage());
        e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(images, labels, "idx", null, List.of("a", "b")));
        assertTrue(e.getMessage().contains("is not a class index below 2"), e.getMessage());

        // npy: u1 features are scaled, f4 kept as they are, rank 2 stays rank 2
        Path xu = Files.write(dir.resolve("x.npy"), NpyReaderTest.npy(1, "|u1", false, new int[] {n, 20}, px));
        ByteBuffer f4 = ByteBuffer.allocate(n * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        float[] fv = new float[n * 3];
        for (int i = 0; i < fv.length; i++) f4.putFloat(fv[i] = (float) rng.nextGaussian());
        Path xf = Files.write(dir.resolve("xf.npy"), NpyReaderTest.npy(1, "<f4", false, new int[] {n, 3}, f4.array()));
        ByteBuffer y8 = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (byte b : lb) y8.putLong(b);
        Path yn = Files.write(dir.resolve("y.npy"), NpyReaderTest.npy(1, "<i8", false, new int[] {n}, y8.array()));
        try (Dataset d = DataSources.fromFiles(xu, yn, null, null); Dataset f = DataSources.fromFiles(xf, yn, "npy", null)) {
            assertEquals(Shape.of(n, 20), d.x().shape());
            for (int i = 0; i < px.length; i++) assertEquals(Byte.toUnsignedInt(px[i]) / 255f, d.x().getFloat(i));
            for (int i = 0; i < n; i++) assertEquals(lb[i], d.y().getInt(i));
            assertEquals(Shape.of(n, 3), f.x().shape());
            for (int i = 0; i < fv.length; i++) assertEquals(fv[i], f.x().getFloat(i));
        }
    }

    @Test
    void formatsAndMisuseAreReported() throws IOException {
        assertEquals("csv", DataSources.inferFormat(Path.of("a/train.CSV.gz")));
        assertEquals("npy", DataSources.inferFormat(Path.of("x_train.npy")));
        assertEquals("idx", DataSources.inferFormat(Path.of("train-images-idx3-ubyte.gz")));
        assertEquals("idx", DataSources.inferFormat(Path.of("digits.idx")));
        assertNull(DataSources.inferFormat(Path.of("data.bin")));

        Path csv = Files.writeString(dir.resolve("d.csv"), "label,a,b\n1,0.5,0.25\n0,1,2\n");
        try (Dataset d = DataSources.fromFiles(csv, null, null, null)) {
            assertEquals(2, d.size());
        }
        Path bin = dir.resolve("data.bin");
        BadInputException e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(bin, null, null, null));
        assertEquals(bin + ": cannot tell the data format from the file name: set format to idx, csv or npy", e.getMessage());
        e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(csv, bin, null, null));
        assertTrue(e.getMessage().startsWith(bin + ": a separate labels file is only for idx and npy data"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(bin, null, "idx", null));
        assertEquals(bin + ": idx features need a separate labels file (train_labels / test_labels)", e.getMessage());
        e = assertThrows(BadInputException.class, () -> DataSources.fromFiles(bin, null, "parquet", null));
        assertEquals("data format 'parquet': expected idx, csv or npy", e.getMessage());
    }
}
