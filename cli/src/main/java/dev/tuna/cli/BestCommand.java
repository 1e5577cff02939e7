package dev.tuna.cli;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.tune.Objective;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The best trials of a study by its objective. */
@Command(name = "best", mixinStandardHelpOptions = true, description = "Show the best trials of a study and their hyperparameters.")
public final class BestCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StudyOptions study;

    @Option(names = "--top", paramLabel = "N", description = "how many (default: ${DEFAULT-VALUE})", defaultValue = "1")
    int top;

    @Option(names = "--format", description = "table or json (default: ${DEFAULT-VALUE})", defaultValue = "table")
    String format;

    @Override
    public Integer call() {
        if (top <= 0) throw new BadInputException("--top " + top + ": expected a positive integer");
        if (!List.of("table", "json").contains(format)) throw new BadInputException("--format " + format + ": expected table or json");
        PrintWriter out = spec.commandLine().getOut();
        try (StudyStore store = study.openReadOnly()) {
            Objective objective = Objective.of(store);
            List<TrialRow> best = objective.best(store.trials(), top);
            if (format.equals("json")) {
                List<Object> arr = new ArrayList<>();
                for (TrialRow r : best) arr.add(TrialsCommand.asMap(r, objective.metric()));
                out.println(Json.write(arr));
            } else if (best.isEmpty()) {
                out.println("No complete trial in " + study.shown() + " yet");
            } else {
                out.print(Ranking.table(best, objective));
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
