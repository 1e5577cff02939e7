package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);

    /** Writes an IDX file exactly as the MNIST tools do: magic, big-endian dims, big-endian values. */
    static byte[] idx(int type, int[] dims, ValueWriter values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(0);
        out.writeByte(0);
        out.writeByte(type);
        out.writeByte(dims.length);
        for (int d : dims) out.writeInt(d);
        values.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    interface ValueWriter { void write(DataOutputStream out) throws IOException; }

    static Path save(Path p, byte[] content, boolean gzip) throws IOException {
        if (!gzip) return Files.write(p, content);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p), 1 << 16) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_SPEED);
            }
        }) {
            o.write(content);
        }
        return p;
    }

    @Test
    void u8ImagesRoundTripPlainAndGzipped() throws IOException {
        int n = 37, h = 5, w = 7;
        byte[] pixels = new byte[n * h * w];
        rng.nextBytes(pixels);
        byte[] file = idx(0x08, new int[] {n, h, w}, o -> o.write(pixels));
        for (boolean gz : new boolean[] {false, true}) {
            // the name says nothing: gzip is detected from the magic bytes
            Path p = save(dir.resolve("images" + gz + ".bin"), file, gz);
            try (Arena a = Arena.ofConfined()) {
                Tensor t = IdxReader.read(p, a);
                assertEquals(DType.U8, t.dtype());
                assertEquals(Shape.of(n, h, w), t.shape());
                for (int i = 0; i < pixels.length; i++) {
                    assertEquals(Byte.toUnsignedInt(pixels[i]), (int) t.getFloat(i), "seed " + seed + " index " + i);
                }
            }
        }
    }

    @Test
    void everyValueType() throws IOException {
        int n = 11, m = 3;
        int[] ints = new int[n * m];
        double[] dbl = new double[n * m];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = rng.nextInt();
            dbl[i] = rng.nextDouble(-1e6, 1e6);
        }
        int[] dims = {n, m};
        try (Arena a = Arena.ofConfined()) {
            Tensor i8 = IdxReader.read(save(dir.resolve("i8"), idx(0x09, dims, o -> { for (int v : ints) o.writeByte(v); }), true), a);
            Tensor i16 = IdxReader.read(save(dir.resolve("i16"), idx(0x0B, dims, o -> { for (int v : ints) o.writeShort(v); }), false), a);
            Tensor i32 = IdxReader.read(save(dir.resolve("i32"), idx(0x0C, dims, o -> { for (int v : ints) o.writeInt(v); }), true), a);
            Tensor f32 = IdxReader.read(save(dir.resolve("f32"), idx(0x0D, dims, o -> { for (double v : dbl) o.writeFloat((float) v); }), false), a);
            Tensor f64 = IdxReader.read(save(dir.resolve("f64"), idx(0x0E, dims, o -> { for (double v : dbl) o.writeDouble(v); }), true), a);
            for (Tensor t : new Tensor[] {i8, i16, i32}) {
                assertEquals(DType.I32, t.dtype());
                assertEquals(Shape.of(n, m), t.shape());
            }
            assertEquals(DType.F32, f32.dtype());
            assertEquals(DType.F32, f64.dtype());
            for (int i = 0; i < ints.length; i++) {
                assertEquals((byte) ints[i], i8.getInt(i));
                assertEquals((short) ints[i], i16.getInt(i));
                assertEquals(ints[i], i32.getInt(i));
                assertEquals((float) dbl[i], f32.getFloat(i));
                assertEquals((float) dbl[i], f64.getFloat(i));
            }
        }
    }

    @Test
    void truncatedDataNamesExpectedAndFoundBytes() throws IOException {
        byte[] pixels = new byte[10 * 4 * 4];
        rng.nextBytes(pixels);
        byte[] full = idx(0x08, new int[] {10, 4, 4}, o -> o.write(pixels));
        byte[] cut = Arrays.copyOf(full, full.length - 50);
        for (boolean gz : new boolean[] {false, true}) {
            Path p = save(dir.resolve("cut" + gz + ".idx"), cut, gz);
            BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(p, Arena.ofAuto()));
            assertTrue(e.getMessage().startsWith(p + ": truncated IDX data: expected 160 bytes of pixels"), e.getMessage());
            assertTrue(e.getMessage().endsWith("found 110"), e.getMessage());
        }
        // a gzip stream cut in the middle of its compressed bytes
        Path gz = save(dir.resolve("whole.gz"), full, true);
        byte[] gzBytes = Files.readAllBytes(gz);
        Path cutGz = Files.write(dir.resolve("cutgz.gz"), Arrays.copyOf(gzBytes, gzBytes.length / 2));
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(cutGz, Arena.ofAuto()));
        assertTrue(e.getMessage().startsWith(cutGz + ": truncated"), e.getMessage());
        // cut inside the header
        Path hdr = save(dir.resolve("hdr"), Arrays.copyOf(full, 9), false);
        e = assertThrows(BadInputException.class, () -> IdxReader.read(hdr, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("truncated IDX header"), e.getMessage());
    }

    @Test
    void badMagicTooLargeAndTrailingData() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.idx"), "hello world, not an idx file");
        BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(text, Arena.ofAuto()));
        assertTrue(e.getMessage().startsWith(text + ": not an IDX file: bad magic number 68 65 6c 6c"), e.getMessage());

        Path type = save(dir.resolve("type.idx"), idx(0x0A, new int[] {1}, o -> o.writeByte(1)), false);
        e = assertThrows(BadInputException.class, () -> IdxReader.read(type, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("bad magic number 00 00 0a 01"), e.getMessage());

        Path huge = save(dir.resolve("huge.idx"), idx(0x0D, new int[] {1 << 20, 1 << 20, 1 << 10}, o -> { }), false);
        e = assertThrows(BadInputException.class, () -> IdxReader.read(huge, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());

        Path neg = save(dir.resolve("neg.idx"), idx(0x08, new int[] {-5}, o -> { }), true);
        e = assertThrows(BadInputException.class, () -> IdxReader.read(neg, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("4294967291, too large"), e.getMessage());

        Path extra = save(dir.resolve("extra.idx"), idx(0x08, new int[] {3}, o -> o.write(new byte[] {1, 2, 3, 4})), false);
        e = assertThrows(BadInputException.class, () -> IdxReader.read(extra, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("unexpected data after"), e.getMessage());

        Path missing = dir.resolve("missing.idx");
        e = assertThrows(BadInputException.class, () -> IdxReader.read(missing, Arena.ofAuto()));
        assertEquals(missing + ": no such file", e.getMessage());
    }

    @Test
    void largeGzippedFileLoadsQuickly() throws IOException {
        int n = 60000;
        byte[] pixels = new byte[n * 28 * 28];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (rng.nextInt(4) == 0 ? rng.nextInt(256) : 0);
        Path p = save(dir.resolve("big-images-idx3-ubyte.gz"), idx(0x08, new int[] {n, 28, 28}, o -> o.write(pixels)), true);
        try (Arena a = Arena.ofConfined()) {
            IdxReader.read(p, a); // warm up
        }
        long t0 = System.nanoTime();
        try (Arena a = Arena.ofConfined()) {
            Tensor t = IdxReader.read(p, a);
            double s = (System.nanoTime() - t0) / 1e9;
            assertEquals(Shape.of(n, 28, 28), t.shape());
            assertArrayEquals(Arrays.copyOfRange(pixels, 0, 1000), t.rows(0, 2).data().asSlice(0, 1000).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            System.out.printf("60000x28x28 gzipped IDX read in %.3f s%n", s);
            assertTrue(s < 1.0, "loading 47 MB of gzipped IDX took " + s + " s");
        }
    }
}
