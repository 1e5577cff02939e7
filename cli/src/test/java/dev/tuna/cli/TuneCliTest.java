package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Json;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** tune, trials, best and retrain as a user meets them, including killed and concurrent processes. */
// A bound for a child that never reaches the state a test waits for: a failure, never a hung build.
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TuneCliTest {
    @TempDir
    Path tmp;

    private Path csv(String name, int rows, long seed) throws Exception { return CsvFixtures.twoNoisyClasses(tmp, name, rows, seed); }

    private Path spec(String name, String model, String train, String tune) throws Exception {
        Path tr = csv("train.csv", 800, 1), te = csv("test.csv", 300, 2);
        Path p = tmp.resolve(name);
        Files.writeString(p, """
                data: {train: %s, test: %s, format: csv, label: label}
                validation: {fraction: 0.25}
                model:
                %s
                train: %s
                tune: %s
                """.formatted(tr, te, model.indent(2).stripTrailing(), train, tune));
        return p;
    }

    private Path seedLike() throws Exception {
        return spec("seed.yaml", """
                type: mlp
                layers:
                  - dense: {units: {int: [4, 16], step: 4}, activation: relu}
                optimizer: {choice: [adam, rmsprop]}""",
                "{epochs: 4, batch_size: 32, seed: 5, early_stopping: {monitor: val_loss, patience: 2}}",
                "{oracle: random, max_trials: 3, objective: val_accuracy}");
    }

    private static List<TrialRow> trials(Path study) {
        try (StudyStore s = StudyStore.open(study, false)) {
            return s.trials();
        }
    }

    @Test
    void tuneThenListTheTrialsAndTheBest() throws Exception {
        Path study = tmp.resolve("study");
        CliTest.Run r = CliTest.run("tune", seedLike().toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Search space summary"), r.out());
        assertTrue(r.out().contains("Search: Running Trial #3"), r.out());
        assertTrue(r.out().contains("Trial 3 Complete"), r.out());
        assertTrue(r.out().contains("Best val_accuracy So Far"), r.out());
        List<TrialRow> t = trials(study);
        assertEquals(3, t.size());
        assertTrue(t.stream().allMatch(x -> x.state() == TrialState.COMPLETE && x.objective() > 0.5), t.toString());

        CliTest.Run json = CliTest.run("trials", "--study", study.toString(), "--format", "json");
        assertEquals(0, json.code(), json.err());
        List<?> arr = (List<?>) Json.parse(json.out().trim());
        assertEquals(3, arr.size());
        assertEquals("COMPLETE", ((Map<?, ?>) arr.getFirst()).get("state"));
        CliTest.Run csv = CliTest.run("trials", "--study", study.toString(), "--format", "csv");
        assertEquals(4, csv.out().strip().lines().count(), csv.out());
        assertTrue(csv.out().lines().findFirst().orElseThrow().contains("units"), csv.out());
        CliTest.Run table = CliTest.run("trials", "--study", study.toString());
        assertTrue(table.out().contains("3 trials in"), table.out());

        CliTest.Run best = CliTest.run("best", "--study", study.toString(), "--top", "2", "--format", "json");
        List<?> top = (List<?>) Json.parse(best.out().trim());
        assertEquals(2, top.size());
        double first = ((Number) ((Map<?, ?>) top.get(0)).get("val_accuracy")).doubleValue();
        double second = ((Number) ((Map<?, ?>) top.get(1)).get("val_accuracy")).doubleValue();
        assertTrue(first >= second);
        double max = t.stream().mapToDouble(TrialRow::objective).max().orElseThrow();
        assertEquals(max, first, 1e-12);
    }

    @Test
    void oneTrialIsCountedInTheSingular() throws Exception {
        Path study = tmp.resolve("one");
        CliTest.Run r = CliTest.run("tune", seedLike().toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1", "--max-trials", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("this run completed 1 trial, 0 failed"), r.out());
        CliTest.Run table = CliTest.run("trials", "--study", study.toString());
        assertTrue(table.out().contains("1 trial in "), table.out());
    }

    @Test
    void trialsListTheValuesEachModelUsedInAGrowingSpace() throws Exception {
        // units_1 joins the space when the first two-layer trial is built: that trial's proposal could not name it.
        Path spec = spec("grow.yaml", """
                type: mlp
                num_layers: {int: [1, 2]}
                units: {choice: [4, 8]}""", "{epochs: 1, batch_size: 64, seed: 5}", "{oracle: random, max_trials: 6, objective: val_accuracy}");
        Path study = tmp.resolve("grow");
        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, r.code(), r.err());
        CliTest.Run json = CliTest.run("trials", "--study", study.toString(), "--format", "json");
        assertEquals(0, json.code(), json.err());
        List<?> arr = (List<?>) Json.parse(json.out().trim());
        assertEquals(6, arr.size(), json.out()); // every configuration: 2 with one layer, 4 with two
        for (Object o : arr) {
            Map<?, ?> t = (Map<?, ?>) o;
            Map<?, ?> values = (Map<?, ?>) t.get("values");
            assertEquals(((Map<?, ?>) t.get("summary")).get("values"), values, t.toString());
            assertEquals(values.get("num_layers").equals(2L), values.containsKey("units_1"), t.toString());
        }
    }

    @Test
    void aSearchFormThatCannotWorkIsRefusedBeforeAnyTrial() throws Exception {
        String[][] cases = {
                {"learning_rate: {float: [0.001, 0.1], when: {optimizer: adamw}}", "model.learning_rate.when.optimizer: expected values that optimizer can take"},
                {"learning_rate: {float: [0.001, 0.1], when: {nonexistent: sgd}}", "model.learning_rate.when.nonexistent: no hyperparameter is named 'nonexistent'"},
                {"learning_rate: {float: [0.01, 0.1], int: [1, 2]}", "model.learning_rate: expected one of int, float, choice or bool, not int and float"},
                {"learning_rate: {choice: [0.01, \"fast\", true]}", "model.learning_rate.choice: expected choices of one type"},
                {"learning_rate: {float: [0.001, 0.1]}\n  optimizer: {name: adam, beta_1: {float: [0.5, 1.5]}}",
                        "model.optimizer.beta_1: expected a number in [0, 1), got '1.5', a value of the search form"},
        };
        int k = 0;
        for (String[] c : cases) {
            boolean ownOptimizer = c[0].contains("optimizer: {name");
            Path spec = spec("bad" + k + ".yaml", "layers: [{dense: {units: 8, activation: relu}}]\n"
                    + (ownOptimizer ? "" : "optimizer: {choice: [adam, sgd], name: optimizer}\n") + c[0].replace("\n  ", "\n"),
                    "{epochs: 1, batch_size: 32, seed: 1}", "{oracle: random, max_trials: 2}");
            Path study = tmp.resolve("bad-study" + k++);
            CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
            assertEquals(2, r.code(), c[0] + ": " + r.err() + r.out());
            assertTrue(r.err().contains(spec + ": " + c[1]), c[0] + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(!r.out().contains("Running Trial"), r.out());
            assertTrue(!Files.exists(study) || trials(study).isEmpty(), "no trial, failed or otherwise, is left in the study");
        }
    }

    @Test
    void rerunningResumesWithoutRerunningFinishedTrialsAndAnotherSpecIsRefused() throws Exception {
        Path study = tmp.resolve("study");
        Path spec = seedLike();
        assertEquals(0, CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu").code());
        List<TrialRow> before = trials(study);
        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--max-trials", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Resuming the study"), r.out());
        assertTrue(!r.out().contains("Running Trial #3"), r.out());
        List<TrialRow> after = trials(study);
        assertEquals(5, after.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(before.get(i).finishedMillis(), after.get(i).finishedMillis());
            assertEquals(before.get(i).objective(), after.get(i).objective());
        }
        CliTest.Run other = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--oracle", "grid");
        assertEquals(2, other.code());
        assertTrue(other.err().contains("--study") && other.err().contains("--overwrite"), other.err());
        assertEquals(5, trials(study).size()); // nothing lost
        CliTest.Run fresh = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--oracle", "grid", "--max-trials", "2", "--overwrite");
        assertEquals(0, fresh.code(), fresh.err());
        assertEquals(2, trials(study).size());
    }

    @Test
    void aDivergingTrialFailsWithItsReasonAndTheSearchGoesOn() throws Exception {
        Path spec = spec("nan.yaml", """
                layers: [{dense: {units: 8, activation: relu}}]
                optimizer: sgd
                learning_rate: {choice: [0.01, 1.0e+30]}""", "{epochs: 3, batch_size: 32, seed: 1}", "{oracle: grid, objective: val_loss}");
        Path study = tmp.resolve("nan");
        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, r.code(), r.err() + r.out());
        List<TrialRow> t = trials(study);
        assertEquals(2, t.size());
        assertEquals(TrialState.COMPLETE, t.get(0).state());
        assertEquals(TrialState.FAILED, t.get(1).state());
        assertTrue(t.get(1).reason().contains("diverged"), t.get(1).reason());
        assertTrue(r.out().contains("Trial 2 Failed"), r.out());

        Path broken = spec("broken.yaml", """
                layers: [{dense: {units: {int: [4, 12], step: 4}, activation: relu}}]
                optimizer: sgd
                learning_rate: 1.0e+30""", "{epochs: 2, batch_size: 32, seed: 1}", "{oracle: random, max_trials: 10}");
        CliTest.Run b = CliTest.run("tune", broken.toString(), "--study", tmp.resolve("broken").toString(), "--device", "cpu");
        assertEquals(1, b.code(), b.out());
        assertTrue(b.err().contains("max_consecutive_failed_trials"), b.err());
        // Two workers: the third failure stops the search; a trial already claimed by the other worker may run too.
        int n = trials(tmp.resolve("broken")).size();
        assertTrue(n >= 3 && n <= 4, "trials: " + n);
    }

    @Test
    void retrainFindsTheBestEpochThenTrainsOnTrainPlusValidation() throws Exception {
        Path study = tmp.resolve("study");
        assertEquals(0, CliTest.run("tune", seedLike().toString(), "--study", study.toString(), "--device", "cpu").code());
        CliTest.Run r = CliTest.run("retrain", "--study", study.toString(), "--top", "2", "--max-epochs", "6", "--patience", "2", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test accuracy"), r.out());
        try (StudyStore s = StudyStore.open(study, false)) {
            var rows = s.retrains();
            assertEquals(2, rows.size());
            for (var row : rows) {
                assertTrue(row.bestEpoch() >= 1 && row.bestEpoch() <= 6, row.toString());
                assertEquals(Math.max(1, (int) (1.2 * row.bestEpoch())), row.epochs(), row.toString());
                assertTrue(row.testAccuracy() > 0.5 && row.testAccuracy() <= 1, row.toString());
                assertTrue(Files.size(Path.of(row.modelPath())) > 0);
            }
        }
    }

    @Test
    void badFlagsAndMissingStudiesExitTwoWithOneLine() throws Exception {
        Path spec = seedLike();
        CliTest.Run o = CliTest.run("tune", spec.toString(), "--oracle", "annealing", "--study", tmp.resolve("s").toString());
        assertEquals(2, o.code());
        assertTrue(o.err().startsWith("tuna: --oracle annealing"), o.err());
        assertEquals(2, CliTest.run("tune", spec.toString(), "--max-trials", "0", "--study", tmp.resolve("s").toString()).code());
        CliTest.Run none = CliTest.run("trials", "--study", tmp.resolve("nowhere").toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("no study here"), none.err());
        CliTest.Run hm = CliTest.run("tune", spec.toString(), "--hypermodel", "no.such.Model", "--study", tmp.resolve("s").toString());
        assertEquals(2, hm.code());
        assertTrue(hm.err().contains("TUNA_CLASSPATH"), hm.err());
    }

    @Test
    void aJavaHyperModelRunsWithTheSameTuner() throws Exception {
        Path study = tmp.resolve("java");
        CliTest.Run r = CliTest.run("tune", seedLike().toString(), "--hypermodel", TinyHyperModel.class.getName(), "--study", study.toString(),
                "--device", "cpu", "--oracle", "grid", "--max-trials", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("width (int)"), r.out());
        List<TrialRow> t = trials(study);
        assertEquals(4, t.size());
        assertEquals(4, t.stream().map(x -> x.values().get("width")).distinct().count(), t.toString());
    }

    @Test
    void hyperbandPromotesTrialsThatResumeFromTheirParentsCheckpoint() throws Exception {
        Path spec = spec("hb.yaml", """
                type: mlp
                layers:
                  - dense: {units: {int: [4, 16], step: 4}, activation: relu}
                optimizer: {choice: [adam, rmsprop]}""",
                "{epochs: 3, batch_size: 32, seed: 5}", "{oracle: {name: hyperband, factor: 3, max_epochs: 3}}");
        Path study = tmp.resolve("hb");
        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        List<TrialRow> t = trials(study);
        // s_max = 1: bracket 1 runs 3 configurations for 1 epoch and promotes the best to 3; bracket 0 runs 2 for 3.
        assertEquals(6, t.size(), t.toString());
        List<TrialRow> promoted = t.stream().filter(x -> x.meta().containsKey("resume_from")).toList();
        assertEquals(1, promoted.size());
        TrialRow child = promoted.getFirst();
        TrialRow parent = t.get(((Number) child.meta().get("resume_from")).intValue());
        assertEquals(parent.values(), child.values());
        double bestRound0 = t.stream().filter(x -> Integer.valueOf(1).equals(((Number) x.meta().get("bracket")).intValue())
                && ((Number) x.meta().get("round")).intValue() == 0).mapToDouble(TrialRow::objective).max().orElseThrow();
        assertEquals(bestRound0, parent.objective());
        try (StudyStore s = StudyStore.open(study, false)) {
            // The child trains epochs 2 and 3 only: it starts where its parent's checkpoint ended.
            assertEquals(List.of(1, 2), s.epochs(child.number()).stream().map(e -> e.epoch()).toList());
            assertEquals(List.of(0), s.epochs(parent.number()).stream().map(e -> e.epoch()).toList());
        }
        assertTrue(r.out().contains("Search finished: the hyperband oracle finished its search"), r.out());
    }

    // ---- processes ---------------------------------------------------------------------------------------

    /** A `tuna` child JVM whose output goes to a log file. */
    private static ProcessBuilder tunaProcess(Path log, String... args) {
        return TunaChildren.tuna(args).redirectOutput(log.toFile());
    }

    /** A tuna child whose worker holds trial 1 (TUNA_TEST_HOLD_TRIAL), its output piped to this test. */
    private static Process heldTuner(String... args) throws java.io.IOException {
        ProcessBuilder pb = TunaChildren.tuna(args);
        pb.environment().put("TUNA_TEST_HOLD_TRIAL", "1");
        return pb.start();
    }

    /** Reads the child's output until its worker says it holds the trial (see TunaChildren.awaitLine). */
    private static void awaitHold(Process p, int trial, StringBuilder log) throws java.io.IOException {
        TunaChildren.awaitLine(p, l -> l.equals("tuna-test: holding trial " + trial), log, "holding trial " + trial);
    }

    private Path fourTrialSpec() throws Exception {
        return spec("four.yaml", """
                type: mlp
                layers:
                  - dense: {units: {int: [8, 64], step: 8}, activation: relu}
                optimizer: {choice: [adam, rmsprop]}""",
                "{epochs: 3, batch_size: 8, seed: 5}", "{oracle: random, max_trials: 4}");
    }

    @Test
    void aTrialRunningWhenItsProcessIsKilledIsRerunAndFinishedOnesAreKept() throws Exception {
        Path study = tmp.resolve("killed");
        Path spec = fourTrialSpec();
        // Trial 1 is held running by the tuner's test hook until the process dies. With one worker, trial 0 is
        // saved before trial 1 starts, so the kill always lands while one trial is running and another is finished.
        Process p = heldTuner("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        StringBuilder log = new StringBuilder();
        awaitHold(p, 1, log);
        p.destroyForcibly().waitFor();
        List<TrialRow> atKill = trials(study);
        TrialRow killed = atKill.get(1);
        assertEquals(TrialState.RUNNING, killed.state(), atKill.toString());
        List<TrialRow> done = atKill.stream().filter(x -> x.state() == TrialState.COMPLETE).toList();
        assertTrue(!done.isEmpty());
        // Its worker is gone, so the listing says so before any rerun requeues it.
        CliTest.Run listed = CliTest.run("trials", "--study", study.toString());
        assertEquals(0, listed.code(), listed.err());
        String row2 = listed.out().lines().filter(l -> l.startsWith("2 ")).findFirst().orElseThrow(() -> new AssertionError(listed.out()));
        assertTrue(row2.contains("interrupted") && row2.contains("its worker stopped"), listed.out());
        CliTest.Run json = CliTest.run("trials", "--study", study.toString(), "--format", "json");
        assertTrue(json.out().contains("\"INTERRUPTED\""), json.out());

        CliTest.Run r = CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        List<TrialRow> after = trials(study);
        assertEquals(4, after.size());
        assertTrue(after.stream().allMatch(x -> x.state() == TrialState.COMPLETE), after.toString());
        TrialRow rerun = after.get(killed.number());
        assertEquals(killed.values(), rerun.values());
        assertEquals(2, rerun.attempts());
        for (TrialRow d : done) assertEquals(d.finishedMillis(), after.get(d.number()).finishedMillis()); // not rerun
    }

    /** Whether this JVM ignores SIGINT (Linux: bit 1 of SigIgn in /proc/self/status); its children would inherit that. */
    private static boolean sigintIgnored() throws java.io.IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) return false;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 2L) != 0;
        }
        return false;
    }

    @Test
    void sigintSaysWhatIsSavedAndHowToResume() throws Exception {
        Path study = tmp.resolve("interrupted");
        Path spec = fourTrialSpec();
        // A process started in the background by a non-interactive shell ignores SIGINT, and so do its children:
        // tuna then rightly never sees the signal, and this test could only wait. Say so instead.
        assertTrue(!sigintIgnored(), "SIGINT is ignored in this process tree (started in the background by a non-interactive shell?):"
                + " run the tests in the foreground, or from a process that restores SIGINT");
        Process p = heldTuner("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1");
        StringBuilder log = new StringBuilder();
        // With one worker, trial 1 starts only after trial 0 is saved; it is then held until the signal.
        awaitHold(p, 1, log);
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        String out = TunaChildren.readRest(p, log); // to EOF: the child has exited
        assertEquals(130, p.waitFor(), out);
        assertTrue(out.contains("Interrupted: this run finished 1 trial, saved in the study with every earlier one; 1 running trial goes back to the queue"), out);
        assertTrue(out.contains("resume with: tuna tune " + spec + " --study " + study + " --device cpu --workers 1"), out);
        List<TrialRow> t = trials(study);
        assertEquals(TrialState.COMPLETE, t.get(0).state());
        assertEquals(TrialState.PENDING, t.get(1).state(), t.toString());
    }

    @Test
    void twoProcessesOnOneStudyShareTheWorkAndLoseNothing() throws Exception {
        Path study = tmp.resolve("shared");
        Path spec = spec("pair.yaml", """
                type: mlp
                layers:
                  - dense: {units: {int: [4, 32], step: 4}, activation: relu}
                optimizer: {choice: [adam, rmsprop]}""",
                "{epochs: 3, batch_size: 32, seed: 5}", "{oracle: random, max_trials: 8}");
        // Create the study first so both processes resume the same one.
        assertEquals(0, CliTest.run("tune", spec.toString(), "--study", study.toString(), "--device", "cpu", "--max-trials", "1").code());
        Process a = tunaProcess(tmp.resolve("a.log"), "tune", spec.toString(), "--study", study.toString(), "--device", "cpu").start();
        Process b = tunaProcess(tmp.resolve("b.log"), "tune", spec.toString(), "--study", study.toString(), "--device", "cpu").start();
        assertTrue(a.waitFor(180, TimeUnit.SECONDS) && b.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, a.exitValue(), Files.readString(tmp.resolve("a.log")));
        assertEquals(0, b.exitValue(), Files.readString(tmp.resolve("b.log")));
        List<TrialRow> t = trials(study);
        assertEquals(8, t.size());
        for (int i = 0; i < 8; i++) assertEquals(i, t.get(i).number());
        assertTrue(t.stream().allMatch(x -> x.state() == TrialState.COMPLETE && x.attempts() == 1), t.toString());
        assertEquals(8, t.stream().map(x -> x.values().toString()).distinct().count(), "random search proposed a configuration twice");
        long workers = t.stream().skip(1).map(TrialRow::worker).distinct().count();
        assertNotEquals(0, workers);
        assertTrue(Files.readString(tmp.resolve("a.log")).contains("Resuming"), Files.readString(tmp.resolve("a.log")));
        assertTrue(new File(study.toFile(), "trials").isDirectory());
    }
}
