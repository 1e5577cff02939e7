package dev.tuna.report;

import dev.tuna.data.Json;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import dev.tuna.tune.Objective;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.EpochRow;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jfree.chart.JFreeChart;

/**
 * The study report: reads a study made by {@code tuna tune} and writes its charts (search, learning_curves,
 * hyperparameters, importance and, once {@code tuna ensemble} stored {@value #ENSEMBLE_BLOB}, ensemble; each as
 * PNG and SVG) and {@code report.html}, one self-contained page with the SVGs inlined, for sharing as one file.
 * The hyperparameters chart is one image, a grid with a panel per hyperparameter.
 */
public final class StudyReport {
    static {
        System.setProperty("java.awt.headless", "true"); // before Charts touches AWT: no display on servers and in CI
    }

    /** The blob that {@code tuna ensemble} writes its result to. */
    public static final String ENSEMBLE_BLOB = "ensemble.json";
    /** The page's file name in the output folder. */
    public static final String HTML_FILE = "report.html";
    /** Rows of the page's table of best trials. */
    static final int TABLE_ROWS = 10;
    /** The importance forest's seed: a report of the same study must not change from one run to the next. */
    static final long IMPORTANCE_SEED = 42;

    private StudyReport() {}

    /** One section of the page: its chart (inline SVG, or null with a note saying why there is none) and texts. */
    private record Section(String id, String heading, String svg, String caption, String html) {}

    /**
     * Writes the charts and report.html into out (created if missing) for the study's best top trials in the
     * learning curves; returns the files written, report.html last. Throws BadInputException when the study has
     * no objective recorded.
     */
    public static List<Path> write(StudyStore store, Path out, int top) {
        if (top <= 0) throw new IllegalArgumentException("top must be positive, got " + top);
        Objective objective = Objective.of(store);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot create the report folder: " + e.getMessage(), e);
        }
        List<TrialRow> trials = store.trials();
        List<TrialRow> complete = trials.stream().filter(r -> r.state() == TrialState.COMPLETE && Double.isFinite(r.objective())).toList();
        List<String> params = parameterNames(complete.isEmpty() ? trials : complete);
        List<Path> written = new ArrayList<>();
        List<Section> sections = new ArrayList<>();
        sections.add(search(objective, trials, complete, out, written));
        sections.add(learningCurves(store, objective, trials, top, out, written));
        sections.add(hyperparameters(objective, complete, params, out, written));
        sections.add(importance(complete, out, written));
        sections.add(ensemble(store, out, written));
        Path html = out.resolve(HTML_FILE);
        try {
            Files.writeString(html, page(store, objective, trials, params, sections), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(html + ": cannot write: " + e.getMessage(), e);
        }
        written.add(html);
        return written;
    }

    // ---- sections ------------------------------------------------------------------------------------------

    private static Section search(Objective objective, List<TrialRow> trials, List<TrialRow> complete, Path out, List<Path> written) {
        String heading = "Search";
        if (complete.isEmpty()) return new Section("search", heading, null, null, note("No complete trial yet: nothing to plot."));
        List<Charts.Point> points = complete.stream().map(r -> new Charts.Point(r.number() + 1, r.objective())).toList();
        List<Integer> failed = trials.stream().filter(r -> r.state() == TrialState.FAILED).map(r -> r.number() + 1).toList();
        JFreeChart c = Charts.search(objective.metric(), objective.maximize(), points, failed);
        String svg = save(Charts.write(c, 900, 450, out, "search"), written);
        String caption = "Each complete trial's " + objective.metric() + " by trial number (blue), the best so far as a step line (orange)"
                + (failed.isEmpty() ? "" : ", failed trials as red crosses along the bottom") + ".";
        return new Section("search", heading, svg, caption, "");
    }

    /** Panels of learning curves at most: the objective, val_loss and the first other metrics logged. */
    static final int MAX_CURVES = 5;

