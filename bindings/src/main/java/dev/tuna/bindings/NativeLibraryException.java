package dev.tuna.bindings;

/**
 * A native library could not be used: it was not found, a symbol was missing, or a call into it reported an error.
 * Library-specific subclasses (for example {@code CudaException}) carry the library's own status code and name.
 */
public class NativeLibraryException extends RuntimeException {
    public NativeLibraryException(String message) { super(message); }

    public NativeLibraryException(String message, Throwable cause) { super(message, cause); }
}
