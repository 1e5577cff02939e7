package dev.tuna.cli;

import dev.tuna.data.Json;
import dev.tuna.errors.BadInputException;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists a study's trials as a table, JSON or CSV. */
@Command(name = "trials", mixinStandardHelpOptions = true, description = "List a study's trials: state, objective, hyperparameters, epochs, time.")
public final class TrialsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    StudyOptions study;

    @Option(names = "--format", description = "table, json or csv (default: ${DEFAULT-VALUE})", defaultValue = "table")
    String format;

    @Override
    public Integer call() {
        if (!List.of("table", "json", "csv").contains(format)) throw new BadInputException("--format " + format + ": expected table, json or csv");
        PrintWriter out = spec.commandLine().getOut();
        try (StudyStore store = study.openReadOnly()) {
            List<TrialRow> trials = store.trials();
            String metric = store.meta("objective") == null ? "objective" : store.meta("objective");
            List<String> names = Ranking.names(trials);
            switch (format) {
                case "json" -> {
                    List<Object> arr = new ArrayList<>();
                    for (TrialRow r : trials) {
                        Map<String, Object> m = asMap(r, metric);
                        if (store.interruptedReason(r) != null) m.put("state", "INTERRUPTED");
                        else if (r.asked() && r.state() == dev.tuna.tune.TrialState.RUNNING) m.put("state", "ASKED");
                        arr.add(m);
                    }
                    out.println(Json.write(arr));
                }
                case "csv" -> {
                    List<String> head = new ArrayList<>(List.of("trial", "state", metric, "epochs", "seconds", "attempts"));
                    head.addAll(names);
                    head.add("reason");
                    out.println(String.join(",", head.stream().map(TrialsCommand::csv).toList()));
                    for (TrialRow r : trials) {
                        List<String> c = new ArrayList<>(List.of(String.valueOf(r.number() + 1), state(store, r).toUpperCase(java.util.Locale.ROOT),
                                Double.isNaN(r.objective()) ? "" : String.valueOf(r.objective()), epochs(r), seconds(r), String.valueOf(r.attempts())));
                        for (String n : names) c.add(r.values().containsKey(n) ? String.valueOf(r.values().get(n)) : "");
                        c.add(r.reason() == null ? "" : r.reason());
                        out.println(String.join(",", c.stream().map(TrialsCommand::csv).toList()));
                    }
                }
                default -> {
                    List<List<String>> cells = new ArrayList<>();
                    List<String> head = new ArrayList<>(List.of("trial", "state", metric, "epochs", "time"));
                    head.addAll(names);
                    head.add("note");
                    cells.add(head);
                    for (TrialRow r : trials) {
                        List<String> c = new ArrayList<>(List.of(String.valueOf(r.number() + 1), state(store, r),
                                TunerOutput.fmt4(r.objective()), epochs(r), seconds(r).isEmpty() ? "" : seconds(r) + "s"));
                        for (String n : names) c.add(TunerOutput.fmt(r.values().get(n)));
                        String gone = store.interruptedReason(r);
                        c.add(gone != null ? "its worker stopped (" + gone + "); rerun tuna tune to rerun it"
                                : r.asked() && r.state() == dev.tuna.tune.TrialState.RUNNING ? "asked; open until tuna tell --trial " + (r.number() + 1) : note(r));
                        cells.add(c);
                    }
                    out.print(TextTable.render(cells));
                    out.printf("%s in %s%n", TunerOutput.count(trials.size(), "trial"), study.shown());
                }
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /**
     * The state a user should see: a RUNNING trial whose worker is gone (kill -9, a dead machine) is shown as
     * interrupted; the study keeps it RUNNING until a worker requeues it.
     */
    private static String state(StudyStore store, TrialRow r) {
        if (store.interruptedReason(r) != null) return "interrupted";
        if (r.asked() && r.state() == dev.tuna.tune.TrialState.RUNNING) return "asked";
        return r.state().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String note(TrialRow r) {
        List<String> parts = new ArrayList<>();
        if (r.reason() != null && !r.reason().isEmpty()) parts.add(r.reason());
        if (r.meta().containsKey("bracket")) parts.add("bracket " + r.meta().get("bracket") + " round " + r.meta().get("round"));
        if (r.meta().containsKey("resume_from")) parts.add("from trial " + (((Number) r.meta().get("resume_from")).intValue() + 1));
        if (r.attempts() > 1) parts.add("attempt " + r.attempts());
        return String.join("; ", parts);
    }

    static String epochs(TrialRow r) {
        Object e = r.summary().get("epochs_run");
        return e instanceof List<?> l ? l.stream().map(String::valueOf).reduce((a, b) -> a + "+" + b).orElse("") : "";
    }

    static String seconds(TrialRow r) {
        return r.finishedMillis() > 0 ? String.format("%.1f", (r.finishedMillis() - r.startedMillis()) / 1000.0) : "";
    }

    static Map<String, Object> asMap(TrialRow r, String metric) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("trial", r.number() + 1);
        m.put("state", r.state().name());
        m.put(metric, Double.isNaN(r.objective()) ? null : r.objective());
        m.put("values", r.values());
        m.put("meta", r.meta());
        m.put("summary", r.summary());
        m.put("seed", r.seed());
        m.put("attempts", r.attempts());
        m.put("started", r.startedMillis());
        m.put("finished", r.finishedMillis());
        m.put("checkpoint", r.checkpoint());
        m.put("reason", r.reason());
        return m;
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
