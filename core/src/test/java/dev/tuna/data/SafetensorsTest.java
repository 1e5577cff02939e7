package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    final long seed = System.nanoTime();
    final SplittableRandom rng = new SplittableRandom(seed);

    private Tensor random(DType t, Arena a, int... dims) {
        Tensor x = Tensor.empty(Shape.of(dims), t, a);
        byte[] b = new byte[(int) x.data().byteSize()];
        rng.nextBytes(b);
        x.data().copyFrom(java.lang.foreign.MemorySegment.ofArray(b));
        return x;
    }

    private LinkedHashMap<String, Tensor> everyDtype(Arena a) {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        m.put("dense/kernel", random(DType.F32, a, 7, 5));
        m.put("dense/bias", random(DType.F32, a, 5));
        m.put("half", random(DType.F16, a, 3, 3));
        m.put("brain \"half\"", random(DType.BF16, a, 2, 1, 3));
        m.put("steps", random(DType.I32, a, 4));
        m.put("mask", random(DType.U8, a, 9));
        m.put("scalar", random(DType.F32, a));
        m.put("empty", Tensor.empty(Shape.of(0, 4), DType.F32, a));
        return m;
    }

    @Test
    void roundTripEveryDtypeBitExact() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            LinkedHashMap<String, Tensor> in = everyDtype(a);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "tuna");
            meta.put("spec", "/tmp/a \"quoted\"\npath\\é");
            Path p = dir.resolve("model.safetensors");
            Safetensors.write(p, in, meta);
            Safetensors.Contents c = Safetensors.readAll(p, a);
            assertEquals(meta, c.metadata());
            assertEquals(meta, Safetensors.readMetadata(p));
            assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()));
            for (var e : in.entrySet()) {
                Tensor got = c.tensors().get(e.getKey());
                assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
                assertEquals(e.getValue().shape(), got.shape(), e.getKey());
                assertEquals(-1, e.getValue().data().mismatch(got.data()), "seed " + seed + " tensor " + e.getKey());
            }
            assertEquals(List.copyOf(in.keySet()), List.copyOf(Safetensors.read(p, a).keySet()));
            // overwriting an existing file works and leaves no temporary file behind
            Safetensors.write(p, Map.of("only", in.get("steps")), null);
            assertEquals(Map.of(), Safetensors.readMetadata(p));
            assertEquals(1, Safetensors.read(p, a).size());
            try (var files = Files.list(dir)) {
                assertEquals(List.of(p), files.toList());
            }
        }
    }

    @Test
    void exactHeaderLayout() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            Tensor w = Tensor.empty(Shape.of(2, 3), DType.F32, a);
            float[] wv = new float[6];
            for (int i = 0; i < 6; i++) {
                wv[i] = (float) rng.nextDouble(-1, 1);
                w.setFloat(i, wv[i]);
            }
            Tensor b = Tensor.empty(Shape.of(3), DType.BF16, a);
            for (int i = 0; i < 3; i++) b.setFloat(i, (float) rng.nextDouble(-1, 1));
            LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
            m.put("w", w);
            m.put("b", b);
            Path p = dir.resolve("h.safetensors");
            Safetensors.write(p, m, Map.of("k", "v"));
            byte[] file = Files.readAllBytes(p);
            String json = "{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                    + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[24,30]}}";
            int n = (json.length() + 7) / 8 * 8;
            assertEquals(n, ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
            String header = new String(file, 8, n, StandardCharsets.UTF_8);
            assertEquals(json + " ".repeat(n - json.length()), header);
            assertEquals(8 + n + 30, file.length);
            assertEquals(0, (8 + n) % 8);
            ByteBuffer data = ByteBuffer.wrap(file, 8 + n, 30).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 6; i++) assertEquals(wv[i], data.getFloat());
            for (int i = 0; i < 3; i++) assertEquals(b.data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i), data.getShort());
        }
    }

    private Path withHeader(String name, String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(dir.resolve(name), b.array());
    }

    private String failure(Path p) {
        return assertThrows(BadInputException.class, () -> Safetensors.read(p, Arena.ofAuto())).getMessage();
    }

    @Test
    void corruptFilesNameThePath() throws IOException {
        Path tiny = Files.write(dir.resolve("tiny"), new byte[] {1, 2, 3});
        assertTrue(failure(tiny).startsWith(tiny + ": not a valid safetensors file: the file has 3 bytes"));

        Path hugeHeader = Files.write(dir.resolve("huge"), ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertTrue(failure(hugeHeader).contains("header length 1099511627776 is not in"), failure(hugeHeader));

        Path cutHeader = Files.write(dir.resolve("cut"), ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array());
        assertTrue(failure(cutHeader).contains("truncated header: expected 100 bytes of JSON, found 8"), failure(cutHeader));

        Path badJson = withHeader("json", "{\"a\":{\"dtype\":\"F32\",", 0);
        assertTrue(failure(badJson).contains("bad JSON header"), failure(badJson));

        String one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        Path truncated = withHeader("trunc", one, 10);
        assertTrue(failure(truncated).contains("truncated data: the header needs 16 bytes of tensor data, found 10"), failure(truncated));
        Path extra = withHeader("extra", one, 20);
        assertTrue(failure(extra).contains("the data section has 20 bytes, the header describes 16"), failure(extra));

        Path wrongSize = withHeader("size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16);
        assertTrue(failure(wrongSize).contains("needs 12 bytes, its data_offsets [0, 16] give 16"), failure(wrongSize));

        Path overlap = withHeader("overlap", "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}", 6);
        assertTrue(failure(overlap).contains("tensor 'b' starts at data offset 2, expected 4"), failure(overlap));

        Path dtype = withHeader("dtype", "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        assertTrue(failure(dtype).contains("tensor 'a' has dtype C64"), failure(dtype));

        Path notObject = withHeader("array", "[1,2]   ", 0);
        assertTrue(failure(notObject).contains("the JSON header is not an object"), failure(notObject));

        Path missing = dir.resolve("missing.safetensors");
        assertEquals(missing + ": no such file", failure(missing));

        BadInputException e = assertThrows(BadInputException.class,
                () -> Safetensors.write(dir.resolve("no/such/dir/x.safetensors"), new LinkedHashMap<>(), null));
        assertTrue(e.getMessage().startsWith(dir.resolve("no/such/dir/x.safetensors") + ": cannot write"), e.getMessage());
    }

    @Test
    void readsF64AndI64ByConverting() throws IOException {
        double[] d = {rng.nextDouble(), -rng.nextDouble() * 1e3};
        long[] l = {rng.nextInt(), -5};
        ByteBuffer data = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : d) data.putDouble(v);
        for (long v : l) data.putLong(v);
        String json = "{\"l\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[16,32]},\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        Path p = Files.write(dir.resolve("conv.safetensors"),
                ByteBuffer.allocate(8 + h.length + 32).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).put(data.array()).array());
        try (Arena a = Arena.ofConfined()) {
            Map<String, Tensor> m = Safetensors.read(p, a);
            assertEquals(List.of("d", "l"), List.copyOf(m.keySet()));
            assertEquals(DType.F32, m.get("d").dtype());
            assertArrayEquals(new float[] {(float) d[0], (float) d[1]}, m.get("d").toFloatArray());
            assertArrayEquals(new int[] {(int) l[0], -5}, m.get("l").toIntArray());
        }
    }

    @Test
    void pythonReadsOurFile() throws Exception {
        boolean numpy = NpyReaderTest.pythonHas("numpy");
        if (!numpy) System.out.println("SafetensorsTest.pythonReadsOurFile skipped: /usr/bin/python3 cannot import numpy");
        Assumptions.assumeTrue(numpy, "/usr/bin/python3 cannot import numpy");
        try (Arena a = Arena.ofConfined()) {
            LinkedHashMap<String, Tensor> in = everyDtype(a);
            in.remove("brain \"half\"");
            Path p = dir.resolve("py.safetensors");
            Safetensors.write(p, in, Map.of("format", "tuna"));
            StringBuilder expect = new StringBuilder("{");
            for (var e : in.entrySet()) {
                Tensor t = e.getValue();
                expect.append("'").append(e.getKey()).append("': (").append(Arrays.toString(t.shape().dims())).append(", ")
                        .append(t.dtype() == DType.F16 ? "[" + join(t.data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED)) + "]"
                                : t.dtype() == DType.U8 ? Arrays.toString(t.toIntArray())
                                : t.dtype() == DType.I32 ? Arrays.toString(t.toIntArray())
                                : "[" + join(t.data().toArray(ValueLayout.JAVA_INT_UNALIGNED)) + "]")
                        .append("),");
            }
            expect.append("}");
            // If the safetensors package is installed use it; otherwise parse the layout by the spec with numpy.
            String script = "import json, struct, sys\nimport numpy as np\n"
                    + "path = r'" + p + "'\n"
                    + "expect = " + expect + "\n"
                    + "raw = open(path, 'rb').read()\n"
                    + "n = struct.unpack('<Q', raw[:8])[0]\n"
                    + "assert n % 8 == 0 and raw[8:9] == b'{'\n"
                    + "hdr = json.loads(raw[8:8+n].decode('utf-8'))\n"
                    + "assert hdr.pop('__metadata__') == {'format': 'tuna'}\n"
                    + "try:\n"
                    + "    from safetensors.numpy import load_file\n"
                    + "    arrays = load_file(path)\n"
                    + "except ImportError:\n"
                    + "    types = {'F32': '<f4', 'F16': '<f2', 'BF16': '<u2', 'I32': '<i4', 'U8': '|u1'}\n"
                    + "    data = raw[8+n:]\n"
                    + "    end = 0\n"
                    + "    arrays = {}\n"
                    + "    for k, v in sorted(hdr.items(), key=lambda kv: kv[1]['data_offsets']):\n"
                    + "        b, e = v['data_offsets']\n"
                    + "        assert b == end, (k, b, end)\n"
                    + "        end = e\n"
                    + "        arrays[k] = np.frombuffer(data[b:e], dtype=types[v['dtype']]).reshape(v['shape'])\n"
                    + "    assert end == len(data)\n"
                    + "assert set(arrays) == set(expect), (set(arrays), set(expect))\n"
                    + "for k, (shape, vals) in expect.items():\n"
                    + "    a = arrays[k]\n"
                    + "    assert list(a.shape) == shape, (k, a.shape, shape)\n"
                    + "    if a.dtype == np.float32: a = a.view('<i4')\n"
                    + "    if a.dtype == np.float16: a = a.view('<i2')\n"
                    + "    assert a.reshape(-1).tolist() == vals, k\n"
                    + "print('ok')\n";
            NpyReaderTest.python(script);
        }
    }

    private static String join(short[] v) { return Arrays.toString(v).replaceAll("^\\[|\\]$", ""); }

    private static String join(int[] v) { return Arrays.toString(v).replaceAll("^\\[|\\]$", ""); }
}
