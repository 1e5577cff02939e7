package dev.tuna.bindings.nccl;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NCCL's function signatures as argument kinds ("pointer", "int32", "int64", "struct ncclUniqueId of 128 bytes"), read
 * from nccl.h itself or from JavaCPP's nccl.java (which was generated from nccl.h), so that a binding's
 * FunctionDescriptor can be compared with either. Kinds rather than layouts: what the C ABI passes is what matters.
 */
final class NcclPrototypes {
    private NcclPrototypes() {}

    /** A signature: the return kind first, then the arguments'. */
    record Signature(List<String> kinds) {
        @Override public String toString() { return kinds.getFirst() + " (" + String.join(", ", kinds.subList(1, kinds.size())) + ")"; }
    }

    /** The kinds of a binding's descriptor. */
    static Signature of(FunctionDescriptor d) {
        List<String> k = new ArrayList<>();
        k.add(d.returnLayout().map(NcclPrototypes::kind).orElse("void"));
        for (MemoryLayout l : d.argumentLayouts()) k.add(kind(l));
        return new Signature(k);
    }

    static String kind(MemoryLayout l) {
        if (l instanceof AddressLayout) return "pointer";
        if (l instanceof StructLayout s) return "struct " + s.name().orElse("?") + " of " + s.byteSize() + " bytes";
        if (l instanceof ValueLayout.OfInt) return "int32";
        if (l instanceof ValueLayout.OfLong) return "int64";
        return l.toString();
    }

    // ---- JavaCPP's nccl.java ----

    private static final Pattern NATIVE = Pattern.compile("public static native\\s+([^;]*?)\\b(p?nccl\\w+)\\s*\\(([^;]*?)\\);");
    private static final Pattern ANNOTATION = Pattern.compile("@(\\w+)(?:\\(\"([^\"]*)\"\\))?");

    /** Every ncclX in nccl.java with the set of signatures its overloads reduce to (one, when they agree). */
    static Map<String, Set<Signature>> fromJavaCpp(String source) {
        int idBytes = intConstant(source, "NCCL_UNIQUE_ID_BYTES");
        Map<String, Set<Signature>> out = new LinkedHashMap<>();
        Matcher m = NATIVE.matcher(source);
        while (m.find()) {
            if (m.group(2).startsWith("p")) continue;   // pnccl*: the profiling aliases
            List<String> k = new ArrayList<>();
            k.add(javaCppKind(m.group(1).trim(), idBytes));
            String params = m.group(3).trim();
            if (!params.isEmpty()) for (String p : splitTopLevel(params)) k.add(javaCppKind(p.trim(), idBytes));
            out.computeIfAbsent(m.group(2), n -> new LinkedHashSet<>()).add(new Signature(k));
        }
        return out;
    }

    /** One parameter or return type as JavaCPP writes it: annotations, a Java type, perhaps a name. */
    private static String javaCppKind(String decl, int idBytes) {
        boolean byVal = false, castPointer = false;
        Matcher a = ANNOTATION.matcher(decl);
        while (a.find()) {
            if (a.group(1).equals("ByVal")) byVal = true;
            if (a.group(1).equals("Cast") && a.group(2) != null && a.group(2).contains("*")) castPointer = true;
        }
        String[] words = ANNOTATION.matcher(decl).replaceAll(" ").trim().split("\\s+");
        String type = words[0];
        if (byVal) {
            if (type.equals("ncclUniqueId")) return "struct ncclUniqueId of " + idBytes + " bytes";
            return "struct " + type + " of unknown size";
        }
        if (castPointer) return "pointer";
        return switch (type) {
            case "int" -> "int32";
            case "long" -> "int64";
            case "void" -> "void";
            case "byte", "short", "float", "double", "boolean", "char" -> "unexpected " + type;
            default -> "pointer";   // Pointer and its subclasses, arrays, buffers, String
        };
    }

    private static List<String> splitTopLevel(String params) {
        List<String> out = new ArrayList<>();
        int depth = 0, start = 0;
        boolean quoted = false;
        for (int i = 0; i < params.length(); i++) {
            char c = params.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (!quoted && c == '(') depth++;
            else if (!quoted && c == ')') depth--;
            else if (!quoted && depth == 0 && c == ',') {
                out.add(params.substring(start, i));
                start = i + 1;
            }
        }
        out.add(params.substring(start));
        return out;
    }

    /** {@code public static final int NAME = 128;} or an enum member {@code NAME = 7,}. */
    static int intConstant(String source, String name) {
        Matcher m = Pattern.compile("\\b" + name + "\\s*=\\s*(-?\\d+)").matcher(source);
        if (!m.find()) throw new IllegalArgumentException(name + " is not defined");
        return Integer.parseInt(m.group(1));
    }

    /** The names of an enum's members in value order, from JavaCPP's {@code /** enum NAME * /} block. */
    static List<String> enumNames(String source, String enumName) {
        int at = source.indexOf("/** enum " + enumName + " */");
        if (at < 0) throw new IllegalArgumentException("enum " + enumName + " is not in the source");
        String block = source.substring(at, source.indexOf(';', at));
        Matcher m = Pattern.compile("(\\w+)\\s*=\\s*(\\d+)").matcher(block);
        Map<Integer, String> byValue = new java.util.TreeMap<>();
        while (m.find()) byValue.putIfAbsent(Integer.parseInt(m.group(2)), m.group(1));
        return List.copyOf(byValue.values());
    }

    // ---- nccl.h ----

    private static final Pattern C_PROTOTYPE = Pattern.compile("(ncclResult_t|const\\s+char\\s*\\*)\\s+(nccl\\w+)\\s*\\(([^)]*)\\)\\s*;");

    /** Every ncclX prototype in nccl.h (the first declaration of each name). */
    static Map<String, Signature> fromHeader(String header) {
        Matcher id = Pattern.compile("#define\\s+NCCL_UNIQUE_ID_BYTES\\s+(\\d+)").matcher(header);
        int idBytes = id.find() ? Integer.parseInt(id.group(1)) : -1;
        Map<String, Signature> out = new LinkedHashMap<>();
        Matcher m = C_PROTOTYPE.matcher(header.replaceAll("/\\*.*?\\*/", "").replaceAll("//[^\n]*", ""));
        while (m.find()) {
            List<String> k = new ArrayList<>();
            k.add(m.group(1).startsWith("const") ? "pointer" : "int32");
            String params = m.group(3).replaceAll("\\s+", " ").trim();
            if (!params.isEmpty() && !params.equals("void")) {
                for (String p : params.split(",")) k.add(cKind(p.trim().replace("const ", ""), idBytes));
            }
            out.putIfAbsent(m.group(2), new Signature(k));
        }
        return out;
    }

    /** A parameter's kind; a type this reader does not know is a kind of its own, which matches no binding. */
    private static String cKind(String p, int idBytes) {
        if (p.contains("*")) return "pointer";
        String type = p.contains(" ") ? p.substring(0, p.lastIndexOf(' ')).trim() : p;
        return switch (type) {
            case "ncclComm_t", "cudaStream_t", "ncclWindow_t" -> "pointer";
            case "int", "unsigned int", "ncclDataType_t", "ncclRedOp_t", "ncclResult_t", "ncclScalarResidence_t" -> "int32";
            case "size_t", "uint64_t", "int64_t" -> "int64";
            case "ncclUniqueId" -> "struct ncclUniqueId of " + idBytes + " bytes";
            default -> "unknown type " + type;
        };
    }
}
