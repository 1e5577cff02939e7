package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The tuna command: subcommands, version, and the mapping from failures to exit codes and one-line messages. */
@Command(name = "tuna", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Searches, trains and ensembles neural networks, on the CPU or on GPUs.",
        subcommands = {TrainCommand.class, TuneCommand.class, AskCommand.class, TellCommand.class, TrialsCommand.class, BestCommand.class, RetrainCommand.class, EnsembleCommand.class,
                PredictCommand.class, ReportCommand.class, BenchCommand.class,
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
        cl.setParameterExceptionHandler(Main::badArguments);
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            try {
                return run.execute(parsed);
            } catch (OutOfMemoryError e) {
                // An Error passes picocli's exception handler by; a model too big for the machine is one line, not a trace.
                PrintWriter err = cl.getErr();
                err.println("tuna: error: out of memory (" + (e.getMessage() == null ? "Java heap" : e.getMessage())
                        + "); the model, batch or data set is too large for this machine: reduce units, filters or batch_size");
                err.flush();
                return EXIT_FAILED;
            }
        });
        return cl;
    }

    /**
     * A flag or argument picocli cannot take (a type error, an unknown flag or command): one line saying what was
     * wrong and where help is, instead of the whole usage text.
     */
    private static int badArguments(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String msg = e.getMessage() == null ? "invalid arguments" : e.getMessage().lines().findFirst().orElse("invalid arguments");
        if (e instanceof CommandLine.UnmatchedArgumentException u && cmd.getParent() == null && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().getFirst().startsWith("-")) {
            msg = "unknown command '" + u.getUnmatched().getFirst() + "'; the commands are " + String.join(", ", cmd.getSubcommands().keySet());
        } else if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().getFirst();
            msg = (first.startsWith("-") ? "unknown option '" : "unexpected argument '") + first + "'";
        }
        err.println("tuna: " + msg + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return EXIT_BAD_INPUT;
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
