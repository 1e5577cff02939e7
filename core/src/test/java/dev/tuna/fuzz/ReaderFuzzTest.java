package dev.tuna.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tuna.data.CsvReader;
import dev.tuna.data.Dataset;
import dev.tuna.data.IdxReader;
import dev.tuna.data.NpyReader;
import dev.tuna.data.Safetensors;
import dev.tuna.data.tabular.CsvLayout;
import dev.tuna.data.tabular.LabelKind;
import dev.tuna.data.tabular.TabularPreprocessor;
import dev.tuna.data.tabular.TabularTable;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.errors.BadInputException;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Coverage-guided fuzz targets for every file a user hands tuna: IDX (plain and gzipped), .npy, CSV, the YAML job
 * file, safetensors and ensemble.json. Each target writes the input to a file and calls the reader the CLI calls.
 * <p>A clean refusal is a {@link BadInputException} whose message is one line naming the file; any other exception
 * or error (IndexOutOfBounds, NullPointer, StackOverflowError, OutOfMemoryError, ...) is a finding. So is a native
 * allocation larger than the input can justify: every reader is handed a {@link Guard} allocator that fails on one,
 * so a header that claims 10^12 elements is caught before it zeroes gigabytes, not by the machine running out.
 * <p>Without JAZZER_FUZZ these run the saved inputs under src/test/resources/dev/tuna/fuzz/ReaderFuzzTestInputs/
 * (seeds and past findings) as regression tests; scripts/fuzz fuzzes each target for a fixed time.
 */
class ReaderFuzzTest {
    /** One scratch folder per JVM; each target overwrites its own file in it on every input. */
    private static final Path DIR = scratch();

