package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyReaderTest {
    @TempDir
    Path dir;

    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);

    /** The exact bytes numpy writes: magic, version, header length, the dict padded with spaces to 64 bytes, '\n'. */
    static byte[] npy(int major, String descr, boolean fortran, int[] shape, byte[] data) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) s.append(i > 0 ? ", " : "").append(shape[i]);
        if (shape.length == 1) s.append(',');
        s.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + s + ", }";
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";
        byte[] hb = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) hb.length);
        else b.putInt(hb.length);
        b.put(hb).put(data);
        return b.array();
    }

    private Path file(String name, byte[] content) throws IOException { return Files.write(dir.resolve(name), content); }

    private static ByteBuffer buf(int n, int size, ByteOrder o) { return ByteBuffer.allocate(n * size).order(o); }

    @Test
    void everyFloatAndIntegerDtypeAsF32() throws IOException {
        int rows = 6, cols = 5, n = rows * cols;
        double[] v = new double[n];
        long[] iv = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextDouble(-1000, 1000);
            iv[i] = rng.nextLong(-30000, 30000);
        }
        int[] shape = {rows, cols};
        for (ByteOrder o : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            char e = o == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
            ByteBuffer f4 = buf(n, 4, o), f8 = buf(n, 8, o), f2 = buf(n, 2, o), i4 = buf(n, 4, o), i8 = buf(n, 8, o), i2 = buf(n, 2, o), u2 = buf(n, 2, o);
            for (int i = 0; i < n; i++) {
                f4.putFloat((float) v[i]);
                f8.putDouble(v[i]);
                f2.putShort(Float.floatToFloat16((float) v[i]));
                i4.putInt((int) iv[i]);
                i8.putLong(iv[i] * 1000);
                i2.putShort((short) iv[i]);
                u2.putShort((short) Math.abs(iv[i]));
            }
            try (Arena a = Arena.ofConfined()) {
                Tensor tf4 = NpyReader.read(file("f4" + e + ".npy", npy(1, e + "f4", false, shape, f4.array())), a);
                Tensor tf8 = NpyReader.read(file("f8" + e + ".npy", npy(2, e + "f8", false, shape, f8.array())), a);
                Tensor tf2 = NpyReader.read(file("f2" + e + ".npy", npy(3, e + "f2", false, shape, f2.array())), a);
                Tensor ti4 = NpyReader.read(file("i4" + e + ".npy", npy(1, e + "i4", false, shape, i4.array())), a);
                Tensor ti8 = NpyReader.read(file("i8" + e + ".npy", npy(1, e + "i8", false, shape, i8.array())), a);
                Tensor ti2 = NpyReader.read(file("i2" + e + ".npy", npy(1, e + "i2", false, shape, i2.array())), a);
                Tensor tu2 = NpyReader.read(file("u2" + e + ".npy", npy(1, e + "u2", false, shape, u2.array())), a);
                for (Tensor t : new Tensor[] {tf4, tf8, tf2, ti4, ti8, ti2, tu2}) {
                    assertEquals(DType.F32, t.dtype());
                    assertEquals(Shape.of(rows, cols), t.shape());
                }
                for (int i = 0; i < n; i++) {
                    String m = "seed " + seed + " " + e + " index " + i;
                    assertEquals((float) v[i], tf4.getFloat(i), m);
                    assertEquals((float) v[i], tf8.getFloat(i), m);
                    assertEquals(Float.float16ToFloat(Float.floatToFloat16((float) v[i])), tf2.getFloat(i), m);
                    assertEquals((float) iv[i], ti4.getFloat(i), m);
                    assertEquals((float) (iv[i] * 1000), ti8.getFloat(i), m);
                    assertEquals((float) iv[i], ti2.getFloat(i), m);
                    assertEquals((float) Math.abs(iv[i]), tu2.getFloat(i), m);
                }
            }
        }
        byte[] bytes = new byte[n];
        rng.nextBytes(bytes);
        try (Arena a = Arena.ofConfined()) {
            Tensor u1 = NpyReader.read(file("u1.npy", npy(1, "|u1", false, new int[] {n}, bytes)), a);
            Tensor i1 = NpyReader.read(file("i1.npy", npy(1, "|i1", false, new int[] {n}, bytes)), a);
            for (int i = 0; i < n; i++) {
                assertEquals(Byte.toUnsignedInt(bytes[i]), (int) u1.getFloat(i));
                assertEquals(bytes[i], (int) i1.getFloat(i));
            }
        }
    }

    @Test
    void labelsAsI32() throws IOException {
        int n = 40;
        int[] y = new int[n];
        ByteBuffer i8 = buf(n, 8, ByteOrder.LITTLE_ENDIAN), i4 = buf(n, 4, ByteOrder.BIG_ENDIAN), f8 = buf(n, 8, ByteOrder.LITTLE_ENDIAN);
        byte[] u1 = new byte[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(10);
            i8.putLong(y[i]);
            i4.putInt(y[i]);
            f8.putDouble(y[i]);
            u1[i] = (byte) y[i];
        }
        try (Arena a = Arena.ofConfined()) {
            Tensor[] ts = {
                NpyReader.readLabels(file("y8.npy", npy(1, "<i8", false, new int[] {n}, i8.array())), a),
                NpyReader.readLabels(file("y4.npy", npy(2, ">i4", false, new int[] {n, 1}, i4.array())), a),
                NpyReader.readLabels(file("yf.npy", npy(1, "<f8", false, new int[] {n}, f8.array())), a),
                NpyReader.readLabels(file("yu.npy", npy(1, "|u1", false, new int[] {n}, u1)), a),
            };
            for (Tensor t : ts) {
                assertEquals(DType.I32, t.dtype());
                assertEquals(Shape.of(n), t.shape());
                assertEquals(Arrays.toString(y), Arrays.toString(t.toIntArray()));
            }
        }
        ByteBuffer big = buf(2, 8, ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(5_000_000_000L);
        Path p = file("big.npy", npy(1, "<i8", false, new int[] {2}, big.array()));
        BadInputException e = assertThrows(BadInputException.class, () -> NpyReader.readLabels(p, Arena.ofAuto()));
        assertEquals(p + ": value 5000000000 at index 1 is out of the int range", e.getMessage());
        ByteBuffer frac = buf(1, 8, ByteOrder.LITTLE_ENDIAN).putDouble(1.5);
        Path pf = file("frac.npy", npy(1, "<f8", false, new int[] {1}, frac.array()));
        e = assertThrows(BadInputException.class, () -> NpyReader.readLabels(pf, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("1.5 at index 0 is not an integer"), e.getMessage());
    }

    @Test
    void badFilesAreReportedWithThePath() throws IOException {
        byte[] data = new byte[24];
        rng.nextBytes(data);
        Path fortran = file("fortran.npy", npy(1, "<f4", true, new int[] {2, 3}, data));
        BadInputException e = assertThrows(BadInputException.class, () -> NpyReader.read(fortran, Arena.ofAuto()));
        assertTrue(e.getMessage().startsWith(fortran + ": .npy array in Fortran order"), e.getMessage());

        Path truncated = file("trunc.npy", npy(1, "<f4", false, new int[] {2, 4}, data));
        e = assertThrows(BadInputException.class, () -> NpyReader.read(truncated, Arena.ofAuto()));
        assertEquals(truncated + ": truncated .npy data: expected 32 bytes for shape (2, 4) <f4, found 24", e.getMessage());

        byte[] whole = npy(1, "<f4", false, new int[] {2, 3}, data);
        Path cutHeader = file("cuthdr.npy", Arrays.copyOf(whole, 40));
        e = assertThrows(BadInputException.class, () -> NpyReader.read(cutHeader, Arena.ofAuto()));
        assertTrue(e.getMessage().startsWith(cutHeader + ": truncated .npy header"), e.getMessage());

        Path magic = file("magic.npy", "PK\u0003\u0004 a zip file, not npy".getBytes(StandardCharsets.ISO_8859_1));
        e = assertThrows(BadInputException.class, () -> NpyReader.read(magic, Arena.ofAuto()));
        assertTrue(e.getMessage().startsWith(magic + ": not a .npy file"), e.getMessage());

        byte[] v9 = whole.clone();
        v9[6] = 9;
        Path version = file("v9.npy", v9);
        e = assertThrows(BadInputException.class, () -> NpyReader.read(version, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("unsupported .npy format version 9.0"), e.getMessage());

        Path complex = file("c8.npy", npy(1, "<c8", false, new int[] {3}, data));
        e = assertThrows(BadInputException.class, () -> NpyReader.read(complex, Arena.ofAuto()));
        assertTrue(e.getMessage().contains("unsupported .npy dtype '<c8'"), e.getMessage());

        byte[] garbled = whole.clone();
        garbled[12] = '[';
        Path bad = file("garbled.npy", garbled);
        e = assertThrows(BadInputException.class, () -> NpyReader.read(bad, Arena.ofAuto()));
        assertTrue(e.getMessage().startsWith(bad + ": bad .npy header"), e.getMessage());
    }

    static boolean pythonHas(String module) {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import " + module).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static void python(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void readsFilesWrittenByNumpy() throws Exception {
        boolean numpy = pythonHas("numpy");
        if (!numpy) System.out.println("NpyReaderTest.readsFilesWrittenByNumpy skipped: /usr/bin/python3 cannot import numpy");
        Assumptions.assumeTrue(numpy, "/usr/bin/python3 cannot import numpy");
        Path x = dir.resolve("x.npy"), y = dir.resolve("y.npy"), xb = dir.resolve("xb.npy");
        python("import numpy as np\n"
                + "x = (np.arange(2*3*4, dtype=np.float64).reshape(2,3,4) * 0.37 - 3).astype(np.float32)\n"
                + "np.save(r'" + x + "', x)\n"
                + "np.save(r'" + y + "', np.array([3, 0, 9], dtype=np.int64))\n"
                + "np.save(r'" + xb + "', x.astype('>f8'))\n");
        try (Arena a = Arena.ofConfined()) {
            Tensor t = NpyReader.read(x, a);
            Tensor tb = NpyReader.read(xb, a);
            assertEquals(Shape.of(2, 3, 4), t.shape());
            for (int i = 0; i < 24; i++) {
                float want = (float) (i * 0.37 - 3);
                assertEquals(want, t.getFloat(i));
                assertEquals(want, tb.getFloat(i));
            }
            assertEquals("[3, 0, 9]", Arrays.toString(NpyReader.readLabels(y, a).toIntArray()));
        }
    }
}
