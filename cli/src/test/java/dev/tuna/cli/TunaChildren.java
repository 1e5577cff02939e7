package dev.tuna.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * `tuna` child processes for tests of what happens across processes: started with this JVM's class path and module
 * flags, their output piped back, read line by line with blocking reads (a state a test waits for is a line the
 * child prints, never a clock).
 */
final class TunaChildren {
    private TunaChildren() {}

    /** A `tuna` child JVM with its stdout and stderr merged into one pipe. */
    static ProcessBuilder tuna(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-modules") || a.startsWith("--enable-native-access") || a.startsWith("-XX:-UseProfiledLoopPredicate") || a.startsWith("-Xss")) cmd.add(a);
        }
        cmd.add("-Xmx384m");
        cmd.add("-XX:TieredStopAtLevel=1"); // many short-lived children on two cores: start fast rather than peak
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    /**
     * Reads the child's output into log until a line matches: a blocking read. A child that exits first ends the
     * read at EOF, and the test fails with what it printed.
     */
    static String awaitLine(Process p, Predicate<String> wanted, StringBuilder log, String what) throws IOException {
        BufferedReader in = p.inputReader();
        String line;
        while ((line = in.readLine()) != null) {
            log.append(line).append('\n');
            if (wanted.test(line)) return line;
        }
        throw new AssertionError("the child exited before " + what + ":\n" + log);
    }

    /** The rest of the child's output, to EOF. */
    static String readRest(Process p, StringBuilder log) throws IOException {
        BufferedReader in = p.inputReader();
        String line;
        while ((line = in.readLine()) != null) log.append(line).append('\n');
        return log.toString();
    }

    /** Reads a child's output to EOF on a thread of its own, so that a child writing a lot never blocks on a full pipe. */
    static Thread drain(Process p, StringBuilder log) {
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                readRest(p, log);
            } catch (IOException e) {
                synchronized (log) {
                    log.append("(reading failed: ").append(e).append(")\n");
                }
            }
        });
        return t;
    }
}
