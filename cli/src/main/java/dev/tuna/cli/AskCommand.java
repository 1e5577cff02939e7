package dev.tuna.cli;

import dev.tuna.data.Json;
import dev.tuna.tune.ask.AskedTrial;
import dev.tuna.tune.ask.NothingToAskException;
import dev.tuna.tune.ask.SearchDefinition;
import dev.tuna.tune.ask.SpaceFile;
import dev.tuna.tune.ask.Study;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Hands out one trial of a study to any program, as one JSON line; the study records its space, so only the first ask needs a space file. */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Print the next trial's number and hyperparameters as one JSON line, for any program to run; record its result with tuna tell.")
public final class AskCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPACE.yaml", description = "the space file (hyperparameters: and tune:); needed only when the study is new")
    Path spaceFile;

    @Option(names = "--study", paramLabel = "DIR|NAME", required = true, description = "the study folder; with --storage, the study's name")
    String study;

    @Mixin
    StorageOptions storage = new StorageOptions();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a value of the space file, e.g. --set tune.max_trials=50")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        SearchDefinition d = spaceFile == null ? null : SpaceFile.read(spaceFile, overrides).definition();
        if (spaceFile == null && !overrides.isEmpty()) throw new dev.tuna.errors.BadInputException("--set: only with a SPACE.yaml to apply it to");
        try (Study s = Study.open(storage.location(study), d)) {
            AskedTrial t;
            try {
                t = s.ask();
            } catch (NothingToAskException e) {
                // The normal end of a loop of asks, not bad input: a script's `while tuna ask ...` stops here.
                PrintWriter err = spec.commandLine().getErr();
                err.println("tuna: no trial to ask: " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            }
            out.println(Json.write(t.toJson()));
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
