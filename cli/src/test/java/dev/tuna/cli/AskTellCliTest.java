package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Json;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tuna ask and tuna tell as a script meets them: one JSON line out, one line and exit 2 for every refusal. */
class AskTellCliTest {
    @TempDir
    Path tmp;

    static Path space(Path dir, String tune) throws Exception {
        Path p = dir.resolve("space.yaml");
        Files.writeString(p, """
                hyperparameters:
                  x: {float: [-2.0, 2.0]}
                  y: {float: [-3.0, 3.0]}
                  units: {int: [8, 64], step: 8}
                tune: %s
                """.formatted(tune));
        return p;
    }

    static List<TrialRow> trials(Path study) {
        try (StudyStore s = StudyStore.openReadOnly(study)) {
            return s.trials();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String line) { return (Map<String, Object>) Json.parse(line.strip()); }

    @Test
    void askPrintsOneJsonLineTellRecordsItAndTheStudyReadsAsAnyOther() throws Exception {
        Path space = space(tmp, "{oracle: random, objective: {name: f, direction: min}, seed: 4}");
        String study = tmp.resolve("s").toString();
        CliTest.Run a1 = CliTest.run("ask", space.toString(), "--study", study);
        assertEquals(0, a1.code(), a1.err());
        assertEquals(1, a1.out().lines().count(), a1.out());
        Map<String, Object> t1 = json(a1.out());
        assertEquals(1L, t1.get("trial"));
        @SuppressWarnings("unchecked")
        Map<String, Object> hp = (Map<String, Object>) t1.get("hyperparameters");
        assertEquals(List.of("x", "y", "units"), List.copyOf(hp.keySet()));
        long units = (Long) hp.get("units");
        assertTrue(units >= 8 && units <= 64 && units % 8 == 0, hp.toString());
        // The study recorded its space: the next ask needs none.
        CliTest.Run a2 = CliTest.run("ask", "--study", study);
        assertEquals(0, a2.code(), a2.err());
        assertEquals(2L, json(a2.out()).get("trial"));

        CliTest.Run listed = CliTest.run("trials", "--study", study);
        assertEquals(0, listed.code(), listed.err());
        String row1 = listed.out().lines().filter(l -> l.startsWith("1 ")).findFirst().orElseThrow(() -> new AssertionError(listed.out()));
        assertTrue(row1.contains("asked") && row1.contains("open until tuna tell --trial 1"), listed.out());
        assertTrue(CliTest.run("trials", "--study", study, "--format", "json").out().contains("\"ASKED\""));

        CliTest.Run told = CliTest.run("tell", "--study", study, "--trial", "1", "--value", "0.5");
        assertEquals(0, told.code(), told.err());
        assertTrue(told.out().startsWith("Trial 1: f 0.5000 recorded"), told.out());
        TrialRow r = trials(tmp.resolve("s")).getFirst();
        assertEquals(TrialState.COMPLETE, r.state());
        assertEquals(0.5, r.objective());
        assertEquals(hp.get("x"), r.values().get("x"));

        assertRefused(CliTest.run("tell", "--study", study, "--trial", "1", "--value", "0.7"), "trial 1 is finished already");
        assertRefused(CliTest.run("tell", "--study", study, "--trial", "9", "--value", "0.7"), "no trial 9");
        assertRefused(CliTest.run("tell", "--study", study, "--trial", "2", "--value", "nan"), "expected a finite number");
        assertRefused(CliTest.run("tell", "--study", study, "--trial", "2", "--value", "Infinity"), "expected a finite number");
        assertRefused(CliTest.run("tell", "--study", study, "--trial", "2", "--value", "abc"), "--value abc: expected a number");
        assertRefused(CliTest.run("tell", "--study", study, "--trial", "2"), "");
        assertRefused(CliTest.run("tell", "--study", tmp.resolve("none").toString(), "--trial", "1", "--value", "1"), "no study here");
        CliTest.Run failed = CliTest.run("tell", "--study", study, "--trial", "2", "--failed", "out of memory");
        assertEquals(0, failed.code(), failed.err());
        assertEquals("out of memory", trials(tmp.resolve("s")).get(1).reason());

        CliTest.Run best = CliTest.run("best", "--study", study);
        assertEquals(0, best.code(), best.err());
        assertTrue(best.out().contains("0.5000"), best.out());
        CliTest.Run report = CliTest.run("report", "--study", study);
        assertEquals(0, report.code(), report.err());
        assertTrue(Files.exists(tmp.resolve("s/report/report.html")));

        // Another space on the same study, and a first ask without one, are refused.
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        assertRefused(CliTest.run("ask", space(other, "{oracle: bayesian, objective: {name: f, direction: min}}").toString(), "--study", study), "another search");
        assertRefused(CliTest.run("ask", "--study", tmp.resolve("fresh").toString()), "the first ask needs a space file");
    }

    @Test
    void askSaysWhenTheBudgetIsSpent() throws Exception {
        Path space = space(tmp, "{oracle: random, objective: {name: f, direction: min}, max_trials: 1}");
        String study = tmp.resolve("s").toString();
        assertEquals(0, CliTest.run("ask", space.toString(), "--study", study).code());
        CliTest.Run done = CliTest.run("ask", "--study", study);
        assertEquals(1, done.code());
        assertEquals("tuna: no trial to ask: max_trials (1) reached", done.err().strip());
    }

    @Test
    void aTrialAskedByAProcessThatHasExitedIsNotRerunByTuneWorkers() throws Exception {
        Path space = space(tmp, "{oracle: random, objective: {name: f, direction: min}, max_trials: 3}");
        Path study = tmp.resolve("s");
        Process p = TunaChildren.tuna("ask", space.toString(), "--study", study.toString()).start();
        String out = TunaChildren.readRest(p, new StringBuilder());
        assertEquals(0, p.waitFor(), out);
        assertEquals(1L, json(out.lines().reduce((a, b) -> b).orElseThrow()).get("trial"));
        // The asker is gone; a tune worker's claims requeue dead workers' trials, but not this one.
        CliTest.Run tuned = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", "echo 1.5");
        assertEquals(0, tuned.code(), tuned.err() + tuned.out());
        List<TrialRow> rows = trials(study);
        assertEquals(3, rows.size());
        assertEquals(TrialState.RUNNING, rows.get(0).state());
        assertTrue(rows.get(0).asked());
        assertEquals(1, rows.get(0).attempts());
        assertEquals(TrialState.COMPLETE, rows.get(1).state());
        assertEquals(1.5, rows.get(2).objective());
        CliTest.Run told = CliTest.run("tell", "--study", study.toString(), "--trial", "1", "--value", "0.25");
        assertEquals(0, told.code(), told.err());
        assertTrue(told.out().contains("best: trial 1, 0.2500"), told.out());
    }

    static void assertRefused(CliTest.Run r, String says) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(says), r.err());
    }
}
