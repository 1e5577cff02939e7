package dev.tuna.bindings.nvrtc;

import dev.tuna.bindings.NativeLibraryException;
import java.util.List;

/**
 * A failed NVRTC call: the call, NVRTC's own name for the result (nvrtc.h's nvrtcResult), and for a failed compilation
 * the program log, which is where the compiler's error messages are.
 */
public final class NvrtcException extends NativeLibraryException {
    /** nvrtc.h's nvrtcResult names by value. */
    static final List<String> NAMES = List.of("NVRTC_SUCCESS", "NVRTC_ERROR_OUT_OF_MEMORY", "NVRTC_ERROR_PROGRAM_CREATION_FAILURE",
            "NVRTC_ERROR_INVALID_INPUT", "NVRTC_ERROR_INVALID_PROGRAM", "NVRTC_ERROR_INVALID_OPTION", "NVRTC_ERROR_COMPILATION",
            "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE", "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION",
            "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION", "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID", "NVRTC_ERROR_INTERNAL_ERROR");

    private final int code;
    private final String log;

    public NvrtcException(String call, int code, String log) {
        super(call + " failed: " + nameOf(code) + " (" + code + ")" + (log == null || log.isBlank() ? "" : "; the program log:\n" + log.strip()));
        this.code = code;
        this.log = log == null ? "" : log;
    }

    public static String nameOf(int code) {
        return code >= 0 && code < NAMES.size() ? NAMES.get(code) : "NVRTC_ERROR unknown";
    }

    public int code() { return code; }

    /** The compiler's output for a failed compilation (empty otherwise). */
    public String log() { return log; }
}
