package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.report.StudyReport;
import dev.tuna.tune.study.StudyStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Charts and one self-contained HTML page for a study, to read a search without a notebook. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a study's charts (search, learning curves, hyperparameters, importance, ensemble; PNG and SVG) and report.html.")
public final class ReportCommand implements Callable<Integer> {
    static {
        System.setProperty("java.awt.headless", "true"); // charts are drawn without a display, before any AWT use
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StudyOptions study;

    @Option(names = "--out", paramLabel = "DIR", description = "the folder for the report (default: STUDY/report)")
    Path outDir;

    @Option(names = "--top", paramLabel = "K", description = "learning curves of the best K trials (default: ${DEFAULT-VALUE})", defaultValue = "5")
    int top;

    @Override
    public Integer call() {
        if (top <= 0) throw new BadInputException("--top " + top + ": expected a positive integer");
        PrintWriter out = spec.commandLine().getOut();
        try (StudyStore store = study.openReadOnly()) {
            Path dir = outDir != null ? outDir : study.dir().resolve("report");
            String flag = outDir != null ? "--out " + outDir : "--study " + study.shown();
            if (Files.exists(dir) && !Files.isDirectory(dir)) throw new BadInputException(flag + ": " + dir + " is a file, not a folder");
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new BadInputException(flag + ": cannot create " + dir + " (" + e.getMessage() + ")");
            }
            List<Path> files = StudyReport.write(store, dir, top);
            for (Path p : files) out.println(p);
            out.println("Report: " + files.getLast());
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
