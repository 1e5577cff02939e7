package dev.tuna.train;

import java.util.Map;

/** Hooks into {@link Trainer#fit}; logs carry loss, accuracy, val_loss, val_accuracy. */
public interface Callback {
    default void onTrainBegin(Trainer trainer) {}

    /** Called after each epoch's validation; may ask the trainer to stop. */
    default void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {}

    default void onTrainEnd(Trainer trainer, History history) {}
}
