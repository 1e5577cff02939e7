package dev.tuna.bindings;

import java.lang.foreign.FunctionDescriptor;

/**
 * One bound C function: the name its header declares, the symbol called (after the header's #define, e.g.
 * cuMemAlloc -> cuMemAlloc_v2), and its C signature. Tests check each against the library's header.
 */
public record Binding(String name, String symbol, FunctionDescriptor descriptor) {
    /** The call as an error message shows it: {@code cuMemAlloc_v2(0x7f.., 4096)}, pointers in hex, strings quoted. */
    public String call(Object... args) {
        StringBuilder call = new StringBuilder(symbol).append('(');
        for (int i = 0; i < args.length; i++) {
            if (i > 0) call.append(", ");
            Object a = args[i];
            call.append(a instanceof java.lang.foreign.MemorySegment s ? "0x" + Long.toHexString(s.address())
                    : a instanceof String str ? '"' + str + '"' : String.valueOf(a));
        }
        return call.append(')').toString();
    }
}
