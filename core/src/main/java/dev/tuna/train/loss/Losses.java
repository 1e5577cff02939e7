package dev.tuna.train.loss;

import java.util.List;

/** TEMPORARY until the losses land. */
public final class Losses {
    private Losses() {}

    public static boolean exists(String name) { return names().contains(name); }

    public static Loss parse(String name, dev.tuna.task.Task task) { return defaultFor(task); }

    public static Loss defaultFor(dev.tuna.task.Task task) { return dev.tuna.train.TaskSetup.classification().loss(); }

    public static List<String> names() { return List.of("sparse_categorical_crossentropy"); }
}
