package dev.tuna.train.loss;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;

/** The mean Huber loss: 0.5 r^2 for residuals |r| <= delta, delta (|r| - 0.5 delta) beyond (Keras' default delta is 1). */
public record Huber(float delta) implements Loss {
    public Huber {
        if (!(delta > 0) || Float.isInfinite(delta)) throw new IllegalArgumentException("huber delta " + delta + ": expected a finite number > 0");
    }

    @Override public String name() { return delta == 1f ? "huber" : "huber:" + delta; }

    @Override public boolean appliesTo(Task task) { return task == Task.REGRESSION; }

    @Override public Var compute(Var outputs, Tensor labels) { return F.huber(outputs, labels, delta); }
}