    private static Path scratch() {
        try {
            Path d = Files.createTempDirectory("tuna-fuzz");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void idx(byte[] data) {
        Path f = write("data.idx", data);
        refusesCleanly(f, () -> IdxReader.header(f));
        try (Guard g = new Guard(data.length)) {
            refusesCleanly(f, () -> IdxReader.read(f, g));
        }
    }

    /** The same bytes gzipped, so that the gzip path (where the file size says nothing) sees real IDX headers. */
    @FuzzTest(maxDuration = "30s")
    void idxGzip(byte[] data) {
        Path f = write("data.idx.gz", gzip(data));
        refusesCleanly(f, () -> IdxReader.header(f));
        try (Guard g = new Guard(data.length)) {
            refusesCleanly(f, () -> IdxReader.read(f, g));
        }
    }

    @FuzzTest(maxDuration = "30s")
    void npy(byte[] data) {
        Path f = write("data.npy", data);
        refusesCleanly(f, () -> NpyReader.header(f));
        try (Guard g = new Guard(data.length)) {
            refusesCleanly(f, () -> NpyReader.read(f, g));
        }
        try (Guard g = new Guard(data.length)) {
            refusesCleanly(f, () -> NpyReader.readLabels(f, g));
        }
    }

    /** Each way tuna reads a CSV: train's default label column, a named one, predict's first line and unlabelled read. */
    @FuzzTest(maxDuration = "30s")
    void csv(byte[] data) {
        Path f = write("data.csv", data);
        refusesCleanly(f, () -> CsvReader.firstLine(f));
        refusesCleanly(f, () -> close(CsvReader.read(f, null)));
        refusesCleanly(f, () -> close(CsvReader.read(f, "label")));
        refusesCleanly(f, () -> close(CsvReader.read(f, "-1")));
        refusesCleanly(f, () -> close(CsvReader.readUnlabeled(f)));
    }

    /** The job file as tuna train reads it. */
    @FuzzTest(maxDuration = "30s")
    void spec(byte[] data) {
        Path f = write("job.yaml", data);
        refusesCleanly(f, () -> JobSpec.from(SpecFile.load(f, List.of(), HyperResolver.defaults())));
    }

    @FuzzTest(maxDuration = "30s")
    void safetensors(byte[] data) {
        Path f = write("model.safetensors", data);
        refusesCleanly(f, () -> Safetensors.readMetadata(f));
        try (Guard g = new Guard(data.length)) {
            refusesCleanly(f, () -> Safetensors.readAll(f, g));
        }
    }

    /** ensemble.json in a folder holding the member files the seeds name, so that fuzzing gets past the file checks. */
    @FuzzTest(maxDuration = "30s")
    void ensembleManifest(byte[] data) {
        Path dir = DIR.resolve("ensemble");
        try {
            Files.createDirectories(dir);
            for (String m : List.of("member-0.safetensors", "member-1.ubj")) {
                if (!Files.exists(dir.resolve(m))) Files.writeString(dir.resolve(m), "x");
            }
            Files.write(dir.resolve(EnsembleManifest.FILE), data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        refusesCleanly(dir.resolve(EnsembleManifest.FILE), () -> EnsembleManifest.read(dir));
    }

    /**
     * A tabular CSV as tuna tune reads it: the table, the preprocessing fitted on it for classes and for values, its
     * network and tree features, and the preprocessing's JSON read back.
     */
    @FuzzTest(maxDuration = "30s")
    void tabular(byte[] data) {
        Path f = write("table.csv", data);
        refusesCleanly(f, () -> TabularTable.columnsOf(f, CsvLayout.DEFAULT));
        refusesCleanly(f, () -> TabularTable.read(f, CsvLayout.DEFAULT, null, Map.of()));
        for (LabelKind kind : LabelKind.values()) {
            refusesCleanly(f, () -> {
                TabularTable t = TabularTable.read(f, "label");
                TabularPreprocessor p = TabularPreprocessor.fit(t, kind, TabularPreprocessor.Options.DEFAULT.withMaxOneHotLevels(20));
                close(p.transform(t));
                close(p.treeFeatures(t).data());
                TabularPreprocessor.fromJson(p.toJson(), f.toString());
            });
        }
    }

    /** preprocessor.json as tuna predict reads it beside an ensemble. */
    @FuzzTest(maxDuration = "30s")
    void preprocessorJson(byte[] data) {
        Path f = write("preprocessor.json", data);
        refusesCleanly(f, () -> TabularPreprocessor.load(f));
    }

    /** A space file as tuna ask and tune --command read it. */
    @FuzzTest(maxDuration = "30s")
    void spaceFile(byte[] data) {
        Path f = write("space.yaml", data);
        refusesCleanly(f, () -> dev.tuna.tune.ask.SpaceFile.read(f, List.of()));
    }

    /** Runs a read; a BadInputException must be one line that names the file, anything else propagates as a finding. */
    private static void refusesCleanly(Path file, Runnable read) {
        try {
            read.run();
        } catch (BadInputException e) {
            String m = e.getMessage();
            assertNotNull(m, "a refusal without a message");
            assertTrue(m.contains(file.toString()), () -> "the refusal does not name the file: " + m);
            assertFalse(m.contains("\n") || m.contains("\r"), () -> "the refusal is not one line: " + m);
        }
    }

    private static Object close(Dataset d) {
        d.close();
        return d;
    }

    private static Path write(String name, byte[] data) {
        Path f = DIR.resolve(name);
        try {
            Files.write(f, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void deleteTree(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    /**
     * An allocator that refuses any single allocation beyond what the file's real content can fill: the readers
     * widen at most 1 byte to 4 (u8/i8/bool to f32 or i32), so 4 bytes per input byte plus alignment slack is the
     * most an honest read needs. A reader that allocates from a header's claimed size before checking it against
     * the file fails here, at the allocation, with the size it asked for.
     */
    static final class Guard implements SegmentAllocator, AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final long limit;

        Guard(long inputBytes) { this.limit = 4 * inputBytes + 64; }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            if (byteSize > limit) {
                throw new AssertionError("allocation of " + byteSize + " bytes for an input of at most " + (limit - 64) / 4
                        + " bytes: the reader trusted a claimed size");
            }
            return arena.allocate(byteSize, byteAlignment);
        }

        @Override
        public void close() { arena.close(); }
    }
}