    private static Section learningCurves(StudyStore store, Objective objective, List<TrialRow> trials, int top, Path out, List<Path> written) {
        String heading = "Learning curves";
        List<TrialRow> best = objective.best(trials, top);
        if (best.isEmpty()) return new Section("learning_curves", heading, null, null, note("No complete trial yet: no learning curves."));
        // The objective first, then the validation loss and every other validation metric the trials logged (the
        // job's metrics: list), at most MAX_CURVES panels.
        List<String> wanted = new ArrayList<>(List.of(objective.metric()));
        wanted.add(objective.metric().equals("val_loss") ? "val_accuracy" : "val_loss");
        if (!wanted.contains("val_accuracy")) wanted.add("val_accuracy");
        for (TrialRow r : best) {
            for (EpochRow e : store.epochs(r.number())) {
                for (String k : e.metrics().keySet()) if (k.startsWith("val_") && !wanted.contains(k)) wanted.add(k);
            }
        }
        Set<String> seen = new LinkedHashSet<>();
        List<Charts.Curve> curves = new ArrayList<>();
        for (TrialRow r : best) {
            // Mean over executions, epoch by epoch: the objective itself averages executions the same way.
            Map<String, TreeMap<Integer, double[]>> acc = new LinkedHashMap<>();
            for (EpochRow e : store.epochs(r.number())) {
                for (String metric : wanted) {
                    Double v = e.metrics().get(metric);
                    if (v == null || !Double.isFinite(v)) continue;
                    double[] s = acc.computeIfAbsent(metric, k -> new TreeMap<>()).computeIfAbsent(e.epoch(), k -> new double[2]);
                    s[0] += v;
                    s[1]++;
                    seen.add(metric);
                }
            }
            Map<String, List<Charts.Point>> byMetric = new LinkedHashMap<>();
            acc.forEach((metric, epochs) -> byMetric.put(metric,
                    epochs.entrySet().stream().map(e -> new Charts.Point(e.getKey() + 1, e.getValue()[0] / e.getValue()[1])).toList()));
            curves.add(new Charts.Curve("trial " + (r.number() + 1) + " (" + fmt4(r.objective()) + ")", byMetric));
        }
        List<String> metrics = wanted.stream().filter(seen::contains).limit(MAX_CURVES).toList();
        if (metrics.isEmpty()) return new Section("learning_curves", heading, null, null, note("The best trials have no per-epoch metrics recorded."));
        JFreeChart c = Charts.learningCurves(metrics, curves);
        String svg = save(Charts.write(c, 900, 300 + 230 * metrics.size(), out, "learning_curves"), written);
        String caption = String.join(" and ", metrics) + " per epoch (1 = after the first epoch) of the best " + best.size()
                + " trials by " + objective.metric() + ", averaged over executions; the legend gives each trial's objective.";
        return new Section("learning_curves", heading, svg, caption, "");
    }

    private static Section hyperparameters(Objective objective, List<TrialRow> complete, List<String> params, Path out, List<Path> written) {
        String heading = "Hyperparameters";
        if (complete.isEmpty()) return new Section("hyperparameters", heading, null, null, note("No complete trial yet."));
        if (params.isEmpty()) return new Section("hyperparameters", heading, null, null, note("The trials have no hyperparameters."));
        List<Double> y = complete.stream().map(TrialRow::objective).toList();
        int bestIndex = complete.indexOf(objective.best(complete, 1).getFirst());
        List<JFreeChart> panels = new ArrayList<>();
        for (String p : params) {
            List<Object> values = complete.stream().map(r -> r.values().get(p)).toList();
            int inactive = (int) values.stream().filter(v -> v == null).count();
            boolean numeric = values.stream().allMatch(v -> v == null || v instanceof Number);
            List<String> categories = null;
            boolean log = false;
            if (numeric) {
                log = ParameterImportance.logScale(values.stream().filter(v -> v != null).map(v -> ((Number) v).doubleValue()).toList());
            } else {
                categories = new ArrayList<>(new TreeSet<>(values.stream().filter(v -> v != null).map(String::valueOf).toList()));
            }
            panels.add(Charts.parameter(p, objective.metric(), values, y, bestIndex, categories, log, inactive));
        }
        int cols = Math.min(3, panels.size());
        String svg = save(Charts.writeGrid(panels, cols, 400, 300, out, "hyperparameters"), written);
        String caption = "Each hyperparameter against " + objective.metric() + ", one point per complete trial, the best trial in red;"
                + " categories are spread sideways a little so that equal points stay visible; [n inactive] counts trials where a"
                + " conditional hyperparameter did not apply.";
        return new Section("hyperparameters", heading, svg, caption, "");
    }

