package dev.tuna.bindings.mpi;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** What the tests read from Open MPI's mpi.h: prototypes, handle typedefs, #define constants and predefined handles. */
final class MpiHeader {
    private static final Pattern PROTOTYPE = Pattern.compile("OMPI_DECLSPEC\\s+int\\s+(MPI_\\w+)\\s*\\(([^)]*)\\)\\s*;");
    /** {@code typedef struct ompi_communicator_t *MPI_Comm;}: Open MPI's handles are pointers. */
    private static final Pattern HANDLE_TYPEDEF = Pattern.compile("typedef\\s+struct\\s+\\w+\\s*\\*\\s*(MPI_\\w+)\\s*;");
    private static final Pattern DEFINE = Pattern.compile("^[ \\t]*#define[ \\t]+(\\w+)[ \\t]+(.+?)[ \\t]*(?:/\\*.*)?$", Pattern.MULTILINE);
    private static final Pattern PREDEFINED = Pattern.compile("OMPI_PREDEFINED_GLOBAL\\(\\s*\\w+\\s*,\\s*(\\w+)\\s*\\)");
    private static final Pattern THREAD_ENUM = Pattern.compile("enum\\s*\\{\\s*(MPI_THREAD_SINGLE\\s*,[^}]*)\\}");

    final Map<String, String> prototypes = new HashMap<>(); // name -> parameter list, first declaration wins
    final Set<String> handleTypes = new HashSet<>();
    final Map<String, String> defines = new HashMap<>();
    final Map<String, Integer> threadLevels = new HashMap<>();

    MpiHeader(String text) {
        Matcher m = PROTOTYPE.matcher(text);
        while (m.find()) prototypes.putIfAbsent(m.group(1), m.group(2));
        m = HANDLE_TYPEDEF.matcher(text);
        while (m.find()) handleTypes.add(m.group(1));
        m = DEFINE.matcher(text);
        while (m.find()) defines.putIfAbsent(m.group(1), m.group(2).strip());
        m = THREAD_ENUM.matcher(text);
        if (m.find()) {
            String[] names = m.group(1).split(",");
            for (int i = 0; i < names.length; i++) if (!names[i].isBlank()) threadLevels.put(names[i].strip(), i);
        }
    }

    /** A #define followed through other #defines to a number ({@code MPI_MAX_ERROR_STRING -> OPAL_MAX_ERROR_STRING -> 256}). */
    Optional<Long> number(String name) {
        String v = defines.get(name);
        for (int i = 0; i < 8 && v != null; i++) {
            String t = v.replaceAll("[()]", "").replace("void *", "").strip();
            if (t.matches("-?\\d+")) return Optional.of(Long.parseLong(t));
            v = defines.get(t);
        }
        return Optional.empty();
    }

    /** The symbol a predefined handle's #define takes the address of ({@code MPI_COMM_WORLD -> ompi_mpi_comm_world}). */
    Optional<String> predefinedSymbol(String name) {
        String v = defines.get(name);
        if (v == null) return Optional.empty();
        Matcher m = PREDEFINED.matcher(v);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The error classes mpi.h defines, by value (MPI_SUCCESS and MPI_ERR_*, without the MPI_ERR_LASTCODE bound). */
    Map<Integer, String> errorClasses() {
        Map<Integer, String> out = new HashMap<>();
        for (String name : defines.keySet()) {
            if (!(name.equals("MPI_SUCCESS") || name.startsWith("MPI_ERR_")) || name.equals("MPI_ERR_LASTCODE")) continue;
            number(name).ifPresent(v -> out.put(v.intValue(), name));
        }
        return out;
    }

    FunctionDescriptor descriptorOf(String params) {
        List<MemoryLayout> out = new ArrayList<>();
        String trimmed = params.replaceAll("\\s+", " ").trim();
        if (!trimmed.isEmpty() && !trimmed.equals("void")) for (String p : trimmed.split(",")) out.add(layoutOf(p.trim()));
        return FunctionDescriptor.of(JAVA_INT, out.toArray(MemoryLayout[]::new));
    }

    MemoryLayout layoutOf(String param) {
        if (param.contains("*") || param.contains("[")) return ADDRESS;
        List<String> words = new ArrayList<>(List.of(param.replace("const ", "").trim().split(" ")));
        if (words.size() < 2) throw new IllegalArgumentException("parameter without a name: " + param);
        words.removeLast();
        String type = String.join(" ", words);
        if (handleTypes.contains(type)) return ADDRESS;
        if (type.equals("int")) return JAVA_INT;
        throw new IllegalArgumentException("no layout rule for C type '" + type + "' in '" + param + "'");
    }

    /** Empty when the binding agrees with mpi.h, else what is wrong. */
    Optional<String> mismatch(dev.tuna.bindings.Binding b) {
        if (!b.symbol().equals(b.name())) return Optional.of(b.name() + ": mpi.h declares it under its own name, the binding calls " + b.symbol());
        String params = prototypes.get(b.name());
        if (params == null) return Optional.of(b.name() + ": no prototype in mpi.h");
        FunctionDescriptor expected = descriptorOf(params);
        if (!expected.equals(b.descriptor()))
            return Optional.of(b.name() + ": mpi.h (" + params.replaceAll("\\s+", " ") + ") needs " + expected + ", the binding has " + b.descriptor());
        return Optional.empty();
    }

    /**
     * Open MPI's mpi.h: $MPI_HOME/include, what {@code mpicc --showme:incdirs} says, then where distributions put it. A
     * candidate counts only if it is Open MPI's (it mentions OMPI_), since /usr/include/mpi.h may be MPICH's.
     */
    static List<Path> candidates() {
        Set<Path> dirs = new LinkedHashSet<>();
        String home = System.getenv("MPI_HOME");
        if (home != null && !home.isBlank()) dirs.add(Path.of(home, "include"));
        dirs.addAll(mpiccIncludeDirs());
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu/openmpi/include"));   // Debian, Ubuntu (libopenmpi-dev)
        dirs.add(Path.of("/usr/include/x86_64-linux-gnu/mpi"));
        dirs.add(Path.of("/usr/include/openmpi-x86_64"));                 // Fedora, RHEL (openmpi-devel)
        dirs.add(Path.of("/usr/local/include"));
        dirs.add(Path.of("/usr/include"));
        List<Path> out = new ArrayList<>();
        for (Path d : dirs) out.add(d.resolve("mpi.h"));
        return out;
    }

    static Optional<Path> locate() {
        for (Path p : candidates()) {
            String text = readOrNull(p);
            if (text != null && text.contains("OMPI_DECLSPEC")) return Optional.of(p);
        }
        return Optional.empty();
    }

    private static List<Path> mpiccIncludeDirs() {
        try {
            Process p = new ProcessBuilder("mpicc", "--showme:incdirs").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0 || out.isEmpty()) return List.of();
            List<Path> dirs = new ArrayList<>();
            for (String d : out.split("\\s+")) dirs.add(Path.of(d));
            return dirs;
        } catch (IOException e) {
            return List.of(); // no mpicc on the PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    static String readOrNull(Path p) {
        try { return Files.readString(p); } catch (IOException e) { return null; }
    }
}
