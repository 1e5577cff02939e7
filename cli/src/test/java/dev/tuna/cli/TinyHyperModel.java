package dev.tuna.cli;

import dev.tuna.nn.OutputHead;
import dev.tuna.nn.Dense;
import dev.tuna.nn.Model;
import dev.tuna.tensor.Shape;
import dev.tuna.tune.HyperModel;
import dev.tuna.tune.HyperParameters;
import java.util.List;

/** A researcher's hypermodel written in Java: one hidden layer whose width is searched. */
public final class TinyHyperModel implements HyperModel {
    @Override
    public Model build(HyperParameters hp, Shape inputShape, int numClasses, long seed) {
        int width = (int) hp.intRange("width", 2, 8, 2, "linear");
        return Model.build(List.of(new Dense(width, "relu"), new OutputHead(numClasses)), inputShape, seed);
    }
}