    private static Section importance(List<TrialRow> complete, Path out, List<Path> written) {
        String heading = "Hyperparameter importance";
        String method = "<p class=\"method\"><b>Method.</b> " + esc(ParameterImportance.METHOD) + "</p>";
        List<Map<String, Object>> configs = complete.stream().map(TrialRow::values).toList();
        double[] y = complete.stream().mapToDouble(TrialRow::objective).toArray();
        Optional<String> why = ParameterImportance.unavailable(configs, y);
        if (why.isPresent()) return new Section("importance", heading, null, null, note("Not computed: " + why.get() + ".") + method);
        ParameterImportance.Result r = ParameterImportance.analyse(configs, y, IMPORTANCE_SEED);
        JFreeChart c = Charts.importance(r.shares(), r.signal());
        String svg = save(Charts.write(c, 800, 150 + 42 * r.shares().size(), out, "importance"), written);
        StringBuilder t = new StringBuilder("<table><tr><th>hyperparameter</th><th>share</th><th>out-of-bag MSE increase</th></tr>");
        r.shares().forEach((k, v) -> t.append("<tr><td>").append(esc(k)).append("</td><td class=\"num\">")
                .append(String.format(Locale.ROOT, "%.1f%%", 100 * v)).append("</td><td class=\"num\">")
                .append(String.format(Locale.ROOT, "%.3g", r.mseIncrease().get(k))).append("</td></tr>"));
        t.append("</table>");
        String extra = (r.signal() ? "" : note("Not enough trials for any hyperparameter to stand out: the shares are equal."))
                + t + String.format(Locale.ROOT, "<p>Out-of-bag MSE of the forest (unshuffled): %.3g over %d complete trials.</p>", r.oobMse(), y.length)
                + method;
        String caption = "The share of each varying hyperparameter in explaining the objective across " + y.length + " complete trials.";
        return new Section("importance", heading, svg, caption, extra);
    }

    /** The {@value #ENSEMBLE_BLOB} written by tuna ensemble, as far as this report reads it. */
    private record Member(String name, String kind, double weight, Map<String, Double> scores) {}

    /**
     * The figures tuna ensemble records per task (Scores.summary's keys, log_loss kept as loss, plus the task's loss),
     * the first being the headline that the bars show. The loss is log-loss for a classifier and MSE for a regressor.
     */
    enum Figures {
        CLASSIFICATION(List.of("accuracy", "loss")),
        BINARY(List.of("auc", "loss", "accuracy")),
        REGRESSION(List.of("rmse", "mae", "r2", "loss"));

        final List<String> keys;

        Figures(List<String> keys) { this.keys = keys; }

        String headline() { return keys.getFirst(); }

        /** Whether a larger value of the figure is better (the loss, RMSE and MAE: smaller). */
        static boolean larger(String key) { return Scores.larger(key); }

        String label(String key) {
            if (key.equals("loss")) return this == REGRESSION ? "MSE" : "log-loss";
            return Scores.label(key);
        }

        /**
         * The task the summary was made for: its "task" entry, else what its keys show (summaries made before
         * tasks hold only accuracy and loss: classification).
         */
        static Figures of(Map<?, ?> root, Map<?, ?> ensemble) {
            if (root.get("task") instanceof String t) return valueOf(Task.parse(t, ENSEMBLE_BLOB + ": task").name());
            if (ensemble != null && ensemble.containsKey("test_rmse")) return REGRESSION;
            if (ensemble != null && ensemble.containsKey("test_auc")) return BINARY;
            return CLASSIFICATION;
        }
    }

