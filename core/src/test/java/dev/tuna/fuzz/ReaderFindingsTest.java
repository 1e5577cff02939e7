package dev.tuna.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.IdxReader;
import dev.tuna.data.NpyReader;
import dev.tuna.data.Safetensors;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.errors.BadInputException;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What fuzzing the readers found, each as a plain test of the fixed behaviour (the crashing inputs themselves are
 * also replayed by ReaderFuzzTest from its inputs folder). Readers are given ReaderFuzzTest.Guard allocators, which
 * fail on an allocation larger than the file's content can fill.
 */
class ReaderFindingsTest {
    @TempDir Path dir;

    /** A gzipped IDX header claiming 10^9 u8 values over 3 real ones: refused as truncated before the tensor is allocated. */
    @Test
    void gzippedIdxClaimingMoreThanItHoldsIsRefusedBeforeAllocating() throws IOException {
        Path f = dir.resolve("labels.idx.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putInt(0x00000801).putInt(1_000_000_000).array());
            out.write(new byte[] {1, 2, 3});
        }
        try (var g = new ReaderFuzzTest.Guard(11)) {
            BadInputException e = assertThrows(BadInputException.class, () -> IdxReader.read(f, g));
            assertEquals(f + ": truncated IDX data: expected 1000000000 bytes of labels for shape (1000000000,), found 3", e.getMessage());
        }
    }

