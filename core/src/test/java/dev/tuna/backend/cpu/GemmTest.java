package dev.tuna.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GemmTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final long SEED = System.nanoTime();

    private static Arena arena;

    @BeforeAll
    static void open() {
        arena = Arena.ofShared();
    }

    @AfterAll
    static void close() {
        arena.close();
    }

    /** Which implementation a case runs. */
    enum Path { SCALAR, VECTOR, DISPATCH }

    /** One GEMM problem: operands are laid out with the given leading dimensions and element offsets. */
    record Case(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int padA, int padB, int padC,
                long offA, long offB, long offC) {
        int lda() { return (ta ? m : k) + padA; }
        int ldb() { return (tb ? k : n) + padB; }
        int ldc() { return n + padC; }
        int aRows() { return ta ? k : m; }
        int bRows() { return tb ? n : k; }

        @Override
        public String toString() {
            return "ta=" + ta + " tb=" + tb + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta
                    + " lda=" + lda() + " ldb=" + ldb() + " ldc=" + ldc() + " offs=" + offA + "/" + offB + "/" + offC;
        }
    }

    private static MemorySegment random(Random r, long elems, boolean nan) {
        MemorySegment s = arena.allocate(Math.max(1, elems) * 4, 4);
        for (long i = 0; i < elems; i++) s.setAtIndex(F, i, nan ? Float.NaN : r.nextFloat() * 2f - 1f);
        return s;
    }

    private static void run(Path path, Case c, MemorySegment a, MemorySegment b, MemorySegment cs) {
        switch (path) {
            case SCALAR -> Gemm.sgemmScalar(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, c.offA, c.lda(), b, c.offB, c.ldb(),
                    c.beta, cs, c.offC, c.ldc());
            case VECTOR -> Gemm.sgemmVector(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, c.offA, c.lda(), b, c.offB, c.ldb(),
                    c.beta, cs, c.offC, c.ldc());
            case DISPATCH -> Gemm.sgemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, c.offA, c.lda(), b, c.offB, c.ldb(),
                    c.beta, cs, c.offC, c.ldc());
        }
    }

    /** Runs a case on fresh random inputs and compares against a float64 reference, padding included. */
    private static void check(Path path, Case c, Random r, boolean nanC) {
        long aElems = c.offA + (long) c.aRows() * c.lda();
        long bElems = c.offB + (long) c.bRows() * c.ldb();
        long cElems = c.offC + (long) c.m * c.ldc() + 7;
        MemorySegment a = random(r, aElems, false), b = random(r, bElems, false);
        MemorySegment cs = random(r, cElems, nanC);
        float[] before = cs.toArray(F);
        run(path, c, a, b, cs);
        for (long e = 0; e < cElems; e++) {
            long rel = e - c.offC;
            int ldc = Math.max(1, c.ldc());
            int i = rel < 0 ? -1 : (int) (rel / ldc), j = rel < 0 ? -1 : (int) (rel % ldc);
            boolean inside = rel >= 0 && i < c.m && j < c.n;
            float got = cs.getAtIndex(F, e);
            if (!inside) {
                if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(before[(int) e])) {
                    fail(path + " wrote outside C at element " + e + " for " + c + " (seed " + SEED + ")");
                }
                continue;
            }
            double dot = 0, mag = 0;
            for (int p = 0; p < c.k; p++) {
                double av = a.getAtIndex(F, c.offA + (c.ta ? (long) p * c.lda() + i : (long) i * c.lda() + p));
                double bv = b.getAtIndex(F, c.offB + (c.tb ? (long) j * c.ldb() + p : (long) p * c.ldb() + j));
                dot += av * bv;
                mag += Math.abs(av * bv);
            }
            double expect = c.alpha * dot;
            double scale = Math.abs(c.alpha) * mag;
            if (c.beta != 0f) {
                expect += (double) c.beta * before[(int) e];
                scale += Math.abs(c.beta * before[(int) e]);
            }
            double tol = 1e-6 + 4 * Math.ulp(1f) * Math.sqrt(c.k + 1.0) * Math.max(scale, 1e-3) + 2 * Math.ulp(1f) * scale;
            if (!(Math.abs(got - expect) <= tol)) {
                fail(path + " C[" + i + "," + j + "] = " + got + ", expected " + expect + " (tol " + tol + ") for " + c
                        + " (seed " + SEED + ")");
            }
        }
    }

    private static void checkBoth(Case c, Random r, boolean nanC) {
        check(Path.SCALAR, c, r, nanC);
        check(Path.VECTOR, c, r, nanC);
    }

    @Test
    void reportsPath() {
        assertEquals(!"0".equals(System.getProperty("tuna.vector.bits")), Gemm.vectorized());
        Random r = new Random(SEED);
        check(Path.DISPATCH, new Case(false, false, 37, 41, 29, 1f, 0f, 0, 0, 0, 0, 0, 0), r, true);
    }

    @Test
    void awkwardSizesAllTransposes() {
        Random r = new Random(SEED);
        int[] sizes = {1, 2, 3, 13, 17, 31, 33, 47, 127};
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int s = 0; s < 24; s++) {
                    int m = sizes[r.nextInt(sizes.length)], n = sizes[r.nextInt(sizes.length)];
                    int k = sizes[r.nextInt(sizes.length)];
                    checkBoth(new Case(ta, tb, m, n, k, 1f, 0f, 0, 0, 0, 0, 0, 0), r, true);
                }
                for (int s : sizes) checkBoth(new Case(ta, tb, s, s, s, 1f, 0f, 0, 0, 0, 0, 0, 0), r, false);
            }
        }
    }

    @Test
    void largerThanOneBlock() {
        Random r = new Random(SEED);
        // k > KC (several depth blocks), m and n spanning more than one packed block and ragged edges.
        checkBoth(new Case(false, false, 207, 1000, 401, 1f, 0f, 0, 0, 0, 0, 0, 0), r, true);
        checkBoth(new Case(true, false, 1000, 13, 777, 0.5f, 0.25f, 3, 1, 2, 5, 7, 11), r, false);
        checkBoth(new Case(false, true, 33, 601, 1000, -1f, 1f, 0, 0, 0, 0, 0, 0), r, false);
        checkBoth(new Case(true, true, 127, 207, 389, 2f, -0.5f, 1, 2, 3, 1, 2, 3), r, false);
        check(Path.VECTOR, new Case(false, false, 1600, 40, 20, 1f, 0f, 0, 0, 0, 0, 0, 0), r, true);
        check(Path.VECTOR, new Case(false, false, 40, 1100, 20, 1f, 0f, 0, 0, 0, 0, 0, 0), r, true);
    }

    @Test
    void leadingDimensionsOffsetsAlphaBeta() {
        Random r = new Random(SEED);
        float[] alphas = {1f, -1f, 0.5f, 3f};
        float[] betas = {0f, 1f, -1f, 0.3f};
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int s = 0; s < 8; s++) {
                    int m = 1 + r.nextInt(70), n = 1 + r.nextInt(90), k = 1 + r.nextInt(60);
                    float alpha = alphas[r.nextInt(alphas.length)], beta = betas[r.nextInt(betas.length)];
                    Case c = new Case(ta, tb, m, n, k, alpha, beta, r.nextInt(9), r.nextInt(9), r.nextInt(9),
                            r.nextInt(13), r.nextInt(13), r.nextInt(13));
                    checkBoth(c, r, beta == 0f && r.nextBoolean());
                }
            }
        }
    }

    @Test
    void betaZeroOverwritesNaN() {
        Random r = new Random(SEED);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                checkBoth(new Case(ta, tb, 29, 67, 513, 1f, 0f, 2, 0, 5, 3, 0, 1), r, true);
                checkBoth(new Case(ta, tb, 64, 64, 64, 0.25f, 0f, 0, 0, 0, 0, 0, 0), r, true);
            }
        }
    }

    @Test
    void degenerateSizes() {
        Random r = new Random(SEED);
        for (Path p : new Path[] {Path.SCALAR, Path.VECTOR}) {
            // k == 0: C = beta * C (beta 0: zeros, even over NaN); alpha == 0 likewise.
            check(p, new Case(false, false, 5, 7, 0, 1f, 0f, 0, 0, 0, 0, 0, 0), r, true);
            check(p, new Case(false, false, 5, 7, 0, 1f, 0.5f, 0, 0, 0, 0, 0, 0), r, false);
            check(p, new Case(true, true, 6, 3, 4, 0f, 2f, 0, 0, 0, 0, 0, 0), r, false);
            check(p, new Case(false, false, 0, 7, 3, 1f, 0f, 0, 0, 0, 0, 0, 0), r, false);
            check(p, new Case(false, false, 7, 0, 3, 1f, 0f, 0, 0, 0, 0, 0, 0), r, false);
        }
        MemorySegment s = arena.allocate(64);
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 2, 2, 1f, s, 0, 1, s, 0, 2, 0f, s, 0, 2));
    }

    @Test
    void mlpShapes() {
        Random r = new Random(SEED);
        checkBoth(new Case(false, false, 128, 64, 784, 1f, 0f, 0, 0, 0, 0, 0, 0), r, true);
        checkBoth(new Case(true, false, 784, 64, 128, 1f, 1f, 0, 0, 0, 0, 0, 0), r, false);
        checkBoth(new Case(false, true, 128, 784, 64, 1f, 0f, 0, 0, 0, 0, 0, 0), r, false);
        checkBoth(new Case(false, false, 64, 10, 128, 1f, 0f, 0, 0, 0, 0, 0, 0), r, false);
        checkBoth(new Case(true, false, 64, 10, 128, 1f, 0f, 0, 0, 0, 0, 0, 0), r, false);
        checkBoth(new Case(false, true, 128, 64, 10, 1f, 0f, 0, 0, 0, 0, 0, 0), r, false);
    }

    @Test
    void deterministic() {
        Random r = new Random(SEED);
        for (Path path : new Path[] {Path.VECTOR, Path.SCALAR}) {
            for (int[] d : new int[][] {{300, 257, 700}, {1000, 64, 128}, {64, 900, 33}}) {
                int m = d[0], n = d[1], k = d[2];
                MemorySegment a = random(r, (long) m * k, false), b = random(r, (long) k * n, false);
                MemorySegment c1 = random(r, (long) m * n, false);
                MemorySegment c2 = arena.allocate((long) m * n * 4, 4);
                c2.copyFrom(c1);
                Case c = new Case(false, d[0] == 1000, m, n, k, 0.75f, 0.5f, 0, 0, 0, 0, 0, 0);
                if (c.tb) b = random(r, (long) n * k, false);
                run(path, c, a, b, c1);
                run(path, c, a, b, c2);
                assertEquals(-1L, c1.mismatch(c2), path + " not reproducible for " + c + " (seed " + SEED + ")");
            }
        }
    }

    @Test
    void confinedSegmentsRunOnTheCallingThread() {
        Random r = new Random(SEED);
        int m = 200, n = 150, k = 300;
        MemorySegment a = random(r, (long) m * k, false), b = random(r, (long) k * n, false);
        MemorySegment ref = arena.allocate((long) m * n * 4, 4);
        Gemm.sgemmVector(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, ref, 0, n);
        try (Arena confined = Arena.ofConfined()) {
            MemorySegment ca = confined.allocate(a.byteSize(), 4).copyFrom(a);
            MemorySegment cb = confined.allocate(b.byteSize(), 4).copyFrom(b);
            for (Path p : new Path[] {Path.VECTOR, Path.SCALAR}) {
                MemorySegment cc = confined.allocate(ref.byteSize(), 4);
                run(p, new Case(false, false, m, n, k, 1f, 0f, 0, 0, 0, 0, 0, 0), ca, cb, cc);
                if (p == Path.VECTOR) assertEquals(-1L, ref.mismatch(cc));
            }
        }
    }

    // ---- CpuParallel ----

    @Test
    void parallelCoversEveryIndexOnce() {
        assertTrue(CpuParallel.threads() >= 1);
        for (int n : new int[] {1, 2, 3, 7, 64, 1001}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            AtomicInteger calls = new AtomicInteger();
            CpuParallel.forRange(n, (s, e) -> {
                calls.incrementAndGet();
                assertTrue(0 <= s && s < e && e <= n);
                for (int i = s; i < e; i++) hits.incrementAndGet(i);
            });
            for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
            assertTrue(calls.get() <= Math.min(n, CpuParallel.threads()));
        }
        CpuParallel.forRange(0, (s, e) -> fail("empty range must not call the body"));
    }

    @Test
    void parallelSplitIsDeterministic() {
        int n = 1000;
        int[] first = new int[n], second = new int[n];
        CpuParallel.forRange(n, (s, e) -> { for (int i = s; i < e; i++) first[i] = s; });
        CpuParallel.forRange(n, (s, e) -> { for (int i = s; i < e; i++) second[i] = s; });
        for (int i = 0; i < n; i++) assertEquals(first[i], second[i]);
    }

    @Test
    void parallelPropagatesExceptions() {
        for (int rep = 0; rep < 20; rep++) {
            int n = 100;
            IllegalStateException boom = new IllegalStateException("boom");
            // Thrown by the last chunk, which a worker normally runs when there is more than one thread.
            IllegalStateException got = assertThrows(IllegalStateException.class, () -> CpuParallel.forRange(n, (s, e) -> {
                if (e == n) throw boom;
            }));
            assertSame(boom, got);
            assertThrows(ArithmeticException.class, () -> CpuParallel.forRange(n, (s, e) -> {
                if (s == 0) throw new ArithmeticException("first");
            }));
            // The pool still works afterwards.
            AtomicInteger sum = new AtomicInteger();
            CpuParallel.forRange(n, (s, e) -> sum.addAndGet(e - s));
            assertEquals(n, sum.get());
        }
    }

    @Test
    void parallelNestedCallsRunInline() {
        int outer = 8, inner = 50;
        AtomicIntegerArray hits = new AtomicIntegerArray(outer * inner);
        CpuParallel.forRange(outer, (s, e) -> {
            for (int o = s; o < e; o++) {
                int base = o * inner;
                CpuParallel.forRange(inner, (s2, e2) -> {
                    for (int i = s2; i < e2; i++) hits.incrementAndGet(base + i);
                });
            }
        });
        for (int i = 0; i < outer * inner; i++) assertEquals(1, hits.get(i));
        // GEMM inside a parallel body (runs on workers' own buffers) matches the serial result.
        Random r = new Random(SEED);
        int m = 70, n = 90, k = 300;
        MemorySegment a = random(r, (long) m * k, false), b = random(r, (long) k * n, false);
        MemorySegment ref = arena.allocate((long) m * n * 4, 4);
        Gemm.sgemmVector(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, ref, 0, n);
        MemorySegment[] outs = new MemorySegment[4];
        for (int i = 0; i < outs.length; i++) outs[i] = arena.allocate((long) m * n * 4, 4);
        CpuParallel.forRange(outs.length, (s, e) -> {
            for (int i = s; i < e; i++) Gemm.sgemmVector(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, outs[i], 0, n);
        });
        for (MemorySegment o : outs) assertEquals(-1L, ref.mismatch(o));
    }

    @Test
    void parallelFromManyThreads() throws InterruptedException {
        Thread[] ts = new Thread[4];
        AtomicInteger bad = new AtomicInteger();
        for (int t = 0; t < ts.length; t++) {
            ts[t] = new Thread(() -> {
                for (int rep = 0; rep < 500; rep++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(37);
                    CpuParallel.forRange(37, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
                    for (int i = 0; i < 37; i++) if (hits.get(i) != 1) bad.incrementAndGet();
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        assertEquals(0, bad.get());
    }
}