    private static Section ensemble(StudyStore store, Path out, List<Path> written) {
        String heading = "Ensemble";
        Optional<byte[]> blob = store.blob(ENSEMBLE_BLOB);
        if (blob.isEmpty()) {
            return new Section("ensemble", heading, null, null, note("No ensemble yet: run tuna ensemble --study " + store.dir()));
        }
        String method;
        Figures fig;
        List<Member> members = new ArrayList<>();
        Map<String, Double> ensemble, average;
        String bestSingle;
        try {
            Map<?, ?> root = (Map<?, ?>) Json.parse(new String(blob.get(), StandardCharsets.UTF_8));
            method = String.valueOf(root.get("method") == null ? "?" : root.get("method"));
            fig = Figures.of(root, (Map<?, ?>) root.get("ensemble"));
            for (Object o : (List<?>) root.get("members")) {
                Map<?, ?> mm = (Map<?, ?>) o;
                members.add(new Member(String.valueOf(mm.get("name")), String.valueOf(mm.get("kind")), num(mm.get("weight")), scores(fig, mm)));
            }
            ensemble = scores(fig, (Map<?, ?>) root.get("ensemble"));
            average = root.get("average") instanceof Map<?, ?> a ? scores(fig, a) : null;
            bestSingle = root.get("best_single") == null ? null : String.valueOf(root.get("best_single"));
        } catch (RuntimeException e) {
            return new Section("ensemble", heading, null, null, note(ENSEMBLE_BLOB + " in the study could not be read (" + e + "); rerun tuna ensemble."));
        }
        if (members.isEmpty()) return new Section("ensemble", heading, null, null, note(ENSEMBLE_BLOB + " lists no members."));
        String h = fig.headline();
        boolean larger = Figures.larger(h);
        String testH = "test " + fig.label(h);
        // The best single member as tuna ensemble named it; failing that, the one with the best validation headline.
        Comparator<Member> byVal = Comparator.comparingDouble(x -> worstIfNaN(x.scores().get("val_" + h), larger));
        Member best = members.stream().filter(x -> x.name().equals(bestSingle)).findFirst()
                .orElse((larger ? members.stream().max(byVal) : members.stream().min(byVal)).orElseThrow());
        // Positive when the ensemble is better, whichever way the figure points.
        double diff = ensemble.get("test_" + h) - best.scores().get("test_" + h);
        double gain = larger ? diff : -diff;

        List<Charts.Bar> weights = members.stream().map(x -> new Charts.Bar(x.name(), x.weight(), x.kind())).toList();
        List<Charts.Bar> bars = new ArrayList<>();
        for (Member x : members) bars.add(new Charts.Bar(x.name() + " (" + x.kind() + ")", x.scores().get("test_" + h), x.kind()));
        if (average != null) bars.add(new Charts.Bar("plain average", average.get("test_" + h), "average"));
        bars.add(new Charts.Bar("ensemble", ensemble.get("test_" + h), "ensemble"));
        double lo = bars.stream().mapToDouble(Charts.Bar::value).filter(Double::isFinite).min().orElse(0);
        double hi = bars.stream().mapToDouble(Charts.Bar::value).filter(Double::isFinite).max().orElse(1);
        double span = Math.max(hi - lo, larger ? 0.01 : Math.max(Math.abs(hi) * 0.01, 1e-6));
        // Accuracy and AUC lie in [0, 1]; an error (RMSE) is at least 0 and has no upper bound.
        double lower = Math.max(0, lo - span * 0.6), upper = larger ? Math.min(1.0, hi + span * 0.35) : hi + span * 0.35;
        String gainText = Double.isFinite(gain) ? String.format(Locale.ROOT, "%+.4f", gain) : "n/a";
        String direction = larger ? "" : " (lower is better)";
        double wMax = weights.stream().mapToDouble(Charts.Bar::value).max().orElse(1);
        // Room after the longest bar for its label, also when one member holds (nearly) all the weight.
        JFreeChart wChart = Charts.bars("Ensemble (" + method + "): member weights", "weight", weights, new DecimalFormat("0.000"), 0,
                Math.min(wMax * 1.2 + 0.02, wMax + 0.12));
        JFreeChart aChart = Charts.bars(capitalise(testH) + direction + ": ensemble " + gainText + (larger ? " over" : " better than") + " the best single member ("
                + best.name() + ")", testH, bars, new DecimalFormat("0.0000"), lower, upper);
        int rows = Math.max(weights.size(), bars.size());
        String svg = save(Charts.writeGrid(List.of(wChart, aChart), 1, 900, 140 + 38 * rows, out, "ensemble"), written);

        StringBuilder t = new StringBuilder("<table><tr><th>member</th><th>kind</th><th>weight</th>");
        for (String phase : List.of("val", "test")) for (String k : fig.keys) t.append("<th>").append(phase).append(' ').append(esc(fig.label(k))).append("</th>");
        t.append("</tr>");
        for (Member x : members) {
            t.append("<tr").append(x == best ? " class=\"best\"" : "").append("><td>").append(esc(x.name())).append(x == best ? " (best single)" : "")
                    .append("</td><td>").append(esc(x.kind())).append("</td><td class=\"num\">").append(String.format(Locale.ROOT, "%.3f", x.weight()))
                    .append("</td>").append(scoreCells(fig, x.scores())).append("</tr>");
        }
        if (average != null) t.append("<tr class=\"summary\"><td>plain average</td><td>all members</td><td class=\"num\">equal</td>").append(scoreCells(fig, average)).append("</tr>");
        t.append("<tr class=\"summary\"><td>ensemble</td><td>").append(esc(method)).append("</td><td class=\"num\">above</td>").append(scoreCells(fig, ensemble)).append("</tr></table>");
        t.append("<p>Gain of the ensemble over the best single member (").append(esc(best.name())).append(") in ").append(esc(testH))
                .append(larger ? "" : " (lower is better, so the gain is how much lower the ensemble's is)").append(": <b>").append(esc(gainText)).append("</b>.</p>");
        String caption = "Top: each member's weight in the ensemble. Bottom: " + testH + " of each member, of the plain average of all"
                + " members and of the weighted ensemble" + (larger ? "." : "; lower is better.");
        return new Section("ensemble", heading, svg, caption, t.toString());
    }

