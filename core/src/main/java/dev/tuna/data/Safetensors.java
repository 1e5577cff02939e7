package dev.tuna.data;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Device;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (as written by the Hugging Face library): an 8-byte little-endian header length
 * n, n bytes of JSON (padded with spaces so the data starts 8-byte aligned) mapping each name to
 * {"dtype", "shape", "data_offsets": [begin, end)} relative to the data section, plus an optional
 * "__metadata__" string map; then the tensors' bytes, little-endian, back to back.
 * <p>Writes F32, F16, BF16, I32 and U8 tensors; reads those plus F64 (to F32), I64 (to I32, range
 * checked) and BOOL (to U8).
 */
public final class Safetensors {
    /** The Hugging Face library refuses headers above 100 MB; so do we. */
    static final long MAX_HEADER = 100_000_000L;
    private static final String METADATA = "__metadata__";

    private Safetensors() {}

    /** Tensors in file (data offset) order and the metadata (empty when there is none). */
    public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {}

    /** The file's dtype name of a tensor dtype ("F32", "F16", "BF16", "I32", "U8"). */
    public static String dtypeName(DType t) {
        return switch (t) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
            case I32 -> "I32";
            case U8 -> "U8";
        };
    }

    /**
     * Writes host tensors, in the map's iteration order, with string metadata (null for none). The file is
     * written next to the target and moved into place, so a reader never sees half a file.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        byte[] header = header(tensors, metadata);
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + path.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Tensor t : tensors.values()) writeData(ch, t);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw new BadInputException(path + ": cannot write the safetensors file: " + DataIo.oneLine(
                    e instanceof java.nio.file.NoSuchFileException ? "no such directory " + dir : String.valueOf(e.getMessage())), e);
        }
    }

    /** The header bytes (JSON padded with spaces to a multiple of 8), without the 8-byte length. */
    static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            Json.string(b, METADATA);
            b.append(":{");
            boolean f = true;
            for (var e : metadata.entrySet()) {
                if (!f) b.append(',');
                f = false;
                Json.string(b, e.getKey());
                b.append(':');
                Json.string(b, e.getValue());
            }
            b.append('}');
            first = false;
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.isEmpty() || name.equals(METADATA)) throw new IllegalArgumentException("bad tensor name '" + name + "'");
            if (t.device().kind() != Device.Kind.CPU) {
                throw new IllegalArgumentException("tensor '" + name + "' is on " + t.device() + ": copy it to the host before saving");
            }
            long bytes = t.size() * t.dtype().byteSize();
            if (!first) b.append(',');
            first = false;
            Json.string(b, name);
            b.append(":{\"dtype\":\"").append(dtypeName(t.dtype())).append("\",\"shape\":[");
            for (int i = 0; i < t.rank(); i++) {
                if (i > 0) b.append(',');
                b.append(t.dim(i));
            }
            b.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        b.append('}');
        byte[] json = b.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    private static void writeData(FileChannel ch, Tensor t) throws IOException {
        MemorySegment data = t.data();
        long bytes = t.size() * t.dtype().byteSize();
        long chunk = 1L << 26;
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || t.dtype().byteSize() == 1) {
            for (long off = 0; off < bytes; off += chunk) {
                writeFully(ch, data.asSlice(off, Math.min(chunk, bytes - off)).asByteBuffer());
            }
            return;
        }
        // big-endian host: swap into a little-endian buffer
        ValueLayout elem = t.dtype().byteSize() == 4 ? ValueLayout.JAVA_INT_UNALIGNED : ValueLayout.JAVA_SHORT_UNALIGNED;
        ValueLayout le = elem.withOrder(ByteOrder.LITTLE_ENDIAN);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(chunk);
            for (long off = 0; off < bytes; off += chunk) {
                long n = Math.min(chunk, bytes - off);
                MemorySegment.copy(data, elem, off, buf, le, 0, n / elem.byteSize());
                writeFully(ch, buf.asSlice(0, n).asByteBuffer());
            }
        }
    }

    /** Reads every tensor into {@code allocator}, in file order. */
    public static Map<String, Tensor> read(Path path, SegmentAllocator allocator) { return readAll(path, allocator).tensors(); }

    /** Reads only the "__metadata__" map (empty when absent). */
    public static Map<String, String> readMetadata(Path path) { return load(path, null).metadata(); }

    /** Reads the tensors and the metadata. */
    public static Contents readAll(Path path, SegmentAllocator allocator) {
        return load(path, allocator == null ? Arena.ofAuto() : allocator);
    }

    private record Entry(String name, String dtype, int[] shape, long begin, long end) {}

    private static Contents load(Path path, SegmentAllocator allocator) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size < 8) throw bad(path, "the file has " + size + " bytes, less than the 8-byte header length");
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 2 || n > MAX_HEADER) throw bad(path, "header length " + Long.toUnsignedString(n) + " is not in 2.." + MAX_HEADER);
            if (8 + n > size) throw bad(path, "truncated header: expected " + n + " bytes of JSON, found " + (size - 8));
            String json = new String(file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            Object root;
            try {
                root = Json.parse(json);
            } catch (IllegalArgumentException e) {
                throw bad(path, "bad JSON header: " + e.getMessage());
            }
            if (!(root instanceof Map<?, ?> top)) throw bad(path, "the JSON header is not an object");
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (var e : top.entrySet()) {
                String name = (String) e.getKey();
                if (name.equals(METADATA)) {
                    if (e.getValue() == null) continue;
                    if (!(e.getValue() instanceof Map<?, ?> m)) throw bad(path, "\"__metadata__\" is not an object");
                    for (var me : m.entrySet()) {
                        if (!(me.getValue() instanceof String v)) throw bad(path, "metadata value of \"" + me.getKey() + "\" is not a string");
                        metadata.put((String) me.getKey(), v);
                    }
                    continue;
                }
                entries.add(entry(path, name, e.getValue()));
            }
            long dataSize = size - 8 - n;
            entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long expect = 0;
            for (Entry e : entries) {
                if (e.begin != expect) {
                    throw bad(path, "tensor '" + e.name + "' starts at data offset " + e.begin + ", expected " + expect
                            + " (tensors must be contiguous and not overlap)");
                }
                expect = e.end;
            }
            if (expect != dataSize) {
                throw bad(path, expect > dataSize ? "truncated data: the header needs " + expect + " bytes of tensor data, found " + dataSize
                        : "the data section has " + dataSize + " bytes, the header describes " + expect);
            }
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            if (allocator != null) {
                for (Entry e : entries) {
                    MemorySegment src = file.asSlice(8 + n + e.begin, e.end - e.begin);
                    tensors.put(e.name, convert(path, e, src, allocator));
                }
            }
            return new Contents(tensors, metadata);
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    private static int elementSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            case "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    private static Entry entry(Path path, String name, Object v) {
        if (!(v instanceof Map<?, ?> m)) throw bad(path, "entry '" + name + "' is not an object");
        if (!(m.get("dtype") instanceof String dtype)) throw bad(path, "tensor '" + name + "' has no string \"dtype\"");
        int es = elementSize(dtype);
        if (es < 0) {
            throw bad(path, "tensor '" + name + "' has dtype " + dtype + ": expected F32, F16, BF16, I32, U8 (or F64, I64, BOOL)");
        }
        if (!(m.get("shape") instanceof List<?> shapeList)) throw bad(path, "tensor '" + name + "' has no \"shape\" list");
        int[] shape = new int[shapeList.size()];
        long count = 1;
        boolean zero = false;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw bad(path, "tensor '" + name + "' has a bad shape " + shapeList);
            }
            shape[i] = (int) (long) d;
            if (d == 0) zero = true;
            else if (count > (1L << 40) / d) throw bad(path, "tensor '" + name + "' shape " + shapeList + " is too large");
            else count *= d;
        }
        if (zero) count = 0;
        if (!(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2 || !(offs.get(0) instanceof Long b)
                || !(offs.get(1) instanceof Long e) || b < 0 || e < b) {
            throw bad(path, "tensor '" + name + "' has bad \"data_offsets\" " + m.get("data_offsets") + ": expected [begin, end]");
        }
        if (e - b != count * es) {
            throw bad(path, "tensor '" + name + "' of shape " + Shape.of(shape) + " " + dtype + " needs " + count * es
                    + " bytes, its data_offsets [" + b + ", " + e + "] give " + (e - b));
        }
        return new Entry(name, dtype, shape, b, e);
    }

    private static Tensor convert(Path path, Entry e, MemorySegment src, SegmentAllocator allocator) {
        Shape shape = Shape.of(e.shape);
        long n = shape.size();
        ValueLayout.OfInt leInt = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfShort leShort = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        switch (e.dtype) {
            case "F32", "I32" -> {
                Tensor t = Tensor.empty(shape, e.dtype.equals("F32") ? DType.F32 : DType.I32, allocator);
                MemorySegment.copy(src, leInt, 0, t.data(), ValueLayout.JAVA_INT_UNALIGNED, 0, n);
                return t;
            }
            case "F16", "BF16" -> {
                Tensor t = Tensor.empty(shape, e.dtype.equals("F16") ? DType.F16 : DType.BF16, allocator);
                MemorySegment.copy(src, leShort, 0, t.data(), ValueLayout.JAVA_SHORT_UNALIGNED, 0, n);
                return t;
            }
            case "U8", "BOOL" -> {
                Tensor t = Tensor.empty(shape, DType.U8, allocator);
                MemorySegment.copy(src, 0, t.data(), 0, n);
                return t;
            }
            case "F64" -> {
                Tensor t = Tensor.empty(shape, DType.F32, allocator);
                ValueLayout.OfDouble le = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < n; i++) t.data().setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) src.getAtIndex(le, i));
                return t;
            }
            default -> { // I64
                Tensor t = Tensor.empty(shape, DType.I32, allocator);
                ValueLayout.OfLong le = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < n; i++) {
                    long v = src.getAtIndex(le, i);
                    if (v != (int) v) throw bad(path, "tensor '" + e.name + "' (I64) value " + v + " at index " + i + " does not fit an I32");
                    t.data().setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) v);
                }
                return t;
            }
        }
    }

    private static BadInputException bad(Path path, String why) {
        return new BadInputException(path + ": not a valid safetensors file: " + why);
    }
}
