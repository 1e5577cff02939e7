package dev.tuna.backend.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Compiled kernels on disk, so that NVRTC runs once per kernel source, GPU architecture and compiler, not once per
 * process. A cubin is stored under a key that hashes all three; the file starts with that key, so a file that was
 * truncated, written by another version or mixed up is recompiled rather than loaded. Writes go to a temporary file
 * and are moved into place, so two processes compiling at once each leave a whole file.
 */
public final class KernelCache {
    /** Compiles one source for a real architecture ("sm_90"): NVRTC on a GPU machine, a fake in tests. */
    @FunctionalInterface
    public interface Compiler {
        byte[] compile(String source, String name, String arch);
    }

    /** The kernel sources in the native module's resources (tuna/kernels/), one module per file. */
    public static final List<String> FILES = List.of("binary.cu", "cast.cu", "elementwise.cu", "gather.cu", "loss.cu", "optim.cu", "reduce.cu", "unary.cu");

    private static final byte[] MAGIC = "tuna-cubin-1\n".getBytes(StandardCharsets.US_ASCII);

    private final Path dir;
    private final Compiler compiler;
    private final String compilerId;
    private int compilations;

    /** compilerId names the compiler's version (e.g. "nvrtc 13.0"): a new compiler means new cubins. */
    public KernelCache(Path dir, Compiler compiler, String compilerId) {
        this.dir = dir;
        this.compiler = compiler;
        this.compilerId = compilerId;
    }

    /** $TUNA_CACHE_DIR/kernels, else ~/.cache/tuna/kernels. */
    public static Path defaultDir() {
        String env = System.getenv("TUNA_CACHE_DIR");
        if (env != null && !env.isBlank()) return Path.of(env, "kernels");
        return Path.of(System.getProperty("user.home"), ".cache", "tuna", "kernels");
    }

    /** A kernel source from the classpath. */
    public static String source(String file) {
        try (InputStream in = KernelCache.class.getResourceAsStream("/tuna/kernels/" + file)) {
            if (in == null) throw new IllegalArgumentException("no kernel source tuna/kernels/" + file + " on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read tuna/kernels/" + file + ": " + e.getMessage(), e);
        }
    }

    /** How many times this cache has called its compiler. */
    public int compilations() { return compilations; }

    /** The cubin of a kernel file for an architecture, from disk when a whole one with the right key is there. */
    public byte[] cubin(String file, String arch) {
        return cubin(file, source(file), arch);
    }

    public byte[] cubin(String name, String source, String arch) {
        String key = key(source, arch);
        Path path = dir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + arch + "-" + key.substring(0, 16) + ".cubin");
        byte[] kept = read(path, key);
        if (kept != null) return kept;
        compilations++;
        byte[] cubin = compiler.compile(source, name, arch);
        write(path, key, cubin);
        return cubin;
    }

    String key(String source, String arch) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((compilerId + "\0" + arch + "\0").getBytes(StandardCharsets.UTF_8));
            d.update(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored cubin, or null when the file is absent, from another key, or not whole. */
    private static byte[] read(Path path, String key) {
        byte[] all;
        try {
            all = Files.readAllBytes(path);
        } catch (IOException e) {
            return null;
        }
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        int head = MAGIC.length + k.length + 8;
        if (all.length < head || !Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)
                || !Arrays.equals(all, MAGIC.length, MAGIC.length + k.length, k, 0, k.length)) return null;
        long n = java.nio.ByteBuffer.wrap(all, MAGIC.length + k.length, 8).getLong();
        if (n != all.length - head) return null;
        return Arrays.copyOfRange(all, head, all.length);
    }

    private void write(Path path, String key, byte[] cubin) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
            byte[] k = key.getBytes(StandardCharsets.US_ASCII);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(MAGIC.length + k.length + 8 + cubin.length);
            b.put(MAGIC).put(k).putLong(cubin.length).put(cubin);
            Files.write(tmp, b.array());
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // A cache that cannot be written only costs a compilation next time.
            System.err.println("tuna: cannot cache the compiled kernel " + path + ": " + e.getMessage());
        }
    }
}
