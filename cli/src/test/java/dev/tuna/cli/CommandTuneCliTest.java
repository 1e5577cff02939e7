package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.TrialRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tuna tune --command: a program per trial, its result read back, failures recorded, kill -9 and several workers survived. */
class CommandTuneCliTest {
    @TempDir
    Path tmp;

    /**
     * A Python objective: the bowl (x - 0.3)^2 + (y + 1.2)^2 + units / 1000, from its flags, checked against the
     * environment tuna passes (exit 4 when TUNA_HP_JSON or TUNA_TRIAL disagree with the flags), written as JSON on
     * the last line of stdout or into --out.
     */
    private Path program() throws Exception {
        Path p = tmp.resolve("objective.py");
        Files.writeString(p, """
                import json, os, sys
                a = dict(zip(sys.argv[1::2], sys.argv[2::2]))
                x, y, units = float(a['--x']), float(a['--y']), int(a['--units'])
                hp = json.loads(os.environ['TUNA_HP_JSON'])
                if hp['x'] != x or hp['units'] != units or os.environ['TUNA_TRIAL'] != a['--trial']:
                    sys.exit(4)
                print('training', file=sys.stderr)
                print('epoch 1 of 1')
                f = {'f': (x - 0.3) ** 2 + (y + 1.2) ** 2 + units / 1000.0, 'trial': int(os.environ['TUNA_TRIAL'])}
                if '--out' in a:
                    open(a['--out'], 'w').write(json.dumps(f))
                    print('done, see the file')
                else:
                    print(json.dumps(f))
                """);
        return p;
    }

    private String command(String extra) throws Exception {
        return "python3 " + program() + " --x {x} --y {y} --units {units} --trial {trial}" + extra;
    }

    private static double bowl(TrialRow r) {
        double x = ((Number) r.values().get("x")).doubleValue(), y = ((Number) r.values().get("y")).doubleValue();
        return (x - 0.3) * (x - 0.3) + (y + 1.2) * (y + 1.2) + ((Number) r.values().get("units")).longValue() / 1000.0;
    }

    private Path space(String tune) throws Exception { return AskTellCliTest.space(tmp, tune); }

