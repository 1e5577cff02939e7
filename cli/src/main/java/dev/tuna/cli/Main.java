package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The tuna command: subcommands, version, and the mapping from failures to exit codes and one-line messages. */
@Command(name = "tuna", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Searches, trains and ensembles neural networks, on the CPU or on GPUs.",
        subcommands = {TrainCommand.class, TuneCommand.class, TrialsCommand.class, BestCommand.class, RetrainCommand.class, EnsembleCommand.class,
                PredictCommand.class, ReportCommand.class,
                DevicesCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** A configured command line; tests call execute() on it with their own writers. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::handle);
        cl.setExitCodeExceptionMapper(e -> e instanceof BadInputException || e instanceof IllegalArgumentException
                || e instanceof CommandLine.ParameterException ? EXIT_BAD_INPUT : EXIT_FAILED);
        cl.getCommandSpec().exitCodeOnInvalidInput(EXIT_BAD_INPUT);
        return cl;
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean verbose = false;
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) verbose |= p.hasMatchedOption("--verbose");
        if (verbose) e.printStackTrace(err);
        boolean bad = e instanceof BadInputException || e instanceof IllegalArgumentException;
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        err.println("tuna: " + (bad ? "" : "error: ") + msg.lines().findFirst().orElse(msg)
                + (verbose || bad ? "" : " (run with --verbose for details)"));
        err.flush();
        return bad ? EXIT_BAD_INPUT : EXIT_FAILED;
    }

    /** The version from the jar manifest, or the development version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tuna " + (v == null ? "0.1.0" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
