package dev.tuna.nn;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.SegmentAllocator;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Hands layers their names, their weights' memory (the model's arena) and a seeded random stream. */
public final class Builder {
    private final SegmentAllocator allocator;
    private final SplittableRandom rng;
    private final Map<String, Integer> counts = new HashMap<>();
    private int layerIndex;

    Builder(SegmentAllocator allocator, long seed) {
        this.allocator = allocator;
        this.rng = new SplittableRandom(seed);
    }

    /** Keras-style unique names: dense, dense_1, dense_2... */
    String nameFor(String base) {
        int n = counts.merge(base, 1, Integer::sum) - 1;
        return n == 0 ? base : base + "_" + n;
    }

    int nextLayerIndex() { return layerIndex++; }

    public Parameter parameter(String name, Shape shape, Initializer init) {
        Tensor t = Tensor.empty(shape, DType.F32, allocator);
        init.fill(t, rng);
        return new Parameter(name, t);
    }

    public Tensor state(Shape shape, float value) {
        Tensor t = Tensor.empty(shape, DType.F32, allocator);
        t.fill(value);
        return t;
    }

    /** Registers and names a child layer, then builds it. */
    public Shape buildChild(Layer child, Shape input) {
        if (child.name() == null) child.setName(nameFor(child.baseName()));
        return child.build(input, this);
    }
}
