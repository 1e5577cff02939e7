package dev.tuna.cli;

import dev.tuna.train.ProgressListener;
import dev.tuna.tune.Objective;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.Tuner;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The search's output in KerasTuner's words: the search-space summary, "Search: Running Trial #N" with the
 * trial's values beside the best so far, Keras epoch lines, "Trial N Complete [time]", the best so far and
 * the elapsed time. With parallel workers each trial gets one line when it ends instead.
 */
final class TunerOutput implements Tuner.Listener {
    private final PrintWriter out;
    private final boolean live;
    private final Objective objective;
    private boolean parallel;
    private int finished;
    private String resume = "";

    TunerOutput(PrintWriter out, boolean live, Objective objective) {
        this.out = out;
        this.live = live;
        this.objective = objective;
    }

    /** The command that resumes this search, printed when it is interrupted. */
    void resumeWith(String command) { resume = command; }

    @Override
    public synchronized void onInterrupted(int runningReleased) {
        out.println();
        out.println("Interrupted: this run finished " + count(finished, "trial") + ", saved in the study with every earlier one"
                + (runningReleased > 0 ? "; " + runningReleased + (runningReleased == 1 ? " running trial goes" : " running trials go") + " back to the queue" : "")
                + (resume.isEmpty() ? "" : "; resume with: " + resume));
        out.flush();
    }

    /** "1 trial", "3 trials": a count with its noun in the right number. */
    static String count(long n, String noun) { return n + " " + noun + (n == 1 ? "" : "s"); }

    @Override
    public void onSearchBegin(SearchSpace space, int finishedBefore, int workers) {
        parallel = workers > 1;
        out.print(space.summary());
        out.printf("Objective: %s (%s)%s%n", objective.metric(), objective.maximize() ? "max" : "min",
                workers > 1 ? ", " + workers + " trials in parallel" : "");
        out.flush();
    }

    @Override
    public synchronized void onTrialBegin(TrialRow trial, Map<String, Object> values, TrialRow best) {
        if (parallel) return;
        out.println();
        out.println("Search: Running Trial #" + (trial.number() + 1) + (trial.attempts() > 1 ? " (rerun: its worker stopped)" : ""));
        out.println();
        out.printf("%-18s|%-18s|%s%n", "Value", "Best Value So Far", "Hyperparameter");
        Map<String, Object> bestValues = best == null ? Map.of() : best.values();
        for (var e : values.entrySet()) {
            out.printf("%-18s|%-18s|%s%n", fmt(e.getValue()), best == null ? "?" : fmt(bestValues.get(e.getKey())), e.getKey());
        }
        Object epochs = trial.meta().get("epochs");
        if (epochs != null) out.printf("(%s: epochs %s to %s)%n", describeMeta(trial), trial.meta().getOrDefault("initial_epoch", 0), epochs);
        out.println();
        out.flush();
    }

    @Override
    public ProgressListener progress(int trial, int execution, int executions) {
        if (parallel) return live ? new StatusProgress(trial, execution, executions) : ProgressListener.SILENT;
        if (executions > 1) {
            out.println("Execution " + (execution + 1) + "/" + executions);
        }
        return new KerasProgress(out, live);
    }

    // ---- parallel workers on a terminal: one status line with each running trial's epoch in flight -------------

    private final java.util.TreeMap<Integer, String> status = new java.util.TreeMap<>();
    private long lastDraw;

    private final class StatusProgress implements ProgressListener {
        private final int trial;
        private final String exec;
        private String epoch = "";

        StatusProgress(int trial, int execution, int executions) {
            this.trial = trial;
            this.exec = executions > 1 ? " run " + (execution + 1) + "/" + executions : "";
        }

        @Override
        public void onEpochBegin(int e, int epochs, int steps) { epoch = "epoch " + (e + 1) + "/" + epochs; }

