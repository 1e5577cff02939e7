package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.LinkedHashMap;

/**
 * A regressor's last layer: output = z * std + mean, with the training labels' mean and standard deviation fixed
 * when the model is built (not trained). The layers before it then learn a target of unit scale, whatever the
 * labels' units (a price in the thousands, a count in the hundreds), so the default learning rates and
 * initialisations work, while the loss and every metric stay in the labels' own units. The two numbers are model
 * state: a checkpoint keeps them, so a loaded model predicts in the same units.
 */
public final class TargetScale extends Layer {
    private final float mean, std;
    private Tensor scale, offset;

    public TargetScale(double mean, double std) {
        if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("target scale: expected a finite mean and a positive standard deviation, got " + mean + " and " + std);
        }
        this.mean = (float) mean;
        this.std = (float) std;
    }

    public double mean() { return mean; }

    public double std() { return std; }

    @Override
    public Shape build(Shape in, Builder b) {
        scale = b.state(Shape.of(1), std);
        offset = b.state(Shape.of(1), mean);
        return in;
    }

    @Override
    public Var forward(Var x, Context ctx) { return F.add(F.mul(x, Var.constant(scale)), Var.constant(offset)); }

    @Override
    public void collectState(LinkedHashMap<String, Tensor> out) {
        out.put(name() + "/scale", scale);
        out.put(name() + "/offset", offset);
    }

    @Override
    public void moveState(java.util.function.UnaryOperator<Tensor> move) {
        scale = move.apply(scale);
        offset = move.apply(offset);
    }

    @Override
    public String baseName() { return "target_scale"; }

    @Override
    public String describe() { return String.format("TargetScale(x %.4g + %.4g)", std, mean); }
}
