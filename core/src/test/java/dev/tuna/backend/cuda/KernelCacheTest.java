package dev.tuna.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk cache of compiled kernels, with a fake compiler (NVRTC itself needs a CUDA machine). */
class KernelCacheTest {
    @TempDir
    Path tmp;

    private static final KernelCache.Compiler FAKE = (src, name, arch) -> (name + "|" + arch + "|" + src.hashCode()).getBytes(StandardCharsets.UTF_8);

    @Test
    void compilesOncePerSourceArchitectureAndCompiler() {
        KernelCache c = new KernelCache(tmp, FAKE, "nvrtc 13.0");
        byte[] a = c.cubin("unary.cu", "sm_90");
        assertArrayEquals(a, c.cubin("unary.cu", "sm_90"));
        assertEquals(1, c.compilations(), "the second call is a hit");
        KernelCache again = new KernelCache(tmp, FAKE, "nvrtc 13.0");
        assertArrayEquals(a, again.cubin("unary.cu", "sm_90"));
        assertEquals(0, again.compilations(), "another process finds it on disk");
        again.cubin("unary.cu", "sm_80");
        again.cubin("x.cu", "__global__ void k() {}", "sm_90");
        assertEquals(2, again.compilations(), "another architecture or source compiles anew");
        KernelCache newer = new KernelCache(tmp, FAKE, "nvrtc 13.1");
        newer.cubin("unary.cu", "sm_90");
        assertEquals(1, newer.compilations(), "another compiler version compiles anew");
    }

    @Test
    void aDamagedFileIsRecompiledNotLoaded() throws Exception {
        KernelCache c = new KernelCache(tmp, FAKE, "nvrtc 13.0");
        byte[] good = c.cubin("loss.cu", "sm_90");
        try (var files = Files.list(tmp)) {
            Path f = files.filter(p -> p.toString().endsWith(".cubin")).findFirst().orElseThrow();
            byte[] all = Files.readAllBytes(f);
            Files.write(f, java.util.Arrays.copyOf(all, all.length - 3));
        }
        KernelCache d = new KernelCache(tmp, FAKE, "nvrtc 13.0");
        assertArrayEquals(good, d.cubin("loss.cu", "sm_90"));
        assertEquals(1, d.compilations(), "a truncated file is compiled again");
        assertEquals(0, new KernelCache(tmp, FAKE, "nvrtc 13.0").compilations());
    }

    @Test
    void theListOfKernelFilesIsEveryCuFileOfTheNativeModule() throws Exception {
        TreeSet<String> onDisk = new TreeSet<>();
        try (var files = Files.list(Path.of("..", "native", "src", "main", "resources", "tuna", "kernels"))) {
            files.filter(f -> f.toString().endsWith(".cu")).forEach(f -> onDisk.add(f.getFileName().toString()));
        }
        assertEquals(onDisk, new TreeSet<>(KernelCache.FILES));
        for (String f : KernelCache.FILES) {
            String src = KernelCache.source(f);
            assertTrue(src.contains("extern \"C\" __global__"), f);
            assertTrue(!src.contains("#include"), f + " must compile under NVRTC, which has no standard headers");
        }
        assertEquals(List.copyOf(new TreeSet<>(KernelCache.FILES)), KernelCache.FILES, "kept sorted");
    }
}
