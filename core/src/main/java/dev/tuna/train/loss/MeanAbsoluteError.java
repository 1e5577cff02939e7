package dev.tuna.train.loss;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;

/** The mean of |prediction - target|, less moved by outliers than the squared error. */
public record MeanAbsoluteError() implements Loss {
    @Override public String name() { return "mean_absolute_error"; }

    @Override public boolean appliesTo(Task task) { return task == Task.REGRESSION; }

    @Override public Var compute(Var outputs, Tensor labels) { return F.meanAbsoluteError(outputs, labels); }
}
