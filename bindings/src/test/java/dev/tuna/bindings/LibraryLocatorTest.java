package dev.tuna.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibraryLocatorTest {
    @TempDir
    Path tmp;

    @Test
    void explicitFolderComesFirstThenCudaHomeThenLoaderPath() {
        List<Path> dirs = LibraryLocator.searchFolders(
                Map.of("TUNA_CUDA_LIBS", "/env/libs", "CUDA_HOME", "/opt/cuda", "LD_LIBRARY_PATH", "/a:/b"), "/flag/libs", List.of());
        assertEquals(Path.of("/flag/libs"), dirs.get(0));
        assertEquals(Path.of("/env/libs"), dirs.get(1));
        assertEquals(Path.of("/opt/cuda/lib64"), dirs.get(2));
        assertTrue(dirs.indexOf(Path.of("/a")) > dirs.indexOf(Path.of("/usr/local/cuda/lib64")));
        assertTrue(dirs.indexOf(Path.of("/b")) > dirs.indexOf(Path.of("/a")));
    }

    @Test
    void findsPipWheelLibrariesAndPrefersTheHighestVersion() throws Exception {
        Path lib = tmp.resolve("venv/lib/python3.12/site-packages/nvidia/cublas/lib");
        Files.createDirectories(lib);
        Files.writeString(lib.resolve("libcublas.so.12"), "x");
        Files.writeString(lib.resolve("libcublas.so.13"), "x");
        Path cudnn = tmp.resolve("venv/lib/python3.12/site-packages/nvidia/cudnn/lib");
        Files.createDirectories(cudnn);
        Files.writeString(cudnn.resolve("libcudnn.so.9"), "x");
        List<Path> dirs = LibraryLocator.searchFolders(Map.of(), null, List.of(tmp.resolve("venv")));
        assertTrue(dirs.contains(lib), "wheel folder searched: " + dirs);
        LibraryLocator loc = new LibraryLocator(dirs);
        assertEquals(lib.resolve("libcublas.so.13"), loc.find(LibraryLocator.Library.CUBLAS).path().orElseThrow());
        assertEquals(cudnn.resolve("libcudnn.so.9"), loc.find(LibraryLocator.Library.CUDNN).path().orElseThrow());
    }

    @Test
    void findsNcclInPyTorchsNcclWheelAndUnderNcclHome() throws Exception {
        // nvidia-nccl-cu12/-cu13 install site-packages/nvidia/nccl/lib/libnccl.so.2, the soname PyTorch loads.
        Path lib = tmp.resolve("venv/lib/python3.12/site-packages/nvidia/nccl/lib");
        Files.createDirectories(lib);
        Files.writeString(lib.resolve("libnccl.so.2"), "x");
        LibraryLocator wheel = new LibraryLocator(LibraryLocator.searchFolders(Map.of(), null, List.of(tmp.resolve("venv"))));
        assertEquals(lib.resolve("libnccl.so.2"), wheel.find(LibraryLocator.Library.NCCL).path().orElseThrow());
        List<Path> dirs = LibraryLocator.searchFolders(Map.of("NCCL_HOME", "/opt/nccl", "CUDA_HOME", "/opt/cuda"), null, List.of());
        assertTrue(dirs.indexOf(Path.of("/opt/nccl/lib")) > dirs.indexOf(Path.of("/opt/cuda/lib")), dirs.toString());
        assertTrue(dirs.indexOf(Path.of("/opt/nccl/lib")) < dirs.indexOf(Path.of("/usr/local/cuda/lib64")), dirs.toString());
    }

    @Test
    void missingLibraryExplainsWhereItLookedAndWhatToDo() {
        LibraryLocator loc = new LibraryLocator(List.of(tmp.resolve("nothing-here")));
        LibraryLocator.Result r = loc.find(LibraryLocator.Library.NCCL);
        assertFalse(r.found());
        assertTrue(r.explain().contains("libnccl.so"), r.explain());
        assertTrue(r.explain().contains(tmp.resolve("nothing-here").toString()), r.explain());
        assertTrue(r.explain().contains("TUNA_CUDA_LIBS"), r.explain());
    }

    @Test
    void mpiHasItsOwnFoldersAndVariable() {
        List<Path> dirs = LibraryLocator.mpiSearchFolders(Map.of("TUNA_MPI_LIBS", "/env/mpi", "MPI_HOME", "/opt/ompi", "LD_LIBRARY_PATH", "/a"), "/flag/mpi");
        assertEquals(List.of(Path.of("/flag/mpi"), Path.of("/env/mpi"), Path.of("/opt/ompi/lib"), Path.of("/a")), dirs.subList(0, 4));
        assertTrue(dirs.contains(Path.of("/usr/lib/x86_64-linux-gnu")), dirs.toString());
        LibraryLocator.Result r = new LibraryLocator(List.of(tmp.resolve("nothing-here"))).find(LibraryLocator.Library.MPI);
        assertTrue(r.explain().contains("libmpi.so.40") && r.explain().contains("TUNA_MPI_LIBS"), r.explain());
        // `tuna devices` lists the CUDA libraries through findAll: MPI is not one of them.
        assertTrue(new LibraryLocator(List.of()).findAll().stream().noneMatch(x -> x.library() == LibraryLocator.Library.MPI));
    }
}
