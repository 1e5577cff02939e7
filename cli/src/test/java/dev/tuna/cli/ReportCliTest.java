package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.Proposal;
import dev.tuna.tune.study.StudyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tuna report from the command line: the files it prints, and one-line errors naming the flag. */
class ReportCliTest {
    @TempDir
    Path tmp;

    /** A study of 8 trials written through StudyStore, as tuna tune leaves one (no training). */
    private Path study() {
        Path dir = tmp.resolve("study");
        SplittableRandom rng = new SplittableRandom(1);
        try (StudyStore s = StudyStore.open(dir, false)) {
            s.putMeta("objective", "val_loss");
            s.putMeta("direction", "min");
            s.putMeta("spec_file", "job.yaml");
            for (int t = 0; t < 8; t++) {
                long units = 16L << rng.nextInt(3);
                String opt = rng.nextBoolean() ? "adam" : "sgd";
                int n = s.claim(x -> Proposal.of(Map.of("units", units, "optimizer", opt)), k -> k).trial().number();
                double loss = 1.0 / units + 0.01 * rng.nextDouble();
                for (int e = 0; e < 4; e++) s.addEpoch(n, 0, e, Map.of("val_loss", loss + 0.1 / (e + 1), "val_accuracy", 0.9 - loss));
                s.complete(n, loss, Map.of(), null);
            }
        }
        return dir;
    }

    @Test
    void writesTheChartsAndThePageAndPrintsTheirPaths() throws Exception {
        Path dir = study();
        CliTest.Run r = CliTest.run("report", "--study", dir.toString(), "--top", "3");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        Path html = dir.resolve("report").resolve("report.html");
        assertEquals("Report: " + html.toAbsolutePath(), lines.getLast());
        for (String name : List.of("search", "learning_curves", "hyperparameters", "importance")) {
            for (String ext : List.of(".png", ".svg")) {
                Path p = dir.resolve("report").resolve(name + ext).toAbsolutePath();
                assertTrue(lines.contains(p.toString()), p + " not printed in " + r.out());
                assertTrue(Files.size(p) > 1000, p.toString());
            }
        }
        assertFalse(Files.exists(dir.resolve("report/ensemble.png")));
        assertTrue(Files.readString(html).contains("No ensemble yet"));

        Path other = tmp.resolve("elsewhere");
        CliTest.Run o = CliTest.run("report", "--study", dir.toString(), "--out", other.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.isRegularFile(other.resolve("report.html")));
    }

    @Test
    void badInputIsExitTwoWithOneLineNamingTheFlag() throws Exception {
        CliTest.Run missing = CliTest.run("report", "--study", tmp.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().startsWith("tuna: --study "), missing.err());
        assertFalse(Files.exists(tmp.resolve("nope")), "a report must not create a study");

        Path dir = study();
        CliTest.Run top = CliTest.run("report", "--study", dir.toString(), "--top", "0");
        assertEquals(2, top.code());
        assertTrue(top.err().startsWith("tuna: --top 0"), top.err());

        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        CliTest.Run out = CliTest.run("report", "--study", dir.toString(), "--out", file.toString());
        assertEquals(2, out.code());
        assertTrue(out.err().startsWith("tuna: --out "), out.err());
        assertEquals(1, out.err().strip().lines().count(), out.err());
    }
}
