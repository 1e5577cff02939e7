package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.ask.AskedTrial;
import dev.tuna.tune.ask.CommandObjective;
import dev.tuna.tune.ask.SearchDefinition;
import dev.tuna.tune.ask.SpaceFile;
import dev.tuna.tune.ask.Study;
import dev.tuna.tune.oracle.Oracles;
import dev.tuna.tune.study.StudyLocation;
import dev.tuna.tune.study.TrialRow;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.Tuner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code tuna tune SPACE.yaml --command 'PROGRAM {hp} ...'}: the search of any program, one run of it per trial
 * ({@link CommandObjective}), on a study as {@code tuna tune} keeps one: resumed by a rerun, a killed worker's
 * trial rerun, parallel workers in this process ({@code --workers}) or in several, read by trials, best and report.
 */
final class CommandTune {
    private CommandTune() {}

    static int run(TuneCommand c) {
        PrintWriter out = c.spec.commandLine().getOut();
        String flagsFor = "with --command";
        if (c.hypermodel != null) throw new BadInputException("--hypermodel: not " + flagsFor + " (the program is the model)");
        if (c.executions != null) throw new BadInputException("--executions-per-trial: not " + flagsFor + "; run the program several times inside the command");
        if (c.devicesPerTrial != 1) throw new BadInputException("--devices-per-trial: not " + flagsFor + "; the program chooses its own devices");
        SpaceFile.Parsed parsed = SpaceFile.read(c.specFile, c.overrides);
        SearchDefinition d = parsed.definition();
        if (c.oracle != null) {
            if (!Oracles.NAMES.contains(c.oracle)) throw new BadInputException("--oracle " + c.oracle + ": expected " + String.join(", ", Oracles.NAMES));
            d = d.withOracle(c.oracle, c.oracle.equals(d.oracle()) ? d.oracleSettings() : Map.of());
        }
        if (c.objective != null || c.direction != null) {
            try {
                d = d.withObjective(dev.tuna.tune.Objective.of(c.objective != null ? c.objective : d.objective().metric(),
                        c.direction != null ? c.direction : c.objective != null ? null : d.objective().direction()));
            } catch (IllegalArgumentException e) {
                throw new BadInputException((c.objective != null ? "--objective " : "--direction ") + e.getMessage());
            }
        }
        if (c.common.seed != null) d = d.withSeed(c.common.seed);
        if (c.maxTrials != null) {
            if (c.maxTrials <= 0) throw new BadInputException("--max-trials " + c.maxTrials + ": expected a positive integer");
            d = d.withMaxTrials(c.maxTrials);
        } else if (d.maxTrials() == 0) {
            d = d.withMaxTrials(dev.tuna.tune.TuneSpec.DEFAULT_MAX_TRIALS); // a search that runs programs has a budget, as tuna tune's does
        }
        if (c.workers != null && c.workers <= 0) throw new BadInputException("--workers " + c.workers + ": expected a positive integer");
        // A program may use every core or the GPU itself: one at a time unless told otherwise.
        int workers = c.workers != null ? c.workers : parsed.workers() > 0 ? parsed.workers() : 1;
        // An unknown placeholder is refused before the study is opened or made: no trial runs, nothing is written.
        dev.tuna.tune.ask.CommandTemplate.parse(c.command, CommandObjective.placeholders(d), "--command");
        String name = c.specFile.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        String given = c.study != null ? c.study : c.storage.shared() ? name : Path.of("studies", name).toString();
        StudyLocation at = c.storage.location(given);
        if (c.overwrite) dev.tuna.tune.study.StudyStore.open(at, true).close();
        try (Study study = Study.open(at, d);
             CommandObjective program = new CommandObjective(c.command, study.definition(), study.store().dir(), Path.of("").toAbsolutePath())) {
            String shown = StudyOptions.shown(at, given);
            int before = (int) study.trials().stream().filter(r -> r.state() == TrialState.COMPLETE || r.state() == TrialState.FAILED).count();
            out.print(study.space().summary());
            out.printf("Command: %s%n", program.template());
            if (before > 0) out.printf("Resuming the study in %s (%s finished)%n", shown, TunerOutput.count(before, "trial"));
            out.flush();
            String metric = study.definition().objective().metric();
            int budget = study.definition().maxTrials();
            Study.Result r = study.optimize(program, Integer.MAX_VALUE, workers, new Study.Progress() {
                @Override
                public void trialStarted(AskedTrial t) {
                    synchronized (out) {
                        out.printf("Trial %d/%d started: %s%n", t.shownNumber(), budget, values(t.values()));
                        out.flush();
                    }
                }

                @Override
                public void trialFinished(TrialRow f, TrialRow best, double seconds) {
                    String what = f.state() == TrialState.COMPLETE ? metric + " " + TunerOutput.fmt4(f.objective()) : "failed: " + f.reason();
                    String b = best == null ? "" : "; best " + TunerOutput.fmt4(best.objective()) + " (trial " + (best.number() + 1) + ")";
                    synchronized (out) {
                        out.printf("Trial %d/%d %s (%.1f s)%s%n", f.number() + 1, budget, what, seconds, b);
                        out.flush();
                    }
                }

                @Override
                public void interrupted(int released) {
                    synchronized (out) {
                        out.printf("%nInterrupted: %s back in the queue; rerun the same command to resume%n", TunerOutput.count(released, "running trial"));
                        out.flush();
                    }
                }
            });
            out.println();
            out.println("Search finished: " + r.stopReason() + "; this run completed " + TunerOutput.count(r.completed(), "trial") + ", " + r.failed() + " failed");
            List<TrialRow> best = study.definition().objective().best(study.trials(), 3);
            if (!best.isEmpty()) out.print(Ranking.table(best, study.definition().objective()));
            String next = c.storage.shared() ? "--storage " + Shell.quote(c.storage.shown()) + " --study " + Shell.quote(at.name()) : "--study " + Shell.quote(given);
            out.println("Study saved in " + shown + " (each trial's output in trials/trial-NNNN/); next: tuna trials " + next + ", tuna report " + next);
            out.flush();
            if (r.broken()) throw new Tuner.SearchBrokenException(r.stopReason());
        }
        return Main.EXIT_OK;
    }

    private static String values(Map<String, Object> v) {
        return v.entrySet().stream().map(e -> e.getKey() + "=" + TunerOutput.fmt(e.getValue())).collect(Collectors.joining(", "));
    }
}
