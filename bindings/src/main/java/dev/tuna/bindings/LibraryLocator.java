package dev.tuna.bindings;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the native libraries tuna calls. The CUDA ones: an explicit folder first (TUNA_CUDA_LIBS or -Dtuna.cuda.libs),
 * then CUDA_HOME, NCCL_HOME (NCCL's own convention, as nccl-tests' Makefile has it), /usr/local/cuda, the loader's
 * path, the system library folders, and PyTorch's pip wheels (site-packages/nvidia/LIB/lib), which is where a GPU
 * server without a CUDA toolkit keeps them. MPI has its own search ({@link #mpiFromEnvironment()}): TUNA_MPI_LIBS or
 * -Dtuna.mpi.libs, MPI_HOME, the loader's path, then where distributions install Open MPI.
 */
public final class LibraryLocator {
    /** The libraries by their role, each with the file-name stem to look for and the variable that points at it. */
    public enum Library {
        CUDA_DRIVER("libcuda.so"), CUBLAS("libcublas.so"), CUBLASLT("libcublasLt.so"), CUDNN("libcudnn.so"),
        NCCL("libnccl.so"), NVRTC("libnvrtc.so"),
        /** Open MPI 3, 4 and 5 keep the soname libmpi.so.40; MPICH's libmpi.so.12 is another ABI, not looked for. */
        MPI("libmpi.so.40", "TUNA_MPI_LIBS");

        private final String stem;
        private final String override;

        Library(String stem) { this(stem, "TUNA_CUDA_LIBS"); }

        Library(String stem, String override) {
            this.stem = stem;
            this.override = override;
        }

        public String stem() { return stem; }

        /** The environment variable naming a folder searched first for this library. */
        public String override() { return override; }

        boolean isCuda() { return override.equals("TUNA_CUDA_LIBS"); }
    }

    /** A library found at a path, or not found with the folders that were searched. */
    public record Result(Library library, Optional<Path> path, List<Path> searched) {
        public boolean found() { return path.isPresent(); }

        /** What to tell a user when it is missing. */
        public String explain() {
            if (found()) return library.stem + " at " + path.get();
            return library.stem + "* not found; looked in " + searched
                    + "; set " + library.override + " to the folder that holds it";
        }
    }

    private final List<Path> folders;

    LibraryLocator(List<Path> folders) { this.folders = folders; }

    /** The search order for this process's environment. */
    public static LibraryLocator fromEnvironment() {
        return new LibraryLocator(searchFolders(System.getenv(), System.getProperty("tuna.cuda.libs"), defaultPythonRoots()));
    }

    /** Where Open MPI's libmpi is looked for in this process's environment. */
    public static LibraryLocator mpiFromEnvironment() {
        return new LibraryLocator(mpiSearchFolders(System.getenv(), System.getProperty("tuna.mpi.libs")));
    }

    static List<Path> mpiSearchFolders(Map<String, String> env, String explicit) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (explicit != null && !explicit.isBlank()) dirs.add(Path.of(explicit));
        String fromEnv = env.get("TUNA_MPI_LIBS");
        if (fromEnv != null && !fromEnv.isBlank()) dirs.add(Path.of(fromEnv));
        String home = env.get("MPI_HOME");
        if (home != null && !home.isBlank()) dirs.add(Path.of(home, "lib"));
        String ld = env.get("LD_LIBRARY_PATH");
        if (ld != null) for (String p : ld.split(":")) if (!p.isBlank()) dirs.add(Path.of(p));
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));          // Debian, Ubuntu (libopenmpi3)
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu/openmpi/lib"));
        dirs.add(Path.of("/usr/lib64/openmpi/lib"));             // Fedora, RHEL (openmpi)
        dirs.add(Path.of("/usr/local/lib"));                     // built from source with the default prefix
        dirs.add(Path.of("/opt/openmpi/lib"));
        return List.copyOf(dirs);
    }

    static List<Path> searchFolders(Map<String, String> env, String explicit, List<Path> pythonRoots) {
        Set<Path> dirs = new LinkedHashSet<>();
        if (explicit != null && !explicit.isBlank()) dirs.add(Path.of(explicit));
        String fromEnv = env.get("TUNA_CUDA_LIBS");
        if (fromEnv != null && !fromEnv.isBlank()) dirs.add(Path.of(fromEnv));
        String cudaHome = env.getOrDefault("CUDA_HOME", env.get("CUDA_PATH"));
        if (cudaHome != null && !cudaHome.isBlank()) {
            dirs.add(Path.of(cudaHome, "lib64"));
            dirs.add(Path.of(cudaHome, "lib"));
        }
        String ncclHome = env.get("NCCL_HOME");
        if (ncclHome != null && !ncclHome.isBlank()) dirs.add(Path.of(ncclHome, "lib"));
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        String ld = env.get("LD_LIBRARY_PATH");
        if (ld != null) for (String p : ld.split(":")) if (!p.isBlank()) dirs.add(Path.of(p));
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/usr/lib/wsl/lib"));
        for (Path root : pythonRoots) dirs.addAll(wheelLibFolders(root));
        return List.copyOf(dirs);
    }

    /** site-packages/nvidia/* /lib under a Python environment (the subfolders differ between wheel versions). */
    static List<Path> wheelLibFolders(Path root) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> s = Files.find(root, 6, (p, a) -> a.isDirectory() && p.getFileName().toString().equals("nvidia")
                && p.getParent() != null && p.getParent().getFileName().toString().endsWith("-packages"))) {
            for (Path nvidia : s.sorted().toList()) {
                try (DirectoryStream<Path> subs = Files.newDirectoryStream(nvidia)) {
                    for (Path sub : subs) {
                        if (Files.isDirectory(sub.resolve("lib"))) out.add(sub.resolve("lib"));
                        // CUDA 13 wheels put everything under nvidia/cu13/lib
                        if (Files.isDirectory(sub.resolve("lib64"))) out.add(sub.resolve("lib64"));
                    }
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            // An unreadable environment is simply not a place to find libraries.
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static List<Path> defaultPythonRoots() {
        List<Path> roots = new ArrayList<>();
        String venv = System.getenv("VIRTUAL_ENV");
        if (venv != null) roots.add(Path.of(venv));
        roots.add(Path.of("/opt/torch/.venv"));
        roots.add(Path.of("/usr/local/lib"));
        roots.add(Path.of(System.getProperty("user.home"), ".local", "lib"));
        return roots;
    }

    /** Looks for one library: the exact stem first, then versioned names (highest version first). */
    public Result find(Library lib) {
        for (Path dir : folders) {
            Path exact = dir.resolve(lib.stem);
            if (Files.isRegularFile(exact)) return new Result(lib, Optional.of(exact), folders);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, lib.stem + ".*")) {
                List<Path> versions = new ArrayList<>();
                for (Path p : ds) if (Files.isRegularFile(p)) versions.add(p);
                if (!versions.isEmpty()) {
                    versions.sort(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed());
                    return new Result(lib, Optional.of(versions.getFirst()), folders);
                }
            } catch (IOException e) {
                // missing or unreadable folder: try the next
            }
        }
        return new Result(lib, Optional.empty(), folders);
    }

    /** The CUDA libraries (what `tuna devices` lists under that name); MPI is looked for with its own locator. */
    public List<Result> findAll() {
        List<Result> out = new ArrayList<>();
        for (Library l : Library.values()) if (l.isCuda()) out.add(find(l));
        return out;
    }

    public List<Path> folders() { return folders; }
}
