package dev.tuna.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A CUDA library found by {@link LibraryLocator} and loaded once, with a downcall handle built the first time each
 * function is called. Loading never throws: a missing or unloadable library is remembered, and every call then throws
 * a {@link NativeLibraryException} saying where it was looked for and how to point tuna at it.
 */
public final class LoadedLibrary {
    private final String name;
    private final String tooOld;
    private final SymbolLookup lookup;
    private final NativeLibraryException failure;
    private final String location;
    private final Map<String, MethodHandle> handles = new HashMap<>();

    /**
     * @param name      how messages call the library ("cuBLAS")
     * @param comesWith where a user gets it, for the not-found message
     * @param tooOld    what a missing symbol means, for its message
     */
    public LoadedLibrary(LibraryLocator.Library library, String name, String comesWith, String tooOld) {
        this.name = name;
        this.tooOld = tooOld;
        LibraryLocator.Result found = LibraryLocator.fromEnvironment().find(library);
        SymbolLookup l = null;
        NativeLibraryException f = null;
        if (found.found()) {
            try {
                l = SymbolLookup.libraryLookup(found.path().get(), Arena.global());
            } catch (IllegalArgumentException e) {
                f = new NativeLibraryException(name + " found at " + found.path().get() + " but not loadable: " + e.getMessage(), e);
            }
        } else {
            f = new NativeLibraryException(name + " not found: " + found.explain() + " (or pass -Dtuna.cuda.libs=FOLDER); " + comesWith);
        }
        lookup = l;
        failure = f;
        location = f == null ? found.path().map(Path::toString).orElse(null) : null;
    }

    public boolean isAvailable() { return failure == null; }

    public Optional<String> location() { return Optional.ofNullable(location); }

    private MethodHandle handle(Binding b) {
        if (failure != null) throw new NativeLibraryException(failure.getMessage(), failure.getCause());
        synchronized (handles) {
            return handles.computeIfAbsent(b.symbol(), s -> Linker.nativeLinker().downcallHandle(lookup.find(s).orElseThrow(
                    () -> new NativeLibraryException("symbol " + s + " not found in " + location + "; " + tooOld)), b.descriptor()));
        }
    }

    /** Calls a binding and returns the library's int status. */
    public int call(Binding b, Object... args) {
        try {
            return (int) handle(b).invokeWithArguments(args);
        } catch (NativeLibraryException e) {
            throw e;
        } catch (Throwable t) {
            throw new NativeLibraryException(b.symbol() + ": " + t, t);
        }
    }
}
