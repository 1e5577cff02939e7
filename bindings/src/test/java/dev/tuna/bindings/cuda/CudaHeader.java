package dev.tuna.bindings.cuda;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** What the tests read from cuda.h: prototypes, the #define name mapping, enum typedefs and CUresult codes. */
final class CudaHeader {
    static final Set<String> HANDLES = Set.of("CUcontext", "CUstream", "CUevent", "CUmodule", "CUfunction", "CUgraph",
            "CUgraphExec", "CUgraphNode", "CUdeviceptr_v1");
    private static final Pattern PROTOTYPE = Pattern.compile(
            "(?:__CUDA_DEPRECATED\\s+)?CUresult\\s+CUDAAPI\\s+(\\w+)\\s*\\(([^)]*)\\)\\s*;");
    private static final Pattern DEFINE = Pattern.compile(
            "^[ \\t]*#define[ \\t]+(cu\\w+)[ \\t]+(?:__CUDA_API_PT(?:DS|SZ)\\(\\s*(\\w+)\\s*\\)|(cu\\w+))[ \\t]*$", Pattern.MULTILINE);
    private static final Pattern ENUM = Pattern.compile("typedef\\s+enum\\s+\\w*\\s*\\{[^}]*\\}\\s*(\\w+)\\s*;");
    private static final Pattern ERROR = Pattern.compile("(CUDA_(?:SUCCESS|ERROR_[A-Z0-9_]+))\\s*=\\s*([0-9]+)");

    final Map<String, String> prototypes = new HashMap<>(); // name -> parameter list, first declaration wins
    final Map<String, String> defines = new HashMap<>();    // name -> the name it #defines to, first definition wins
    final Set<String> enums = new HashSet<>();
    final Map<String, Integer> errors = new HashMap<>();

    CudaHeader(String text) {
        Matcher m = PROTOTYPE.matcher(text);
        while (m.find()) prototypes.putIfAbsent(m.group(1), m.group(2));
        m = DEFINE.matcher(text);
        while (m.find()) defines.putIfAbsent(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
        m = ENUM.matcher(text);
        while (m.find()) enums.add(m.group(1));
        m = ERROR.matcher(text);
        while (m.find()) errors.putIfAbsent(m.group(1), Integer.parseInt(m.group(2)));
    }

    /** The symbol a C name ends up as, after cuda.h's #define chain. */
    String resolve(String name) {
        String s = name;
        for (int i = 0; i < 8 && defines.containsKey(s) && !defines.get(s).equals(s); i++) s = defines.get(s);
        return s;
    }

    /** cuda.h: $CUDA_HOME/include, /usr/local/cuda-13.0/include, then the first /usr/local/cuda* /include. */
    static Optional<Path> locate() { return dev.tuna.bindings.HeaderFiles.locate("cuda.h"); }

    static String readOrNull(Path p) {
        try { return Files.readString(p); } catch (IOException e) { return null; }
    }

    /** The FFM descriptor a parameter list calls for. */
    FunctionDescriptor descriptorOf(String params) {
        List<MemoryLayout> out = new ArrayList<>();
        String trimmed = params.replaceAll("\\s+", " ").trim();
        if (!trimmed.isEmpty() && !trimmed.equals("void")) {
            for (String p : trimmed.split(",")) out.add(layoutOf(p.trim()));
        }
        return FunctionDescriptor.of(JAVA_INT, out.toArray(MemoryLayout[]::new));
    }

    MemoryLayout layoutOf(String param) {
        if (param.contains("*")) return ADDRESS;
        List<String> words = new ArrayList<>(List.of(param.replace("const ", "").trim().split(" ")));
        if (words.size() < 2) throw new IllegalArgumentException("parameter without a name: " + param);
        words.removeLast();
        String type = String.join(" ", words);
        if (HANDLES.contains(type)) return ADDRESS;
        return switch (type) {
            case "CUdeviceptr", "size_t", "unsigned long long", "cuuint64_t" -> JAVA_LONG;
            case "int", "unsigned int", "CUdevice", "CUresult", "unsigned" -> JAVA_INT;
            case "float" -> JAVA_FLOAT;
            default -> {
                if (enums.contains(type)) yield JAVA_INT;
                throw new IllegalArgumentException("no layout rule for C type '" + type + "' in '" + param + "'");
            }
        };
    }

    /** Empty when the binding agrees with cuda.h, else what is wrong. */
    Optional<String> mismatch(dev.tuna.bindings.Binding b) {
        String resolved = resolve(b.name());
        if (!resolved.equals(b.symbol()))
            return Optional.of(b.name() + ": cuda.h maps it to " + resolved + ", the binding calls " + b.symbol());
        String params = prototypes.get(b.name());
        if (params == null) return Optional.of(b.name() + ": no prototype in cuda.h");
        FunctionDescriptor expected = descriptorOf(params);
        if (!expected.equals(b.descriptor()))
            return Optional.of(b.symbol() + ": cuda.h (" + params.replaceAll("\\s+", " ") + ") needs " + expected
                    + ", the binding has " + b.descriptor());
        return Optional.empty();
    }
}
