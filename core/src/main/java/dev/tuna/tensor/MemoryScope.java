package dev.tuna.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayDeque;

/**
 * Decides where new tensors are allocated on the current thread. A training step enters a scope over a
 * {@link StepArena} and everything it creates is freed when the scope closes; a model enters a scope over
 * its own {@link Arena} while it creates parameters. Outside any scope, tensors are GC-managed scratch,
 * which is only for tests and one-off tools, never for the training loop.
 */
public final class MemoryScope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<MemoryScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final SegmentAllocator allocator;
    private final StepArena resetOnClose;
    private final java.util.List<Runnable> onClose = new java.util.ArrayList<>();
    private boolean closed;

    private MemoryScope(SegmentAllocator allocator, StepArena resetOnClose) {
        this.allocator = allocator;
        this.resetOnClose = resetOnClose;
    }

    /** Enters a step scope: closing it resets the arena, freeing all the step's tensors at once. */
    public static MemoryScope step(StepArena arena) {
        MemoryScope s = new MemoryScope(arena, arena);
        STACK.get().push(s);
        return s;
    }

    /** Enters a scope whose tensors live as long as the given allocator (parameters, optimizer state, data). */
    public static MemoryScope owned(SegmentAllocator allocator) {
        MemoryScope s = new MemoryScope(allocator, null);
        STACK.get().push(s);
        return s;
    }

    /** The allocator new tensors on this thread come from. */
    public static SegmentAllocator current() {
        MemoryScope top = STACK.get().peek();
        return top == null ? Arena.ofAuto() : top.allocator;
    }

    /** The innermost scope on this thread, or null outside any. */
    public static MemoryScope top() { return STACK.get().peek(); }

    /** Whether closing this scope frees what was allocated in it (a step scope). */
    public boolean isStep() { return resetOnClose != null; }

    /**
     * Runs {@code r} when this scope closes, before its arena is reset: a device backend returns the device memory a
     * step allocated, so device tensors live exactly as long as the host tensors of the same step.
     */
    public void onClose(Runnable r) {
        if (closed) throw new IllegalStateException("the memory scope is closed");
        onClose.add(r);
    }

    @Override
    public void close() {
        if (closed) return;
        ArrayDeque<MemoryScope> stack = STACK.get();
        if (stack.peek() != this) throw new IllegalStateException("memory scopes closed out of order");
        closed = true;
        stack.pop();
        for (int i = onClose.size() - 1; i >= 0; i--) onClose.get(i).run();
        if (resetOnClose != null) resetOnClose.reset();
    }
}