    /** The figures' val_ and test_ entries of a member, the average or the ensemble (NaN where absent). */
    private static Map<String, Double> scores(Figures fig, Map<?, ?> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String phase : List.of("val_", "test_")) for (String k : fig.keys) out.put(phase + k, m == null ? Double.NaN : num(m.get(phase + k)));
        return out;
    }

    private static String scoreCells(Figures fig, Map<String, Double> s) {
        StringBuilder b = new StringBuilder();
        for (String phase : List.of("val_", "test_")) for (String k : fig.keys) b.append("<td class=\"num\">").append(fmt4(s.get(phase + k))).append("</td>");
        return b.toString();
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static double num(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** A missing figure ranks last: below every other when larger is better, above every other when smaller is. */
    private static double worstIfNaN(Double v, boolean larger) {
        return v == null || Double.isNaN(v) ? (larger ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY) : v;
    }

    // ---- the page ------------------------------------------------------------------------------------------

    private static String page(StudyStore store, Objective objective, List<TrialRow> trials, List<String> params, List<Section> sections) {
        StringBuilder h = new StringBuilder();
        String title = "Study report: " + store.dir();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}\n")
                .append("th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.best td{background:#fff6e0}\n")
                .append("tr.summary td{font-weight:bold;background:#f7f7f7}figure{margin:1em 0}figure svg{max-width:100%;height:auto}\n")
                .append("figcaption{color:#555;font-size:14px}.note{background:#f5f5f5;border-left:4px solid #999;padding:.5em 1em}\n")
                .append(".method{font-size:14px;color:#444}code{background:#f3f3f3;padding:0 3px}\n</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        Map<TrialState, Long> counts = new TreeMap<>();
        for (TrialRow r : trials) counts.merge(r.state(), 1L, Long::sum);
        String spec = store.meta("spec_file");
        h.append("<p>Spec: <code>").append(esc(spec == null ? "(not recorded)" : spec)).append("</code><br>Objective: <b>")
                .append(esc(objective.metric())).append("</b> (").append(objective.maximize() ? "maximise" : "minimise").append(")<br>Trials: ")
                .append(trials.size());
        counts.forEach((s, n) -> h.append(", ").append(n).append(' ').append(s.name().toLowerCase(Locale.ROOT)));
        String oracle = store.meta("oracle");
        if (oracle != null) h.append("<br>Oracle: <code>").append(esc(oracle)).append("</code>");
        h.append("</p>\n");

        List<TrialRow> best = objective.best(trials, TABLE_ROWS);
        h.append("<h2 id=\"best\">Best trials</h2>\n");
        if (best.isEmpty()) {
            h.append(note("No complete trial yet."));
        } else {
            h.append("<table><tr><th>rank</th><th>trial</th><th>").append(esc(objective.metric())).append("</th>");
            for (String p : params) h.append("<th>").append(esc(p)).append("</th>");
            h.append("</tr>\n");
            for (int i = 0; i < best.size(); i++) {
                TrialRow r = best.get(i);
                h.append("<tr><td class=\"num\">").append(i + 1).append("</td><td class=\"num\">").append(r.number() + 1)
                        .append("</td><td class=\"num\">").append(fmt4(r.objective())).append("</td>");
                for (String p : params) {
                    Object v = r.values().get(p);
                    h.append(v instanceof Number ? "<td class=\"num\">" : "<td>").append(v == null ? "&mdash;" : esc(value(v))).append("</td>");
                }
                h.append("</tr>\n");
            }
            h.append("</table>\n");
        }
        for (Section s : sections) {
            h.append("<h2 id=\"").append(s.id()).append("\">").append(esc(s.heading())).append("</h2>\n");
            if (s.svg() != null) h.append("<figure>").append(s.svg()).append("\n<figcaption>").append(esc(s.caption())).append("</figcaption></figure>\n");
            h.append(s.html()).append('\n');
        }
        h.append("<p class=\"method\">Made by <code>tuna report</code>; the charts are also in this folder as PNG and SVG files.</p>\n</body></html>\n");
        return h.toString();
    }

    /** Keeps the written paths and returns the SVG for inlining, without its XML prolog (not allowed inside HTML). */
    private static String save(List<Path> files, List<Path> written) {
        written.addAll(files);
        Path svg = files.stream().filter(p -> p.toString().endsWith(".svg")).findFirst().orElseThrow();
        try {
            String text = Files.readString(svg, StandardCharsets.UTF_8);
            return text.substring(text.indexOf("<svg"));
        } catch (IOException e) {
            throw new UncheckedIOException(svg + ": cannot read back: " + e.getMessage(), e);
        }
    }

    /** The hyperparameter names of the trials, in first-seen order. */
    private static List<String> parameterNames(List<TrialRow> trials) {
        Set<String> names = new LinkedHashSet<>();
        for (TrialRow r : trials) names.addAll(r.values().keySet());
        return List.copyOf(names);
    }

    private static String note(String text) {
        return "<p class=\"note\">" + esc(text) + "</p>";
    }

    static String value(Object v) {
        if (v instanceof Double d) return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d) : String.format(Locale.ROOT, "%.4g", d);
        return String.valueOf(v);
    }

    static String fmt4(Double v) {
        return v == null || Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** Escapes text for HTML element content and attribute values. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
