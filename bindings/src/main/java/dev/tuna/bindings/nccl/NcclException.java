package dev.tuna.bindings.nccl;

import dev.tuna.bindings.NativeLibraryException;
import java.util.List;

/**
 * An NCCL call returned an ncclResult_t other than ncclSuccess: the call, nccl.h's name for the result, and NCCL's own
 * description of it (ncclGetErrorString), which is where it says to rerun with NCCL_DEBUG=INFO.
 */
public final class NcclException extends NativeLibraryException {
    /** nccl.h's ncclResult_t names by value (NCCL 2.30; a test holds them against the header's enum). */
    static final List<String> NAMES = List.of("ncclSuccess", "ncclUnhandledCudaError", "ncclSystemError", "ncclInternalError",
            "ncclInvalidArgument", "ncclInvalidUsage", "ncclRemoteError", "ncclInProgress", "ncclTimeout");

    private final int code;
    private final String call;

    public NcclException(String call, int code, String description) {
        super(call + " failed: " + nameOf(code) + " (" + code + ")" + (description == null || description.isBlank() ? "" : ": " + description));
        this.code = code;
        this.call = call;
    }

    /** The header's name for an ncclResult_t, or {@code ncclResult_t <n>} for one this table lacks. */
    public static String nameOf(int code) {
        return code >= 0 && code < NAMES.size() ? NAMES.get(code) : "ncclResult_t " + code;
    }

    /** The numeric ncclResult_t. */
    public int code() { return code; }

    /** The call that failed, with its arguments. */
    public String call() { return call; }

    /** ncclRemoteError: a peer failed or went away, so this rank's collectives cannot complete. */
    public boolean isRemote() { return code == 6; }
}
