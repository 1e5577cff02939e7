package dev.tuna.data;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads NumPy .npy files (format versions 1.0, 2.0 and 3.0), C order only. Numeric dtypes f2, f4, f8,
 * i1, i2, i4, i8, u1, u2, u4, u8 and b1, little- or big-endian: {@link #read} gives f32 values,
 * {@link #readLabels} i32 values (integral values that fit an int).
 */
public final class NpyReader {
    static final long MAX_BYTES = 1L << 36;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private NpyReader() {}

    /** A parsed .npy header: the dtype as kind ('f', 'i', 'u', 'b'), item size and byte order. */
    public record Header(int major, int minor, String descr, char kind, int itemSize, ByteOrder order,
                         boolean fortranOrder, int[] shape, long dataOffset) {
        public long count() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        public long dataBytes() { return count() * itemSize; }
    }

    /** Reads and checks the header only. */
    public static Header header(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment file = ch.size() == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parseHeader(path, file);
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    /** The whole array as f32 values, in {@code allocator}. */
    public static Tensor read(Path path, SegmentAllocator allocator) { return load(path, allocator, false); }

    /** An integer array (e.g. labels) as i32 values; [n, 1] arrays become [n]. Values must be integral and fit an int. */
    public static Tensor readLabels(Path path, SegmentAllocator allocator) { return load(path, allocator, true); }

    private static Tensor load(Path path, SegmentAllocator allocator, boolean ints) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            MemorySegment file = ch.size() == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Header h = parseHeader(path, file);
            long have = file.byteSize() - h.dataOffset;
            if (have < h.dataBytes()) {
                throw new BadInputException(path + ": truncated .npy data: expected " + h.dataBytes() + " bytes for shape "
                        + Shape.of(h.shape) + " " + h.descr + ", found " + have);
            }
            if (have > h.dataBytes()) {
                throw new BadInputException(path + ": " + (have - h.dataBytes()) + " unexpected bytes after the data of shape "
                        + Shape.of(h.shape) + " " + h.descr + ": the header does not match the file");
            }
            MemorySegment src = file.asSlice(h.dataOffset, h.dataBytes());
            int[] shape = h.shape;
            if (ints && shape.length == 2 && shape[1] == 1) shape = new int[] {shape[0]};
            Tensor t = Tensor.empty(Shape.of(shape), ints ? DType.I32 : DType.F32, allocator);
            if (ints) convertInts(path, h, src, t.data());
            else convertFloats(h, src, t.data());
            return t;
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    private static void convertFloats(Header h, MemorySegment src, MemorySegment dst) {
        long n = h.count();
        ValueLayout.OfFloat out = ValueLayout.JAVA_FLOAT_UNALIGNED;
        ByteOrder o = h.order;
        switch (h.kind + Integer.toString(h.itemSize)) {
            case "f4" -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(o), 0, dst, out, 0, n);
            case "f8" -> {
                ValueLayout.OfDouble l = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(o);
                for (long i = 0; i < n; i++) dst.setAtIndex(out, i, (float) src.getAtIndex(l, i));
            }
            case "f2" -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(o);
                for (long i = 0; i < n; i++) dst.setAtIndex(out, i, Float.float16ToFloat(src.getAtIndex(l, i)));
            }
            case "u1", "b1" -> {
                for (long i = 0; i < n; i++) dst.setAtIndex(out, i, Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, i)));
            }
            default -> {
                for (long i = 0; i < n; i++) dst.setAtIndex(out, i, (float) integer(h, src, i));
            }
        }
    }

    private static void convertInts(Path path, Header h, MemorySegment src, MemorySegment dst) {
        long n = h.count();
        ValueLayout.OfInt out = ValueLayout.JAVA_INT_UNALIGNED;
        if (h.kind == 'i' && h.itemSize == 4) {
            MemorySegment.copy(src, ValueLayout.JAVA_INT_UNALIGNED.withOrder(h.order), 0, dst, out, 0, n);
            return;
        }
        if (h.kind == 'f') {
            ValueLayout.OfDouble d8 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(h.order);
            ValueLayout.OfFloat f4 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(h.order);
            ValueLayout.OfShort f2 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(h.order);
            for (long i = 0; i < n; i++) {
                double v = switch (h.itemSize) {
                    case 8 -> src.getAtIndex(d8, i);
                    case 4 -> src.getAtIndex(f4, i);
                    default -> Float.float16ToFloat(src.getAtIndex(f2, i));
                };
                if (v != Math.rint(v) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw new BadInputException(path + ": value " + v + " at index " + i + " is not an integer class label");
                }
                dst.setAtIndex(out, i, (int) v);
            }
            return;
        }
        for (long i = 0; i < n; i++) {
            long v = integer(h, src, i);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE || (h.kind == 'u' && h.itemSize == 8 && v < 0)) {
                throw new BadInputException(path + ": value " + (h.kind == 'u' ? Long.toUnsignedString(v) : Long.toString(v))
                        + " at index " + i + " is out of the int range");
            }
            dst.setAtIndex(out, i, (int) v);
        }
    }

    private static long integer(Header h, MemorySegment src, long i) {
        ByteOrder o = h.order;
        boolean u = h.kind == 'u' || h.kind == 'b';
        return switch (h.itemSize) {
            case 1 -> u ? Byte.toUnsignedInt(src.get(ValueLayout.JAVA_BYTE, i)) : src.get(ValueLayout.JAVA_BYTE, i);
            case 2 -> {
                short s = src.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(o), i);
                yield u ? Short.toUnsignedInt(s) : s;
            }
            case 4 -> {
                int s = src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(o), i);
                yield u ? Integer.toUnsignedLong(s) : s;
            }
            default -> src.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(o), i);
        };
    }

    static Header parseHeader(Path path, MemorySegment file) {
        long size = file.byteSize();
        if (size < 10) throw new BadInputException(path + ": truncated .npy header: the file has only " + size + " bytes");
        for (int i = 0; i < MAGIC.length; i++) {
            if (file.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                throw new BadInputException(path + ": not a .npy file: it does not start with \\x93NUMPY");
            }
        }
        int major = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 6));
        int minor = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, 7));
        long headerLen, start;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(file.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            start = 10;
        } else if (major == 2 || major == 3) {
            if (size < 12) throw new BadInputException(path + ": truncated .npy header: the file has only " + size + " bytes");
            headerLen = Integer.toUnsignedLong(file.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8));
            start = 12;
        } else {
            throw new BadInputException(path + ": unsupported .npy format version " + major + "." + minor + ": expected 1.0, 2.0 or 3.0");
        }
        if (start + headerLen > size) {
            throw new BadInputException(path + ": truncated .npy header: expected " + headerLen + " bytes of header, found " + (size - start));
        }
        if (headerLen > 1 << 24) throw new BadInputException(path + ": .npy header of " + headerLen + " bytes is too large");
        byte[] hb = file.asSlice(start, headerLen).toArray(ValueLayout.JAVA_BYTE);
        String text = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict;
        try {
            Object o = new Literal(text).parseTop();
            if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("expected a dictionary");
            @SuppressWarnings("unchecked")
            Map<String, Object> mm = (Map<String, Object>) m;
            dict = mm;
        } catch (IllegalArgumentException e) {
            throw new BadInputException(path + ": bad .npy header: " + e.getMessage());
        }
        Object descr = dict.get("descr"), fortran = dict.get("fortran_order"), shapeObj = dict.get("shape");
        if (descr == null || fortran == null || shapeObj == null) {
            throw new BadInputException(path + ": bad .npy header: expected the keys 'descr', 'fortran_order' and 'shape'");
        }
        if (!(descr instanceof String d)) {
            throw new BadInputException(path + ": .npy file with a structured dtype " + DataIo.quote(String.valueOf(descr)) + ": expected a plain numeric array");
        }
        if (!(fortran instanceof Boolean f)) throw new BadInputException(path + ": bad .npy header: 'fortran_order' is not True or False");
        if (f) {
            throw new BadInputException(path + ": .npy array in Fortran order: expected C order (save np.ascontiguousarray(a))");
        }
        if (!(shapeObj instanceof List<?> dims)) throw new BadInputException(path + ": bad .npy header: 'shape' is not a tuple");
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long v) || v < 0 || v > Integer.MAX_VALUE) {
                throw new BadInputException(path + ": .npy shape " + DataIo.quote(String.valueOf(shapeObj)) + ": dimension " + DataIo.quote(String.valueOf(dims.get(i))) + " is not an integer in 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) (long) v;
        }
        String t0 = d.trim(), t = t0;
        ByteOrder order = ByteOrder.nativeOrder();
        if (!t.isEmpty() && "<>|=".indexOf(t.charAt(0)) >= 0) {
            if (t.charAt(0) == '<') order = ByteOrder.LITTLE_ENDIAN;
            else if (t.charAt(0) == '>') order = ByteOrder.BIG_ENDIAN;
            t = t.substring(1);
        }
        char kind = t.isEmpty() ? '?' : t.charAt(0);
        int itemSize;
        try {
            itemSize = Integer.parseInt(t.substring(1));
        } catch (RuntimeException e) {
            itemSize = -1;
        }
        boolean ok = switch (kind) {
            case 'f' -> itemSize == 2 || itemSize == 4 || itemSize == 8;
            case 'i', 'u' -> itemSize == 1 || itemSize == 2 || itemSize == 4 || itemSize == 8;
            case 'b' -> itemSize == 1;
            default -> false;
        };
        if (!ok) {
            throw new BadInputException(path + ": unsupported .npy dtype " + DataIo.quote(d) + ": expected a float (f2, f4, f8), integer (i1..i8, u1..u8) or bool array");
        }
        long bytes = itemSize;
        boolean empty = false;
        for (int dim : shape) {
            if (dim == 0) empty = true;
            else if (bytes > MAX_BYTES / dim) bytes = Long.MAX_VALUE;
            else bytes *= dim;
        }
        if (!empty && bytes > MAX_BYTES) {
            throw new BadInputException(path + ": .npy shape " + Shape.of(shape) + " is too large: more than " + (MAX_BYTES >> 30) + " GiB");
        }
        // trimmed as parsed, so that the messages quoting it stay on one line
        return new Header(major, minor, t0, kind, itemSize, order, false, shape, start + headerLen);
    }

    /** A parser for the Python literal subset numpy writes: dicts, tuples, lists, strings, ints, True/False/None. */
    private static final class Literal {
        /** numpy writes depth 2 (a dict holding a tuple); the limit keeps a crafted header from overflowing the stack. */
        private static final int MAX_DEPTH = 32;
        private final String s;
        private int i;
        private int depth;

        Literal(String s) { this.s = s; }

        Object parseTop() {
            Object v = value();
            ws();
            if (i < s.length()) throw new IllegalArgumentException("unexpected " + DataIo.quote(s.substring(i).trim()) + " after the dictionary");
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private Object value() {
            ws();
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end of header");
            char c = s.charAt(i);
            if ((c == '{' || c == '(' || c == '[') && ++depth > MAX_DEPTH) {
                throw new IllegalArgumentException("nested more than " + MAX_DEPTH + " deep at offset " + i);
            }
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                while (true) {
                    ws();
                    if (peek('}')) break;
                    Object k = value();
                    if (!(k instanceof String key)) throw new IllegalArgumentException("dictionary key " + DataIo.quote(String.valueOf(k)) + " is not a string");
                    ws();
                    expect(':');
                    m.put(key, value());
                    ws();
                    if (peek('}')) break;
                    expect(',');
                }
                depth--;
                return m;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                i++;
                List<Object> l = new ArrayList<>();
                while (true) {
                    ws();
                    if (peek(close)) break;
                    l.add(value());
                    ws();
                    if (peek(close)) break;
                    expect(',');
                }
                depth--;
                return l;
            }
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, i + 1);
                if (end < 0) throw new IllegalArgumentException("unterminated string");
                String v = s.substring(i + 1, end);
                i = end + 1;
                return v;
            }
            int j = i;
            while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '-' || s.charAt(j) == '_')) j++;
            String word = s.substring(i, j);
            i = j;
            switch (word) {
                case "True" -> { return Boolean.TRUE; }
                case "False" -> { return Boolean.FALSE; }
                case "None" -> { return null; }
                default -> {
                    String w = word.endsWith("L") ? word.substring(0, word.length() - 1) : word;
                    try {
                        return Long.parseLong(w);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("unexpected " + DataIo.quote(word.isEmpty() ? String.valueOf(c) : word));
                    }
                }
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            ws();
            if (!peek(c)) {
                throw new IllegalArgumentException("expected '" + c + "' at offset " + i + (i < s.length() ? ", found '" + s.charAt(i) + "'" : ""));
            }
        }
    }
}
