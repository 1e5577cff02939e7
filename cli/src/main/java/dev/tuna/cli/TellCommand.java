package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.ask.Study;
import dev.tuna.tune.study.TrialRow;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Records the result of a trial that tuna ask handed out. */
@Command(name = "tell", mixinStandardHelpOptions = true, description = "Record an asked trial's objective value, or that it failed and why.")
public final class TellCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StudyOptions study;

    @Option(names = "--trial", paramLabel = "N", required = true, description = "the trial's number, as tuna ask printed it (1, 2, ...)")
    int trial;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Outcome outcome;

    static final class Outcome {
        @Option(names = "--value", paramLabel = "X", description = "the objective's value (a finite number)")
        String value;

        @Option(names = "--failed", paramLabel = "REASON", description = "the trial failed, and why")
        String failed;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (trial < 1) throw new BadInputException("--trial " + trial + ": expected a trial number from 1, as tuna ask printed it");
        double v = Double.NaN;
        if (outcome.value != null) {
            String x = outcome.value.strip();
            try {
                // nan and inf as Python and C print them are numbers too, just not finite ones.
                v = x.matches("(?i)[+-]?(nan|inf|infinity)") ? Double.NaN : Double.parseDouble(x);
            } catch (NumberFormatException e) {
                throw new BadInputException("--value " + outcome.value + ": expected a number");
            }
            if (!Double.isFinite(v)) throw new BadInputException("--value " + outcome.value + ": expected a finite number; use --failed REASON for a trial without one");
        } else if (outcome.failed.isBlank()) {
            throw new BadInputException("--failed: expected a reason");
        }
        try (Study s = Study.open(study.location(), null)) {
            String metric = s.definition().objective().metric();
            if (outcome.value != null) s.tell(trial - 1, v);
            else s.tellFailed(trial - 1, outcome.failed);
            TrialRow best = s.best().orElse(null);
            String bestText = best == null ? "no complete trial yet" : "best: trial " + (best.number() + 1) + ", " + TunerOutput.fmt4(best.objective());
            out.println("Trial " + trial + (outcome.value != null ? ": " + metric + " " + TunerOutput.fmt4(v) : ": failed (" + outcome.failed + ")")
                    + " recorded in " + study.shown() + " (" + bestText + ")");
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