    @Test
    void eachTrialRunsTheProgramAndItsValueIsTheProgramsResultForTheRecordedHyperparameters() throws Exception {
        Path space = space("{oracle: bayesian, objective: {name: f, direction: min}, max_trials: 5, seed: 3}");
        Path study = tmp.resolve("s");
        CliTest.Run r = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", command(""));
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("Search finished: max_trials (5) reached; this run completed 5 trials, 0 failed"), r.out());
        List<TrialRow> rows = AskTellCliTest.trials(study);
        assertEquals(5, rows.size());
        for (TrialRow t : rows) {
            assertEquals(TrialState.COMPLETE, t.state(), t.reason());
            assertEquals(bowl(t), t.objective(), 1e-12); // recomputed in float64 from what the study recorded
            Path dir = study.resolve("trials").resolve(String.format("trial-%04d", t.number() + 1));
            assertEquals("training", Files.readString(dir.resolve("stderr.log")).strip());
            assertTrue(Files.readString(dir.resolve("stdout.log")).startsWith("epoch 1 of 1"));
        }
        // A rerun resumes: the budget is spent, nothing runs again.
        CliTest.Run again = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", command(""));
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("this run completed 0 trials"), again.out());
        assertEquals(0, CliTest.run("report", "--study", study.toString()).code());
    }

    @Test
    void theResultFileIsReadWhenTheProgramWritesOne() throws Exception {
        Path space = space("{oracle: random, objective: {name: f, direction: min}, max_trials: 2}");
        Path study = tmp.resolve("s");
        CliTest.Run r = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", command(" --out {result_file}"), "--workers", "2");
        assertEquals(0, r.code(), r.err() + r.out());
        for (TrialRow t : AskTellCliTest.trials(study)) assertEquals(bowl(t), t.objective(), 1e-12);
    }

    @Test
    void aFailingOrSilentProgramFailsItsTrialWithTheReasonAndTooManyFailuresStopTheSearch() throws Exception {
        Path space = space("{oracle: random, objective: {name: f, direction: min}, max_trials: 6, max_consecutive_failed_trials: 2}");
        Path study = tmp.resolve("s");
        // Trial 1 prints something that is not a result; every later trial exits 3 with two lines on stderr.
        String cmd = "if [ {trial} = 1 ]; then echo all good; else echo first >&2; echo 'second line' >&2; exit 3; fi";
        CliTest.Run r = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", cmd);
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("max_consecutive_failed_trials"), r.err());
        List<TrialRow> rows = AskTellCliTest.trials(study);
        assertEquals(2, rows.size());
        assertEquals(TrialState.FAILED, rows.get(0).state());
        assertEquals("the last line of stdout is neither a number nor JSON with \"f\": 'all good'", rows.get(0).reason());
        assertEquals("exit status 3; stderr: first | second line", rows.get(1).reason());
    }

    @Test
    void anUnknownPlaceholderIsRefusedBeforeAnyTrialRuns() throws Exception {
        Path space = space("{oracle: random, objective: {name: f, direction: min}}");
        Path study = tmp.resolve("s");
        CliTest.Run r = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", "python3 t.py --lr {learning_rate}");
        AskTellCliTest.assertRefused(r, "--command: unknown placeholder {learning_rate}; expected one of [result_file, seed, study, trial, trial_dir, units, x, y]");
        assertTrue(!Files.exists(study), "the study was not made");
    }

    @Test
    void aTrialRunningWhenTuneIsKilledIsRerunAndFinishedOnesAreKept() throws Exception {
        Path space = space("{oracle: random, objective: {name: f, direction: min}, max_trials: 4, seed: 9}");
        Path study = tmp.resolve("s");
        String cmd = command("");
        // The hook holds trial 2 (number 1) before its program starts; with one worker, trial 1 has finished by then.
        ProcessBuilder pb = TunaChildren.tuna("tune", space.toString(), "--study", study.toString(), "--command", cmd, "--workers", "1");
        pb.environment().put("TUNA_TEST_HOLD_TRIAL", "1");
        Process p = pb.start();
        StringBuilder log = new StringBuilder();
        TunaChildren.awaitLine(p, l -> l.equals("tuna-test: holding trial 1"), log, "holding trial 1");
        p.destroyForcibly().waitFor();
        List<TrialRow> atKill = AskTellCliTest.trials(study);
        assertEquals(TrialState.COMPLETE, atKill.get(0).state());
        assertEquals(TrialState.RUNNING, atKill.get(1).state());
        CliTest.Run listed = CliTest.run("trials", "--study", study.toString());
        assertTrue(listed.out().lines().anyMatch(l -> l.startsWith("2 ") && l.contains("interrupted")), listed.out());

        CliTest.Run r = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", cmd);
        assertEquals(0, r.code(), r.err() + r.out());
        List<TrialRow> after = AskTellCliTest.trials(study);
        assertEquals(4, after.size());
        for (TrialRow t : after) {
            assertEquals(TrialState.COMPLETE, t.state(), t.reason());
            assertEquals(bowl(t), t.objective(), 1e-12);
        }
        assertEquals(atKill.get(1).values(), after.get(1).values());
        assertEquals(2, after.get(1).attempts());
        assertEquals(atKill.get(0).finishedMillis(), after.get(0).finishedMillis()); // not rerun
    }

    @Test
    void workersInTwoProcessesAndThreadsShareOneStudy() throws Exception {
        Path space = space("{oracle: random, objective: {name: f, direction: min}, max_trials: 6, seed: 2}");
        Path study = tmp.resolve("s");
        String cmd = command("");
        // A child process holds trial 1 running until released; this process's two workers run the rest meanwhile.
        ProcessBuilder pb = TunaChildren.tuna("tune", space.toString(), "--study", study.toString(), "--command", cmd, "--workers", "1");
        pb.environment().put("TUNA_TEST_HOLD_TRIAL", "0");
        pb.environment().put("TUNA_TEST_HOLD_RELEASE", "stdin");
        Process child = pb.start();
        StringBuilder log = new StringBuilder();
        TunaChildren.awaitLine(child, l -> l.equals("tuna-test: holding trial 0"), log, "holding trial 0");
        CliTest.Run here = CliTest.run("tune", space.toString(), "--study", study.toString(), "--command", cmd, "--workers", "2");
        assertEquals(0, here.code(), here.err() + here.out());
        assertTrue(here.out().contains("this run completed 5 trials"), here.out());
        child.getOutputStream().write('\n');
        child.getOutputStream().close();
        String rest = TunaChildren.readRest(child, log);
        assertEquals(0, child.waitFor(), rest);
        List<TrialRow> rows = AskTellCliTest.trials(study);
        assertEquals(6, rows.size());
        Set<Integer> numbers = new HashSet<>();
        for (TrialRow t : rows) {
            assertEquals(TrialState.COMPLETE, t.state(), t.reason());
            assertEquals(1, t.attempts());
            numbers.add(t.number());
        }
        assertEquals(6, numbers.size());
        assertNotEquals(rows.get(0).worker(), rows.get(1).worker());
    }
}