        @Override
        public void onBatchEnd(int step, int steps, double loss, double accuracy) {
            int filled = steps == 0 ? 10 : 10 * step / steps;
            update(trial, "#" + (trial + 1) + exec + " " + epoch + " " + "\u2501".repeat(filled) + "\u001b[2m" + "\u2501".repeat(10 - filled) + "\u001b[0m", step == steps);
        }
    }

    private synchronized void update(int trial, String line, boolean force) {
        status.put(trial, line);
        long now = System.nanoTime();
        if (!force && now - lastDraw < 150_000_000L) return;
        lastDraw = now;
        out.print("\r" + String.join("  |  ", status.values()) + "\u001b[K");
        out.flush();
    }

    private void clearStatus(int finishedTrial) {
        status.remove(finishedTrial);
        if (live) out.print("\r\u001b[K");
    }

    @Override
    public synchronized void onTrialEnd(TrialRow t, TrialRow best, double elapsed) {
        finished++;
        String took = hms(t.finishedMillis() > 0 ? (t.finishedMillis() - t.startedMillis()) / 1000.0 : 0);
        String metric = objective.metric();
        if (parallel) {
            clearStatus(t.number());
            out.printf("Trial %d %s [%s] %s - best %s so far %s - elapsed %s%n", t.number() + 1,
                    t.state() == TrialState.COMPLETE ? "complete" : "FAILED", took,
                    t.state() == TrialState.COMPLETE ? metric + ": " + fmt4(t.objective()) : "(" + t.reason() + ")",
                    metric, best == null ? "-" : fmt4(best.objective()), hms(elapsed));
            out.printf("    %s%n", t.values());
            if (live && !status.isEmpty()) out.print(String.join("  |  ", status.values()) + "\u001b[K");
        } else {
            if (t.state() == TrialState.COMPLETE) {
                out.println("Trial " + (t.number() + 1) + " Complete [" + took + "]");
                out.println(metric + ": " + fmt4(t.objective()));
            } else {
                out.println("Trial " + (t.number() + 1) + " Failed [" + took + "]: " + t.reason());
            }
            out.println();
            out.println("Best " + metric + " So Far: " + (best == null ? "-" : fmt4(best.objective())));
            out.println("Total elapsed time: " + hms(elapsed));
        }
        out.flush();
    }

    /** The best trials as a table: rank, trial, objective, then one column per hyperparameter. */
    void resultsSummary(StudyStore store, int top) {
        List<TrialRow> best = objective.best(store.trials(), top);
        out.println();
        out.println("Results summary: the " + best.size() + " best trials by " + objective.metric() + " (" + objective.direction() + ")");
        out.print(Ranking.table(best, objective));
        out.flush();
    }

    private static String describeMeta(TrialRow t) {
        Object b = t.meta().get("bracket"), r = t.meta().get("round");
        return b == null ? "resumed" : "bracket " + b + ", round " + r;
    }

    static String fmt(Object v) {
        if (v == null) return "-";
        if (v instanceof Double d) return fmtFloat(d);
        return String.valueOf(v);
    }

    /**
     * A float hyperparameter in one style whatever its size, so a column never mixes "5.0" with "0.9900": four
     * significant digits, trailing zeros dropped but one decimal kept ("5.0", "0.99", "0.001235", "1.5e-05").
     */
    static String fmtFloat(double d) {
        if (!Double.isFinite(d)) return String.valueOf(d);
        String s = String.format(java.util.Locale.ROOT, "%.4g", d);
        String mant = s, exp = "";
        int e = s.indexOf('e');
        if (e >= 0) {
            mant = s.substring(0, e);
            exp = s.substring(e);
        }
        if (mant.contains(".")) {
            mant = mant.replaceAll("0+$", "");
            if (mant.endsWith(".")) mant += "0";
        }
        return mant + exp;
    }

    static String fmt4(double v) { return Double.isNaN(v) ? "-" : String.format("%.4f", v); }

    static String hms(double seconds) {
        long s = Math.round(seconds);
        return String.format("%02dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60);
    }
}
