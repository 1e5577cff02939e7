package dev.tuna.bindings;

import java.lang.foreign.FunctionDescriptor;

/**
 * One bound C function: the name its header declares, the symbol called (after the header's #define, e.g.
 * cuMemAlloc -> cuMemAlloc_v2), and its C signature. Tests check each against the library's header.
 */
public record Binding(String name, String symbol, FunctionDescriptor descriptor) {}
