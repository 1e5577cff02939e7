package dev.tuna.data;

import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads IDX files (the MNIST format): two zero bytes, a type byte (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32,
 * 0x0D f32, 0x0E f64), the number of dimensions, the dimensions as big-endian i32, then the values
 * big-endian in row-major order. Gzipped files are recognised by their magic bytes, not their name.
 * u8 data becomes a U8 tensor, integer data I32 and floating data F32.
 */
public final class IdxReader {
    /** Refuse files that would need more than this many bytes of values (64 GiB). */
    static final long MAX_BYTES = 1L << 36;

    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfFloat BE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfDouble BE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private IdxReader() {}

    /** An IDX value type: its type byte, size in bytes and name. */
    public enum Type {
        U8(0x08, 1), I8(0x09, 1), I16(0x0B, 2), I32(0x0C, 4), F32(0x0D, 4), F64(0x0E, 8);

        final int code;
        final int bytes;

        Type(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        public int code() { return code; }

        public int byteSize() { return bytes; }

        /** The tensor dtype the values are read into. */
        public DType tensorType() {
            return switch (this) {
                case U8 -> DType.U8;
                case I8, I16, I32 -> DType.I32;
                case F32, F64 -> DType.F32;
            };
        }

        static Type of(int code) {
            for (Type t : values()) if (t.code == code) return t;
            return null;
        }
    }

    /** The header of an IDX file. */
    public record Header(Type type, int[] dims) {
        public long count() {
            long n = 1;
            for (int d : dims) n *= d;
            return n;
        }
    }

    /** Reads the whole file into a tensor allocated from {@code allocator}. */
    public static Tensor read(Path path, SegmentAllocator allocator) {
        try (InputStream in = DataIo.open(path)) {
            Header h = readHeader(path, in);
            long count = h.count();
            long bytes = count * h.type.bytes;
            long headerBytes = 4L + 4L * h.dims.length;
            long available = DataIo.isGzip(path) ? gzipPayload(path, headerBytes, bytes) : Files.size(path) - headerBytes;
            if (available < bytes) throw truncated(path, h, bytes, available);
            Tensor t = Tensor.empty(Shape.of(h.dims), h.type.tensorType(), allocator);
            readValues(path, in, h, t.data(), bytes);
            if (in.read() >= 0) {
                throw new BadInputException(path + ": unexpected data after the " + bytes + " bytes of values of an IDX "
                        + h.type.name().toLowerCase() + " array of shape " + Shape.of(h.dims) + ": the header does not match the file");
            }
            return t;
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    /** Reads only the header (type and dimensions). */
    public static Header header(Path path) {
        try (InputStream in = DataIo.open(path)) {
            return readHeader(path, in);
        } catch (IOException e) {
            throw DataIo.error(path, e);
        }
    }

    private static Header readHeader(Path path, InputStream in) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new BadInputException(path + ": truncated IDX header: expected 4 bytes of magic number, found " + magic.length);
        }
        Type type = Type.of(magic[2] & 0xff);
        if (magic[0] != 0 || magic[1] != 0 || type == null) {
            throw new BadInputException(path + ": not an IDX file: bad magic number " + String.format("%02x %02x %02x %02x",
                    magic[0], magic[1], magic[2], magic[3]) + ", expected 00 00 then a type byte 08, 09, 0b, 0c, 0d or 0e");
        }
        int ndim = magic[3] & 0xff;
        if (ndim == 0) throw new BadInputException(path + ": IDX file with 0 dimensions: expected at least 1");
        byte[] dimBytes = in.readNBytes(4 * ndim);
        if (dimBytes.length < 4 * ndim) {
            throw new BadInputException(path + ": truncated IDX header: expected " + 4 * ndim + " bytes of dimensions, found " + dimBytes.length);
        }
        MemorySegment ds = MemorySegment.ofArray(dimBytes);
        int[] dims = new int[ndim];
        long bytes = type.bytes;
        boolean empty = false, tooLarge = false;
        for (int i = 0; i < ndim; i++) {
            dims[i] = ds.getAtIndex(BE_INT, i);
            if (dims[i] < 0) {
                throw new BadInputException(path + ": IDX dimension " + i + " is " + Integer.toUnsignedString(dims[i])
                        + ", too large (at most " + Integer.MAX_VALUE + ")");
            }
            if (dims[i] == 0) empty = true;
            else if (bytes > MAX_BYTES / dims[i]) tooLarge = true;
            else bytes *= dims[i];
        }
        if (tooLarge && !empty) {
            throw new BadInputException(path + ": IDX dimensions " + Arrays.toString(dims) + " are too large: the data would take more than "
                    + (MAX_BYTES >> 30) + " GiB");
        }
        return new Header(type, dims);
    }

    /**
     * How many of the {@code wanted} value bytes a gzipped file really holds after its header, counted by
     * decompressing it without keeping the data. A gzipped file's size says nothing about what it holds, and the
     * tensor is allocated (and zeroed) before the values are read, so without this a small file whose header claims
     * 10^11 values would have tuna allocate 100 GB before finding the data missing. It costs a second
     * decompression (0.15 s for Fashion-MNIST's 47 MB of training images, measured: half the read).
     */
    private static long gzipPayload(Path path, long headerBytes, long wanted) throws IOException {
        try (InputStream in = DataIo.open(path)) {
            byte[] buf = new byte[1 << 16];
            long need = headerBytes + wanted, got = 0;
            while (got < need) {
                int r;
                try {
                    r = in.read(buf, 0, (int) Math.min(buf.length, need - got));
                } catch (EOFException e) {
                    r = -1; // a gzip stream cut short: count what came before
                }
                if (r < 0) break;
                got += r;
            }
            return got - headerBytes;
        }
    }

    private static void readValues(Path path, InputStream in, Header h, MemorySegment dst, long bytes) throws IOException {
        int esize = h.type.bytes;
        byte[] buf = new byte[DataIo.BUFFER];
        MemorySegment bs = MemorySegment.ofArray(buf);
        long done = 0;
        while (done < bytes) {
            int want = (int) Math.min(buf.length, bytes - done);
            int got = 0;
            while (got < want) {
                int r;
                try {
                    r = in.read(buf, got, want - got);
                } catch (EOFException e) {
                    r = -1; // a gzip stream cut short
                }
                if (r < 0) throw truncated(path, h, bytes, done + got);
                got += r;
            }
            long first = done / esize, n = want / esize;
            switch (h.type) {
                case U8 -> MemorySegment.copy(bs, 0, dst, done, want);
                case I8 -> {
                    for (int i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, first + i, buf[i]);
                }
                case I16 -> {
                    for (int i = 0; i < n; i++) dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, first + i, bs.getAtIndex(BE_SHORT, i));
                }
                case I32 -> MemorySegment.copy(bs, BE_INT, 0, dst, ValueLayout.JAVA_INT_UNALIGNED, done, n);
                case F32 -> MemorySegment.copy(bs, BE_FLOAT, 0, dst, ValueLayout.JAVA_FLOAT_UNALIGNED, done, n);
                case F64 -> {
                    for (int i = 0; i < n; i++) {
                        dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, first + i, (float) bs.getAtIndex(BE_DOUBLE, i));
                    }
                }
            }
            done += want;
        }
    }

    private static BadInputException truncated(Path path, Header h, long expected, long found) {
        String what = h.dims.length >= 3 ? "pixels" : h.dims.length == 1 ? "labels" : "values";
        return new BadInputException(path + ": truncated IDX data: expected " + expected + " bytes of " + what
                + " for shape " + Shape.of(h.dims) + ", found " + Math.max(0, found));
    }
}
