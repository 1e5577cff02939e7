package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks where a command will write before it does any work, so that a bad --save or --out is a one-line refusal
 * at the start rather than a failure after an hour of training. The check is the real thing: the folder is made
 * and a probe file is created and deleted in it, which also catches read-only mounts and /proc.
 */
final class OutputPaths {
    private OutputPaths() {}

    /** A file to be written: not an existing folder, and its folder can be made and written. */
    static void checkFile(String flag, Path file) {
        if (Files.isDirectory(file)) throw new BadInputException(flag + " " + file + ": is a folder; expected the path of a file to write");
        Path parent = file.toAbsolutePath().normalize().getParent();
        probe(flag, file, parent);
    }

    /** A folder to be written into: not an existing file, and it can be made and written. */
    static void checkFolder(String flag, Path folder) {
        if (Files.exists(folder) && !Files.isDirectory(folder)) throw new BadInputException(flag + " " + folder + ": is a file; expected a folder");
        probe(flag, folder, folder.toAbsolutePath().normalize());
    }

    private static void probe(String flag, Path given, Path dir) {
        try {
            Files.createDirectories(dir);
            Path p = Files.createTempFile(dir, ".tuna-write-check", ".tmp");
            Files.delete(p);
        } catch (IOException | SecurityException e) {
            String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            throw new BadInputException(flag + " " + given + ": cannot write in " + dir + " (" + why + ")");
        }
    }
}
