package dev.tuna.nn;

import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** Layers applied one after another. */
public class Sequential extends Layer {
    private final List<Layer> layers;
    private final List<Shape> outputShapes = new ArrayList<>();

    public Sequential(List<Layer> layers) { this.layers = List.copyOf(layers); }

    @Override
    public Shape build(Shape in, Builder b) {
        outputShapes.clear();
        Shape s = in;
        for (Layer l : layers) {
            s = b.buildChild(l, s);
            outputShapes.add(s);
        }
        return s;
    }

    @Override
    public Var forward(Var x, Context ctx) {
        Var y = x;
        for (Layer l : layers) y = l.forward(y, ctx);
        return y;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> p = new ArrayList<>();
        for (Layer l : layers) p.addAll(l.parameters());
        return p;
    }

    @Override
    public void moveState(java.util.function.UnaryOperator<Tensor> move) {
        for (Layer l : layers) l.moveState(move);
    }

    @Override
    public void collectState(LinkedHashMap<String, Tensor> out) {
        for (Layer l : layers) l.collectState(out);
    }

    public List<Layer> layers() { return layers; }

    /** Per-example output shape of each layer, known after build. */
    public List<Shape> outputShapes() { return List.copyOf(outputShapes); }

    @Override
    public String baseName() { return "sequential"; }

    @Override
    public String describe() { return "Sequential(" + layers.size() + " layers)"; }
}
