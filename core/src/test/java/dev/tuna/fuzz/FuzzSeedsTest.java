package dev.tuna.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.CsvReader;
import dev.tuna.data.Dataset;
import dev.tuna.data.IdxReader;
import dev.tuna.data.NpyReader;
import dev.tuna.data.Safetensors;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import dev.tuna.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed inputs of the fuzz targets must be files the readers accept: a seed that is refused only covers the
 * first check, and fuzzing from it never reaches the code past the header. This keeps the seeds valid as the
 * readers change (each reader is called as in ReaderFuzzTest; success is what is asserted).
 */
class FuzzSeedsTest {
    private static List<Path> seeds(String target) throws IOException, URISyntaxException {
        Path dir = Path.of(FuzzSeedsTest.class.getResource("ReaderFuzzTestInputs/" + target).toURI());
        try (Stream<Path> s = Files.list(dir)) {
            // crash-* files are past findings, refused on purpose; everything else is a seed
            List<Path> l = s.filter(p -> !p.getFileName().toString().startsWith("crash-")).sorted().toList();
            assertTrue(l.size() >= 3, target + " has " + l.size() + " seeds, expected at least 3");
            return l;
        }
    }

    @Test
    void idxSeedsAreValid() throws Exception {
        for (Path p : seeds("idx")) {
            try (Arena a = Arena.ofConfined()) {
                Tensor t = IdxReader.read(p, a);
                assertEquals(IdxReader.header(p).count(), t.size(), p.toString());
            }
        }
    }

    @Test
    void idxGzipSeedsAreTheIdxSeeds() throws Exception {
        // idxGzip gzips its input, so its seeds are plain IDX files: the same ones
        List<Path> plain = seeds("idx"), gz = seeds("idxGzip");
        assertEquals(plain.size(), gz.size());
        for (int i = 0; i < plain.size(); i++) assertEquals(-1L, Files.mismatch(plain.get(i), gz.get(i)), gz.get(i).toString());
    }

    @Test
    void npySeedsAreValid() throws Exception {
        for (Path p : seeds("npy")) {
            try (Arena a = Arena.ofConfined()) {
                assertEquals(NpyReader.header(p).count(), NpyReader.read(p, a).size(), p.toString());
            }
        }
    }

    @Test
    void csvSeedsAreValid() throws Exception {
        for (Path p : seeds("csv")) {
            try (Dataset d = CsvReader.read(p, null)) {
                assertTrue(d.size() >= 2, p.toString());
            }
        }
    }

    @Test
    void specSeedsAreValid() throws Exception {
        for (Path p : seeds("spec")) {
            JobSpec j = JobSpec.from(SpecFile.load(p, List.of(), HyperResolver.defaults()));
            assertTrue(j.model() != null, p.toString());
        }
    }

    @Test
    void safetensorsSeedsAreValid() throws Exception {
        for (Path p : seeds("safetensors")) {
            try (Arena a = Arena.ofConfined()) {
                Safetensors.readAll(p, a);
            }
        }
    }

    @Test
    void ensembleSeedsAreValid(@TempDir Path dir) throws Exception {
        // the member files ReaderFuzzTest.ensembleManifest creates next to the manifest
        Files.writeString(dir.resolve("member-0.safetensors"), "x");
        Files.writeString(dir.resolve("member-1.ubj"), "x");
        for (Path p : seeds("ensembleManifest")) {
            Files.copy(p, dir.resolve(EnsembleManifest.FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertTrue(!EnsembleManifest.read(dir).members().isEmpty(), p.toString());
        }
    }

    @Test
    void tabularSeedsAreValid() throws Exception {
        for (Path p : seeds("tabular")) {
            var t = dev.tuna.data.tabular.TabularTable.read(p, "label");
            var kind = java.util.Arrays.stream(t.labels()).allMatch(l -> l.matches("-?[0-9.]+")) && p.getFileName().toString().contains("values")
                    ? dev.tuna.data.tabular.LabelKind.VALUES : dev.tuna.data.tabular.LabelKind.CLASSES;
            var pre = dev.tuna.data.tabular.TabularPreprocessor.fit(t, kind, dev.tuna.data.tabular.TabularPreprocessor.Options.DEFAULT);
            try (var d = pre.transform(t)) {
                assertEquals(t.rows(), d.size(), p.toString());
            }
        }
    }

    @Test
    void preprocessorJsonSeedsAreValid() throws Exception {
        for (Path p : seeds("preprocessorJson")) assertTrue(dev.tuna.data.tabular.TabularPreprocessor.load(p).featureCount() > 0, p.toString());
    }

    @Test
    void spaceFileSeedsAreValid() throws Exception {
        for (Path p : seeds("spaceFile")) {
            assertTrue(dev.tuna.tune.ask.SpaceFile.read(p, List.of()).definition().space().dimensions() > 0, p.toString());
        }
    }
}
