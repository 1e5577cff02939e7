package dev.tuna.bindings.nvrtc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.bindings.NativeLibraryException;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** NVRTC's bindings against nvrtc.h's prototypes, its error names, and what a machine without it is told. */
class NvrtcBindingsTest {
    private static final Pattern PROTOTYPE = Pattern.compile("nvrtcResult\\s+(nvrtc\\w+)\\s*\\(([^)]*)\\)\\s*;");

    static Map<String, FunctionDescriptor> prototypes(String header) {
        Map<String, FunctionDescriptor> out = new HashMap<>();
        Matcher m = PROTOTYPE.matcher(header);
        while (m.find()) {
            List<MemoryLayout> args = new ArrayList<>();
            String params = m.group(2).replaceAll("\\s+", " ").trim();
            if (!params.isEmpty() && !params.equals("void")) {
                for (String p : params.split(",")) {
                    p = p.trim();
                    if (p.contains("*") || p.startsWith("nvrtcProgram ")) args.add(ADDRESS);
                    else if (p.startsWith("int ")) args.add(JAVA_INT);
                    else if (p.startsWith("size_t ")) args.add(JAVA_LONG);
                    else throw new IllegalArgumentException("unexpected parameter '" + p + "' of " + m.group(1));
                }
            }
            out.putIfAbsent(m.group(1), FunctionDescriptor.of(JAVA_INT, args.toArray(MemoryLayout[]::new)));
        }
        return out;
    }

    static Optional<Path> locate() { return dev.tuna.bindings.HeaderFiles.locate("nvrtc.h"); }

    @Test
    void everyBindingMatchesNvrtcH() throws IOException {
        Optional<Path> h = locate();
        String reason = "nvrtc.h not found ($CUDA_HOME/include, /usr/local/cuda*/include, /usr/include): skipping the check of Nvrtc's bindings against the header";
        if (h.isEmpty()) System.out.println("SKIPPED: " + reason);
        Assumptions.assumeTrue(h.isPresent(), reason);
        Map<String, FunctionDescriptor> proto = prototypes(Files.readString(h.get()));
        List<String> problems = new ArrayList<>();
        for (dev.tuna.bindings.Binding b : Nvrtc.bindings()) {
            FunctionDescriptor d = proto.get(b.name());
            if (d == null) problems.add(b.name() + ": not declared in " + h.get());
            else if (!d.equals(b.descriptor())) problems.add(b.name() + ": bound as " + b.descriptor() + ", nvrtc.h says " + d);
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void thePrototypeReaderSeesAWrongDescriptor() {
        // The two declarations tuna relies on most, as nvrtc.h writes them; a binding with one argument too few differs.
        Map<String, FunctionDescriptor> p = prototypes("""
                nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog,
                                               const char *src,
                                               const char *name,
                                               int numHeaders,
                                               const char * const *headers,
                                               const char * const *includeNames);
                nvrtcResult nvrtcCompileProgram(nvrtcProgram prog,
                                                int numOptions, const char * const *options);
                nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t *cubinSizeRet);
                """);
        assertEquals(Nvrtc.CREATE_PROGRAM.descriptor(), p.get("nvrtcCreateProgram"));
        assertEquals(Nvrtc.COMPILE_PROGRAM.descriptor(), p.get("nvrtcCompileProgram"));
        assertEquals(Nvrtc.GET_CUBIN_SIZE.descriptor(), p.get("nvrtcGetCUBINSize"));
        assertNotEquals(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), p.get("nvrtcCompileProgram"));
    }

    @Test
    void errorsCarryNvrtcNamesAndTheProgramLog() {
        NvrtcException e = new NvrtcException("nvrtcCompileProgram(unary.cu)", 6, "unary.cu(3): error: identifier \"x\" is undefined");
        assertEquals("NVRTC_ERROR_COMPILATION", NvrtcException.nameOf(e.code()));
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram(unary.cu) failed: NVRTC_ERROR_COMPILATION (6); the program log:"), e.getMessage());
        assertTrue(e.getMessage().contains("identifier \"x\" is undefined"));
        assertEquals("NVRTC_ERROR_INTERNAL_ERROR", NvrtcException.nameOf(11));
        assertEquals("NVRTC_ERROR unknown", NvrtcException.nameOf(42));
    }

    @Test
    void withoutTheLibraryTheMessageSaysWhereItLookedAndWhatToDo() {
        Assumptions.assumeFalse(Nvrtc.isAvailable(), "NVRTC is installed here; this checks the message on a machine without it");
        assertFalse(Nvrtc.libraryLocation().isPresent());
        NativeLibraryException e = assertThrows(NativeLibraryException.class, Nvrtc::version);
        assertTrue(e.getMessage().contains("libnvrtc.so") && e.getMessage().contains("tuna.cuda.libs"), e.getMessage());
    }
}
