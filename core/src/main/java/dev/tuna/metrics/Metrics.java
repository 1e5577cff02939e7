package dev.tuna.metrics;

import java.util.List;

/** TEMPORARY until the metrics registry lands. */
public final class Metrics {
    private Metrics() {}

    public static boolean exists(String name) { return List.of("accuracy").contains(name); }

    public static Metric named(String name) { throw new IllegalArgumentException(name); }

    public static List<String> names() { return List.of("accuracy"); }
}
