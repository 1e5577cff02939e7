package dev.tuna.autograd;

import dev.tuna.backend.Backend;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the ops of one forward pass, in order, so that {@link #backward} can replay them in reverse.
 * Ops record only while a tape is active on the thread; inference runs with none and builds no graph.
 */
public final class Tape implements AutoCloseable {
    private static final ThreadLocal<Tape> ACTIVE = new ThreadLocal<>();

    /** One op's backward: given the output's gradient, returns the gradient of each input (null where none). */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOut);
    }

    private record Node(Var out, Var[] inputs, Backward backward) {}

    private final List<Node> nodes = new ArrayList<>();
    private final Tape previous;

    private Tape() { previous = ACTIVE.get(); }

    /** Starts recording on this thread until closed. */
    public static Tape record() {
        Tape t = new Tape();
        ACTIVE.set(t);
        return t;
    }

    static Tape active() { return ACTIVE.get(); }

    /** Whether an op over these inputs must be recorded. */
    static boolean needsGrad(Var... inputs) {
        if (ACTIVE.get() == null) return false;
        for (Var v : inputs) if (v != null && v.requiresGrad()) return true;
        return false;
    }

    /** Creates the op's output and records its backward when any input needs a gradient. */
    static Var result(Tensor value, Backward backward, Var... inputs) {
        if (!needsGrad(inputs)) return Var.constant(value);
        Var out = new Var(value, true, null);
        ACTIVE.get().nodes.add(new Node(out, inputs, backward));
        return out;
    }

    /** Back-propagates from a scalar loss (seeded with 1) through everything recorded. */
    public void backward(Var loss, Backend backend) { backward(loss, 1f, backend); }

    /** Back-propagates from a scalar loss seeded with the given value (a loss scale: every gradient comes out scaled by it). */
    public void backward(Var loss, float seed, Backend backend) {
        Tensor s = Tensor.empty(Shape.of(), loss.value().dtype());
        s.setFloat(0, seed);
        backward(loss, backend.fromHost(s), backend);
    }

    /** Back-propagates from an output seeded with the given gradient. */
    public void backward(Var out, Tensor seed, Backend backend) { backward(out, seed, backend, null); }

    /**
     * Told, during backward, of each leaf (a parameter) whose gradient is complete: the moment the last op that
     * uses it has run. Mirrored training starts all-reducing a bucket of gradients then, while backward goes on.
     */
    @FunctionalInterface
    public interface GradReady {
        void ready(Var leaf);
    }

    /** Back-propagates from a scalar loss seeded with the given value, telling ready of each leaf's final gradient. */
    public void backward(Var loss, float seed, Backend backend, GradReady ready) {
        Tensor s = Tensor.empty(Shape.of(), loss.value().dtype());
        s.setFloat(0, seed);
        backward(loss, backend.fromHost(s), backend, ready);
    }

    private void backward(Var out, Tensor seed, Backend backend, GradReady ready) {
        List<List<Var>> readyAfter = ready == null ? null : leavesByFirstUse();
        out.setGrad(seed);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            Tensor g = node.out.grad();
            if (g != null) {
                Tensor[] grads = node.backward.apply(g);
                for (int j = 0; j < node.inputs.length; j++) {
                    Var in = node.inputs[j];
                    if (in == null || !in.requiresGrad() || grads[j] == null) continue;
                    accumulate(in, grads[j], backend);
                }
                // Intermediate gradients are dead once used; dropping them keeps the graph collectable.
                node.out.setGrad(null);
            }
            if (readyAfter != null && readyAfter.get(i) != null) for (Var leaf : readyAfter.get(i)) ready.ready(leaf);
        }
        nodes.clear();
    }

    /**
     * For each node, the leaves (vars no recorded op produced) whose earliest use it is: backward reaches that node
     * last among the leaf's uses, so the leaf's gradient is final once it has run.
     */
    private List<List<Var>> leavesByFirstUse() {
        java.util.Set<Var> produced = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Node n : nodes) produced.add(n.out);
        java.util.Set<Var> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        // In the order the forward pass met them, so every replica is told in the same order.
        List<List<Var>> byNode = new ArrayList<>(java.util.Collections.nCopies(nodes.size(), (List<Var>) null));
        for (int i = 0; i < nodes.size(); i++) {
            for (Var in : nodes.get(i).inputs) {
                if (in == null || !in.requiresGrad() || produced.contains(in) || !seen.add(in)) continue;
                if (byNode.get(i) == null) byNode.set(i, new ArrayList<>());
                byNode.get(i).add(in);
            }
        }
        return byNode;
    }

    private static void accumulate(Var v, Tensor g, Backend backend) {
        if (!g.shape().equals(v.value().shape())) g = g.reshape(v.value().shape());
        Tensor prev = v.grad();
        if (prev == null) {
            v.setGrad(g);
        } else {
            v.setGrad(backend.binary(dev.tuna.backend.BinaryOp.ADD, prev, g));
        }
    }

    @Override
    public void close() {
        nodes.clear();
        ACTIVE.set(previous);
    }
}
