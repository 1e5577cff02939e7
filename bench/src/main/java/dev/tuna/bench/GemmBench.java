package dev.tuna.bench;

import dev.tuna.backend.cpu.Gemm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Throughput of tuna's CPU SGEMM ({@link Gemm#sgemm}), in operations (whole GEMMs) per second.
 *
 * <p>GFLOP/s = 2 * m * n * k * (ops/s) / 1e9; for the square benchmarks (m = n = k = size) that is
 * {@code 2 * size^3 * score / 1e9}. The MLP benchmarks are the three GEMMs of a 784-64 dense layer on a batch of
 * 128 (m x k x n): forward 128x784x64 (NN), weight gradient 784x128x64 (A transposed), input gradient 128x64x784
 * (B transposed). Each trial also prints its GFLOP/s at tear-down.
 *
 * <pre>
 * mvn -q -DskipTests package -pl bench -am
 * java -jar bench/target/benchmarks.jar GemmBench                      # all
 * java -jar bench/target/benchmarks.jar 'GemmBench.vector' -p size=1024 # one size
 * </pre>
 *
 * <p>{@code scalar} is the plain-Java fallback, run in a JVM forked with {@code -Dtuna.vector.bits=0}, for sizes up
 * to 512 only.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseProfiledLoopPredicate"})
public class GemmBench {

    /** Operands for one GEMM shape, filled with uniform [-1, 1) values. */
    abstract static class Operands {
        Arena arena;
        MemorySegment a, b, c;
        int m, n, k, lda, ldb;
        boolean ta, tb;
        long calls;
        long t0;

        void allocate(int m, int n, int k, boolean ta, boolean tb) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.ta = ta;
            this.tb = tb;
            lda = ta ? m : k;
            ldb = tb ? k : n;
            arena = Arena.ofShared();
            a = fill(arena.allocate((long) m * k * 4, 64), 1);
            b = fill(arena.allocate((long) k * n * 4, 64), 2);
            c = arena.allocate((long) m * n * 4, 64);
        }

        static MemorySegment fill(MemorySegment s, long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            for (long i = 0; i < s.byteSize() / 4; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) r.nextDouble(-1, 1));
            return s;
        }

        /** One {@code C = op(A) op(B)} through {@link Gemm#sgemm} (vector or scalar, as the JVM was started). */
        void run() {
            Gemm.sgemm(ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
            calls++;
        }

        void startTrial() {
            calls = 0;
            t0 = System.nanoTime();
        }

        void report(String what) {
            double s = (System.nanoTime() - t0) / 1e9;
            if (calls > 0 && s > 0) {
                System.out.printf("%n[%s %dx%dx%d%s%s] %.1f GFLOP/s over %d calls (incl. warm-up)%n", what, m, k, n,
                        ta ? " A^T" : "", tb ? " B^T" : "", 2.0 * m * n * k * calls / s / 1e9, calls);
            }
        }

        void free() {
            arena.close();
        }
    }

    /** Square problems, vector path through the public entry point. */
    @State(Scope.Thread)
    public static class Square extends Operands {
        @Param({"64", "127", "256", "512", "1000", "1024", "2048"})
        int size;

        @Setup(Level.Trial)
        public void setup() {
            allocate(size, size, size, false, false);
            startTrial();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            report("sgemm");
            free();
        }
    }

    /** Square problems for the scalar twin: only up to 512 (the fallback is ~50x slower). */
    @State(Scope.Thread)
    public static class ScalarSquare extends Operands {
        @Param({"64", "127", "256", "512"})
        int size;

        @Setup(Level.Trial)
        public void setup() {
            if (Gemm.vectorized()) throw new IllegalStateException("scalar twin must run with -Dtuna.vector.bits=0");
            allocate(size, size, size, false, false);
            startTrial();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            report("scalar");
            free();
        }
    }

    /** The three GEMMs of a 784-64 dense layer on a batch of 128. */
    @State(Scope.Thread)
    public static class Mlp extends Operands {
        @Param({"NN_128x784x64", "TN_784x128x64", "NT_128x64x784"})
        String shape;

        @Setup(Level.Trial)
        public void setup() {
            String[] d = shape.substring(3).split("x");
            allocate(Integer.parseInt(d[0]), Integer.parseInt(d[2]), Integer.parseInt(d[1]),
                    shape.charAt(0) == 'T', shape.charAt(1) == 'T');
            startTrial();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            report("mlp");
            free();
        }
    }

    @Benchmark
    public MemorySegment vector(Square s) {
        s.run();
        return s.c;
    }

    /** The same GEMM on the plain-Java fallback: a JVM forked with {@code -Dtuna.vector.bits=0}. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:-UseProfiledLoopPredicate",
            "-Dtuna.vector.bits=0"})
    public void scalar(ScalarSquare s, Blackhole bh) {
        s.run();
        bh.consume(s.c);
    }

    @Benchmark
    public MemorySegment mlp(Mlp s) {
        s.run();
        return s.c;
    }
}
