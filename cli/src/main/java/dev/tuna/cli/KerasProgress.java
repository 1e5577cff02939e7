package dev.tuna.cli;

import dev.tuna.train.ProgressListener;
import java.io.PrintWriter;
import java.util.Map;

/**
 * Keras-style progress: "Epoch 3/10", a bar redrawn in place while the epoch runs (only on a terminal),
 * then one line with the step count, time, per-step time and the metrics.
 */
final class KerasProgress implements ProgressListener {
    private static final int WIDTH = 20;
    private final PrintWriter out;
    private final boolean live;
    private long epochStart;
    private long lastDraw;
    private int steps;

    KerasProgress(PrintWriter out, boolean live) {
        this.out = out;
        this.live = live;
    }

    @Override
    public void onEpochBegin(int epoch, int epochs, int steps) {
        out.println("Epoch " + (epoch + 1) + "/" + epochs);
        out.flush();
        epochStart = System.nanoTime();
        lastDraw = 0;
        this.steps = steps;
    }

    @Override
    public void onBatchEnd(int step, int steps, double loss, double accuracy) {
        if (!live) return;
        long now = System.nanoTime();
        if (step < steps && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        double secs = (now - epochStart) / 1e9;
        double eta = step == 0 ? 0 : secs / step * (steps - step);
        out.print("\r" + bar(step, steps) + " " + (step < steps ? "ETA " + fmtSecs(eta) : fmtSecs(secs))
                + (Double.isNaN(accuracy) ? "" : String.format(" - accuracy: %.4f", accuracy)) + String.format(" - loss: %.4f\u001b[K", loss));
        out.flush();
    }

    @Override
    public void onEpochEnd(int epoch, int epochs, Map<String, Double> logs, double seconds) {
        if (live) out.print("\r\u001b[K");
        out.println(line(steps, logs, seconds));
        out.flush();
    }

    /** The epoch summary line, as Keras 3 prints it: steps, bar, time, time per step, metrics. */
    static String line(int steps, Map<String, Double> logs, double seconds) {
        StringBuilder s = new StringBuilder();
        s.append(steps).append('/').append(steps).append(' ').append("\u2501".repeat(WIDTH)).append(' ');
        s.append(fmtSecs(seconds)).append(' ').append(fmtStep(seconds / Math.max(1, steps)));
        // As Keras 3 orders them: the training figures by name, then the validation ones by name.
        java.util.List<String> keys = logs.keySet().stream().filter(k -> !k.equals("time"))
                .sorted(java.util.Comparator.comparing((String k) -> k.startsWith("val_")).thenComparing(k -> k)).toList();
        for (String k : keys) s.append(String.format(" - %s: %.4f", k, logs.get(k)));
        return s.toString();
    }

    private static String bar(int step, int steps) {
        int filled = steps == 0 ? WIDTH : (int) ((long) WIDTH * step / steps);
        String w = String.valueOf(steps);
        return String.format("%" + w.length() + "d/%s ", step, w) + "\u2501".repeat(filled) + "\u001b[2m" + "\u2501".repeat(WIDTH - filled) + "\u001b[0m";
    }

    static String fmtStep(double s) {
        return s < 1e-3 ? String.format("%dus/step", Math.round(s * 1e6)) : String.format("%dms/step", Math.round(s * 1e3));
    }

    static String fmtSecs(double s) {
        if (s < 1) return String.format("%dms", Math.round(s * 1000));
        if (s < 60) return String.format("%.1fs", s);
        return String.format("%dm%02ds", (long) s / 60, (long) s % 60);
    }
}
