package dev.tuna.bench;

import dev.tuna.backend.cpu.CpuParallel;
import dev.tuna.backend.cpu.Gemm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Prints tuna's SGEMM throughput per square size, one line each: {@code size gflops} (median of the timed runs),
 * after warming up. Used by bench/gemm_vs_openblas.sh.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
 *     dev.tuna.bench.GemmGflops [sizes=512,1024,...] [runs=11] [warmup-seconds=2]
 * </pre>
 * A size may also be {@code MxKxN}, optionally with a {@code :TN}, {@code :NT} or {@code :TT} suffix for transposed
 * operands. Each timed run repeats the GEMM until it has taken at least 0.2 s.
 */
public final class GemmGflops {
    private GemmGflops() {}

    public static void main(String[] args) {
        String[] sizes = (args.length > 0 ? args[0] : "512,1000,1023,1024,1536,2048").split(",");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        double warmupSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 2;
        System.out.printf("# tuna sgemm: vectorized=%b threads=%d java=%s%n", Gemm.vectorized(), CpuParallel.threads(),
                System.getProperty("java.version"));
        try (Arena arena = Arena.ofShared()) {
            for (String spec : sizes) {
                String[] parts = spec.trim().split(":");
                String[] d = parts[0].split("x");
                int m = Integer.parseInt(d[0]);
                int k = d.length > 1 ? Integer.parseInt(d[1]) : m;
                int n = d.length > 2 ? Integer.parseInt(d[2]) : m;
                boolean ta = parts.length > 1 && parts[1].charAt(0) == 'T';
                boolean tb = parts.length > 1 && parts[1].charAt(1) == 'T';
                MemorySegment a = fill(arena.allocate((long) m * k * 4, 64), 1);
                MemorySegment b = fill(arena.allocate((long) k * n * 4, 64), 2);
                MemorySegment c = arena.allocate((long) m * n * 4, 64);
                int lda = ta ? m : k, ldb = tb ? k : n;
                Runnable gemm = () -> Gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
                double flops = 2.0 * m * n * k;
                long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
                long calls = 0;
                long w0 = System.nanoTime();
                while (System.nanoTime() < end || calls < 3) {
                    gemm.run();
                    calls++;
                }
                double perCall = (System.nanoTime() - w0) / 1e9 / calls;
                int inner = (int) Math.max(1, Math.ceil(0.2 / perCall));
                double[] g = new double[runs];
                for (int r = 0; r < runs; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < inner; i++) gemm.run();
                    g[r] = flops * inner / (System.nanoTime() - t0);
                }
                Arrays.sort(g);
                System.out.printf("%s %.1f%n", spec.trim(), g[runs / 2]);
            }
        }
    }

    private static MemorySegment fill(MemorySegment s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < s.byteSize() / 4; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextDouble(-1, 1));
        return s;
    }
}