    /** The gzipped path still reads an honest file whole (the counting pass must not consume what read needs). */
    @Test
    void gzippedIdxStillReads() throws IOException {
        Path f = dir.resolve("labels.idx.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(ByteBuffer.allocate(8).putInt(0x00000801).putInt(3).array());
            out.write(new byte[] {7, 8, 9});
        }
        try (var g = new ReaderFuzzTest.Guard(11)) {
            var t = IdxReader.read(f, g);
            assertEquals(3, t.size());
            assertEquals(9, t.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2));
        }
    }

    /** A dtype with a line break in it (npy/crash-dtype-with-newline) is quoted on one line. */
    @Test
    void npyDtypeWithALineBreakIsRefusedOnOneLine() throws IOException {
        Path f = npy("{'descr': '<\n  i8x', 'fortran_order': False, 'shape': (1,), }");
        BadInputException e = assertThrows(BadInputException.class, () -> NpyReader.header(f));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f + ": unsupported .npy dtype '< "), e.getMessage());
    }

    /** Deeply nested brackets in the header: a one-line refusal, not a StackOverflowError. */
    @Test
    void npyHeaderNestedTooDeeplyIsRefused() throws IOException {
        Path f = npy("{'descr': '<f4', 'fortran_order': False, 'shape': " + "(".repeat(100_000) + "}");
        BadInputException e = assertThrows(BadInputException.class, () -> NpyReader.header(f));
        assertTrue(e.getMessage().startsWith(f + ": bad .npy header: nested more than 32 deep at offset "), e.getMessage());
    }

    /** A JSON escape of a line break ("\\" then CR) in a safetensors header: the refusal stays on one line. */
    @Test
    void jsonBadEscapeOfALineBreakIsShownOnOneLine() throws IOException {
        byte[] json = "{\"a\\\r\":1}".getBytes(StandardCharsets.UTF_8);
        Path f = dir.resolve("m.safetensors");
        Files.write(f, ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array());
        BadInputException e = assertThrows(BadInputException.class, () -> Safetensors.readMetadata(f));
        assertEquals(f + ": not a valid safetensors file: bad JSON header: Unrecognized character escape (CTRL-CHAR, code 13) at offset 4", e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    /** A YAML value holding a line break, refused by the spec's checks: the message quotes it on one line. */
    @Test
    void specValueWithALineBreakIsRefusedOnOneLine() throws IOException {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, "data: \"fashion-\\nmnist\"\nmodel: {type: mlp}\n");
        BadInputException e = assertThrows(BadInputException.class,
                () -> JobSpec.from(SpecFile.load(f, List.of(), HyperResolver.defaults())));
        assertEquals(f + ": data: expected fashion-mnist or {train: PATH, test: PATH, format: idx|csv|npy}, got 'fashion- mnist'", e.getMessage());
    }

    /** A YAML alias inside the node it names (spec/crash-recursive-alias): refused, where copying it overflowed the stack. */
    @Test
    void specWithARecursiveAliasIsRefused() throws IOException {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, "data: &a {train: x.csv, more: *a}\nmodel: {type: mlp}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> SpecFile.load(f, List.of(), HyperResolver.defaults()));
        assertEquals(f + ": a YAML alias (*name) refers to a mapping or list that contains it; expected a tree of values", e.getMessage());
    }

    /** 24 levels of two aliases each (spec/crash-alias-bomb, 48 aliases, under SnakeYAML's 50) expand to 2^25 values. */
    @Test
    void specWhoseAliasesExpandExponentiallyIsRefused() throws IOException {
        StringBuilder y = new StringBuilder("l0: &l0 [0, 0]\n");
        for (int i = 1; i < 25; i++) y.append("l").append(i).append(": &l").append(i).append(" [*l").append(i - 1).append(", *l").append(i - 1).append("]\n");
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, y);
        BadInputException e = assertThrows(BadInputException.class, () -> SpecFile.load(f, List.of(), HyperResolver.defaults()));
        assertEquals(f + ": the YAML expands to more than 1000000 values through its aliases (*name); expected a job file", e.getMessage());
    }

    /** SnakeYAML's problem for a stray line break in a flow sequence spans two lines (spec/crash-yaml-problem-two-lines). */
    @Test
    void invalidYamlIsRefusedOnOneLine() throws IOException {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, "a: &x [1]\nb: [*x,*\n] 1\n");
        BadInputException e = assertThrows(BadInputException.class, () -> SpecFile.load(f, List.of(), HyperResolver.defaults()));
        assertEquals(f + " line 2, column 9: invalid YAML: unexpected character found (10)", e.getMessage());
    }

    /** A member file name holding a line break (ensembleManifest/crash-member-file-with-newline): one line, naming it. */
    @Test
    void ensembleMemberFileWithALineBreakIsRefusedOnOneLine() throws IOException {
        Files.writeString(dir.resolve(EnsembleManifest.FILE), "{\"format\":\"tuna-ensemble-1\",\"method\":\"caruana\",\"class_names\":[\"0\"],"
                + "\"feature_shape\":[2],\"members\":[{\"name\":\"m\",\"kind\":\"gbt\",\"weight\":1,\"file\":\"a\\nb.ubj\",\"recipe\":{}}]}");
        BadInputException e = assertThrows(BadInputException.class, () -> EnsembleManifest.read(dir));
        Path target = dir.toAbsolutePath().normalize();
        assertEquals(dir.resolve(EnsembleManifest.FILE) + ": member 0 'm': file: missing model file " + target + "/a b.ubj", e.getMessage());
    }

    /** "._" is a float to SnakeYAML's resolver and "." to Double.parseDouble (spec/crash-float-dot-underscore). */
    @Test
    void yamlValueSnakeYamlTakesForAFloatIsRefused() throws IOException {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, "model: {type: mlp, learning_rate: ._}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> SpecFile.load(f, List.of(), HyperResolver.defaults()));
        assertEquals(f + ": invalid YAML: a value that looks like a number is not one (For input string: \".\"); quote it if it is text", e.getMessage());
        // the same value given with --set, on a file that is fine
        Files.writeString(f, "model: {type: mlp}\n");
        BadInputException set = assertThrows(BadInputException.class, () -> SpecFile.load(f, List.of("train.epochs=._"), HyperResolver.defaults()));
        assertEquals("--set train.epochs=._: invalid YAML: a value that looks like a number is not one (For input string: \".\"); quote it if it is text",
                set.getMessage());
    }

    /** A mapping key holding an alias to itself (spec/crash-recursive-mapping-as-key) overflowed the stack in SnakeYAML. */
    @Test
    void specWithAMappingAsKeyIsRefused() throws IOException {
        Path f = dir.resolve("job.yaml");
        Files.writeString(f, "model:\n  layers:\n    ? k: &a {x: *a}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> SpecFile.load(f, List.of(), HyperResolver.defaults()));
        assertEquals(f + " line 3, column 7: a mapping used as a key; expected a plain key such as model:", e.getMessage());
    }

    private Path npy(String header) throws IOException {
        byte[] h = (header + "\n").getBytes(StandardCharsets.ISO_8859_1);
        Path f = dir.resolve("a.npy");
        ByteBuffer b = ByteBuffer.allocate(12 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(h.length).put(h);
        Files.write(f, b.array());
        return f;
    }
}
