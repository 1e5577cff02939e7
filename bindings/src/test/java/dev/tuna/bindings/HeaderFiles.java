package dev.tuna.bindings;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Where the binding tests look for a CUDA header: $CUDA_HOME/include, /usr/local/cuda-13.0, other /usr/local/cuda*, /usr/include. */
public final class HeaderFiles {
    private HeaderFiles() {}

    public static Optional<Path> locate(String header) {
        List<Path> candidates = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) candidates.add(Path.of(home, "include", header));
        candidates.add(Path.of("/usr/local/cuda-13.0/include", header));
        List<Path> others = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/usr/local"), "cuda*")) {
            for (Path p : ds) others.add(p.resolve("include").resolve(header));
        } catch (IOException e) {
            // no /usr/local: nothing more to try
        }
        others.sort(null);
        candidates.addAll(others);
        candidates.add(Path.of("/usr/include", header));
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }
}
