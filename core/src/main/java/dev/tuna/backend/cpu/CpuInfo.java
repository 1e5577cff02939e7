package dev.tuna.backend.cpu;

/** What the CPU backend runs with: threads and the Vector API width, or why it uses scalar code. */
public final class CpuInfo {
    private CpuInfo() {}

    public static String describe() {
        String vec = Gemm.vectorized()
                ? "Vector API, " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit ("
                    + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() + " floats)"
                : "scalar (tuna.vector.bits=0)";
        return CpuParallel.threads() + " threads, " + vec + ", " + System.getProperty("os.arch");
    }
}
