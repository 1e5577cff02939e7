package dev.tuna.bindings;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/** The functions one library class binds, in declaration order; almost every CUDA library function returns an int status. */
public final class BindingTable {
    private final List<Binding> all = new ArrayList<>();

    /** Adds a function returning the library's int status (CUresult, nvrtcResult, cublasStatus_t). */
    public Binding add(String name, String symbol, MemoryLayout... args) {
        Binding b = new Binding(name, symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT, args));
        all.add(b);
        return b;
    }

    /** Adds a function with another return type (ncclGetErrorString's const char*). */
    public Binding add(String name, String symbol, FunctionDescriptor descriptor) {
        Binding b = new Binding(name, symbol, descriptor);
        all.add(b);
        return b;
    }

    public List<Binding> all() { return List.copyOf(all); }
}
