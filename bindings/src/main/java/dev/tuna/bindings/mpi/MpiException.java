package dev.tuna.bindings.mpi;

import dev.tuna.bindings.NativeLibraryException;

import java.util.Map;

import static java.util.Map.entry;

/**
 * An MPI call returned a status other than MPI_SUCCESS. Carries the numeric code, MPI's name for it (from
 * {@link #NAMES}, copied from Open MPI 4.1's mpi.h and checked against the installed one by a test), the library's own
 * text for it (MPI_Error_string) and the call that failed.
 */
public final class MpiException extends NativeLibraryException {
    /** Error classes by value, from Open MPI's mpi.h ({@code #define MPI_ERR_...}); MPICH numbers them differently. */
    static final Map<Integer, String> NAMES = Map.ofEntries(
            entry(0, "MPI_SUCCESS"), entry(1, "MPI_ERR_BUFFER"), entry(2, "MPI_ERR_COUNT"), entry(3, "MPI_ERR_TYPE"),
            entry(4, "MPI_ERR_TAG"), entry(5, "MPI_ERR_COMM"), entry(6, "MPI_ERR_RANK"), entry(7, "MPI_ERR_REQUEST"),
            entry(8, "MPI_ERR_ROOT"), entry(9, "MPI_ERR_GROUP"), entry(10, "MPI_ERR_OP"),
            entry(11, "MPI_ERR_TOPOLOGY"), entry(12, "MPI_ERR_DIMS"), entry(13, "MPI_ERR_ARG"),
            entry(14, "MPI_ERR_UNKNOWN"), entry(15, "MPI_ERR_TRUNCATE"), entry(16, "MPI_ERR_OTHER"),
            entry(17, "MPI_ERR_INTERN"), entry(18, "MPI_ERR_IN_STATUS"), entry(19, "MPI_ERR_PENDING"),
            entry(20, "MPI_ERR_ACCESS"), entry(21, "MPI_ERR_AMODE"), entry(22, "MPI_ERR_ASSERT"),
            entry(23, "MPI_ERR_BAD_FILE"), entry(24, "MPI_ERR_BASE"), entry(25, "MPI_ERR_CONVERSION"),
            entry(26, "MPI_ERR_DISP"), entry(27, "MPI_ERR_DUP_DATAREP"), entry(28, "MPI_ERR_FILE_EXISTS"),
            entry(29, "MPI_ERR_FILE_IN_USE"), entry(30, "MPI_ERR_FILE"), entry(31, "MPI_ERR_INFO_KEY"),
            entry(32, "MPI_ERR_INFO_NOKEY"), entry(33, "MPI_ERR_INFO_VALUE"), entry(34, "MPI_ERR_INFO"),
            entry(35, "MPI_ERR_IO"), entry(36, "MPI_ERR_KEYVAL"), entry(37, "MPI_ERR_LOCKTYPE"),
            entry(38, "MPI_ERR_NAME"), entry(39, "MPI_ERR_NO_MEM"), entry(40, "MPI_ERR_NOT_SAME"),
            entry(41, "MPI_ERR_NO_SPACE"), entry(42, "MPI_ERR_NO_SUCH_FILE"), entry(43, "MPI_ERR_PORT"),
            entry(44, "MPI_ERR_QUOTA"), entry(45, "MPI_ERR_READ_ONLY"), entry(46, "MPI_ERR_RMA_CONFLICT"),
            entry(47, "MPI_ERR_RMA_SYNC"), entry(48, "MPI_ERR_SERVICE"), entry(49, "MPI_ERR_SIZE"),
            entry(50, "MPI_ERR_SPAWN"), entry(51, "MPI_ERR_UNSUPPORTED_DATAREP"),
            entry(52, "MPI_ERR_UNSUPPORTED_OPERATION"), entry(53, "MPI_ERR_WIN"), entry(68, "MPI_ERR_RMA_RANGE"),
            entry(69, "MPI_ERR_RMA_ATTACH"), entry(70, "MPI_ERR_RMA_FLAVOR"), entry(71, "MPI_ERR_RMA_SHARED")
    );

    private final int code;
    private final String errorName;
    private final String call;

    /** @param text MPI_Error_string's text for code, or "" when the library could not be asked */
    public MpiException(String call, int code, String text) {
        super(message(call, code, text));
        this.code = code;
        this.errorName = nameOf(code);
        this.call = call;
    }

    /** {@code MPI_Bcast(0x7f.., 4, 0x7f.., 5, 0x7f..) failed: MPI_ERR_ROOT (8): invalid root}. */
    static String message(String call, int code, String text) {
        String name = nameOf(code);
        // Open MPI's strings start with the class name ("MPI_ERR_ROOT: invalid root"): say it once.
        String detail = text == null ? "" : text.strip();
        if (detail.startsWith(name + ":")) detail = detail.substring(name.length() + 1).strip();
        return call + " failed: " + name + " (" + code + ")" + (detail.isEmpty() ? "" : ": " + detail);
    }

    /** mpi.h's name for an error class, or {@code MPI_ERR_UNKNOWN_CODE_<n>} for a code it does not define. */
    public static String nameOf(int code) {
        String name = NAMES.get(code);
        return name != null ? name : "MPI_ERR_UNKNOWN_CODE_" + code;
    }

    /** The numeric status. */
    public int code() { return code; }

    /** MPI's name for {@link #code()}, for example MPI_ERR_ROOT. */
    public String errorName() { return errorName; }

    /** The failing call with its arguments. */
    public String call() { return call; }
}
