package dev.tuna.nn;

import dev.tuna.autograd.Var;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A built network: its layers, the per-example input shape, and the arena that holds its weights and state.
 * Closing the model frees them all at once.
 */
public final class Model implements AutoCloseable {
    private final Sequential root;
    private final Shape inputShape;
    private final Shape outputShape;
    private final Arena arena;
    private final List<Parameter> parameters;

    private Model(Sequential root, Shape inputShape, Shape outputShape, Arena arena) {
        this.root = root;
        this.inputShape = inputShape;
        this.outputShape = outputShape;
        this.arena = arena;
        this.parameters = root.parameters();
    }

    /** Builds the layers for inputs of the given per-example shape, weights drawn from the seed. */
    public static Model build(List<Layer> layers, Shape inputShape, long seed) {
        Arena arena = dev.tuna.tensor.NativeMemory.shared();
        try {
            Sequential root = new Sequential(layers);
            Builder b = new Builder(arena, seed);
            Shape out = root.build(inputShape, b);
            return new Model(root, inputShape, out, arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Var forward(Var x, Context ctx) { return root.forward(x, ctx); }

    public List<Parameter> parameters() { return parameters; }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : parameters) n += p.value().size();
        return n;
    }

    /** The allocator for tensors that live as long as the model (optimizer state). */
    public Arena arena() { return arena; }

    public Shape inputShape() { return inputShape; }

    public Shape outputShape() { return outputShape; }

    public List<Layer> layers() { return root.layers(); }

    /** Every weight and state tensor by name, in a fixed order (what a checkpoint holds). */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        for (Parameter p : parameters) m.put(p.name(), p.value());
        root.collectState(m);
        return m;
    }

    /** Replaces every parameter and state tensor by move(it): to a device for training, and back. */
    public void moveTo(java.util.function.UnaryOperator<Tensor> move) {
        for (Parameter p : parameters) p.setValue(move.apply(p.value()));
        root.moveState(move);
    }

    /** Copies values into this model's tensors; every name must be present with the same shape. */
    public void loadStateDict(java.util.Map<String, Tensor> values) { loadStateDict(values, dev.tuna.backend.Backends.cpu()); }

    /** The same, through a backend, for a model whose tensors are on its device. */
    public void loadStateDict(java.util.Map<String, Tensor> values, dev.tuna.backend.Backend backend) {
        for (var e : stateDict().entrySet()) {
            Tensor src = values.get(e.getKey());
            if (src == null) throw new IllegalArgumentException("checkpoint has no tensor '" + e.getKey() + "'");
            if (!src.shape().equals(e.getValue().shape())) {
                throw new IllegalArgumentException("checkpoint tensor '" + e.getKey() + "' has shape " + src.shape()
                        + ", the model expects " + e.getValue().shape());
            }
            backend.copyInto(src.dtype() == e.getValue().dtype() ? src : src.to(e.getValue().dtype()), e.getValue());
        }
    }

    /** A Keras-like summary: one line per layer with its output shape, then the parameter count. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%-48s %-20s %10s%n", "Layer", "Output shape", "Param #"));
        List<Shape> shapes = root.outputShapes();
        for (int i = 0; i < root.layers().size(); i++) {
            Layer l = root.layers().get(i);
            long params = 0;
            for (Parameter p : l.parameters()) params += p.value().size();
            s.append(String.format("%-48s %-20s %,10d%n", l.name() + " " + l.describe(), batchShape(shapes.get(i)), params));
        }
        s.append("Total params: ").append(String.format("%,d", parameterCount()));
        return s.toString();
    }

    private static String batchShape(Shape s) {
        StringBuilder b = new StringBuilder("(None");
        for (int d : s.dims()) b.append(", ").append(d);
        return b.append(')').toString();
    }

    @Override
    public void close() { arena.close(); }
}
