package dev.tuna.train.loss;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;

/** The mean of (prediction - target)^2. */
public record MeanSquaredError() implements Loss {
    @Override public String name() { return "mean_squared_error"; }

    @Override public boolean appliesTo(Task task) { return task == Task.REGRESSION; }

    @Override public Var compute(Var outputs, Tensor labels) { return F.meanSquaredError(outputs, labels); }
}
