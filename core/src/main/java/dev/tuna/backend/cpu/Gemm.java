package dev.tuna.backend.cpu;

import dev.tuna.backend.cpu.CpuParallel.RangeBody;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM over off-heap memory: {@code C = alpha * op(A) * op(B) + beta * C}, row-major.
 *
 * <p>The vector path follows the GotoBLAS/BLIS scheme: {@code op(A)} is packed into {@link Vec#MR}-row
 * micro-panels and {@code op(B)} into {@link Vec#NR}-column micro-panels (thread-local float[] buffers, grown on
 * demand and reused, so steady-state calls allocate nothing), cache-blocked by {@link Vec#KC} (depth),
 * {@link Vec#MC} (rows of A per packed block) and {@link Vec#NC} (columns of B per packed block, sized for L2), and
 * multiplied by a register-blocked Vector API micro-kernel (12 rows x 2 vectors of FMA accumulators on AVX-512).
 * Transposed operands are packed with in-register 16x16 (or 8x8) transposes. Problems of at least
 * {@code 2^16} multiply-adds are split over row or column micro-panels across {@link CpuParallel}; every element
 * of C is always computed by one thread with a fixed summation order (k blocks in order, one FMA chain per block,
 * block boundaries depending on k only), so results are bit-for-bit reproducible, whatever the thread count.
 *
 * <p>System properties, read once: {@code tuna.vector.bits} ({@code 0} selects the plain-Java scalar path;
 * 128/256/512 pick a vector width up to the preferred one; unset: the preferred species); tuning knobs
 * {@code tuna.gemm.kc} (384), {@code tuna.gemm.mc} (1536), {@code tuna.gemm.nc} (512) and
 * {@code tuna.gemm.parallelMinWork} (65536).
 */
public final class Gemm {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int VECTOR_BITS = readBits();
    private static final boolean VECTOR = VECTOR_BITS != 0 && vectorModulePresent();

    private Gemm() {}

    private static int readBits() {
        String s = System.getProperty("tuna.vector.bits");
        if (s == null || s.isBlank()) return -1;
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Whether {@link #sgemm} uses the Vector API path (false: the scalar fallback). */
    public static boolean vectorized() {
        return VECTOR;
    }

    /**
     * {@code C[m x n] = alpha * op(A) * op(B) + beta * C}, all row-major float32 in native byte order.
     * {@code op(A)} is m x k: A is stored m x k (row stride lda) or, when transA, k x m. Likewise {@code op(B)}
     * is k x n: B is stored k x n (row stride ldb) or, when transB, n x k. Offsets are in elements. With
     * {@code beta == 0} C is overwritten (NaNs in C are not propagated).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, long aOffsetElems, int lda,
                             MemorySegment b, long bOffsetElems, int ldb, float beta,
                             MemorySegment c, long cOffsetElems, int ldc) {
        if (VECTOR) {
            sgemmVector(transA, transB, m, n, k, alpha, a, aOffsetElems, lda, b, bOffsetElems, ldb, beta, c, cOffsetElems, ldc);
        } else {
            sgemmScalar(transA, transB, m, n, k, alpha, a, aOffsetElems, lda, b, bOffsetElems, ldb, beta, c, cOffsetElems, ldc);
        }
    }

    private static void check(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc,
                              long aOff, long bOff, long cOff) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("negative GEMM size " + m + "x" + n + "x" + k);
        if (aOff < 0 || bOff < 0 || cOff < 0) throw new IllegalArgumentException("negative GEMM offset");
        int aw = transA ? m : k, bw = transB ? k : n;
        if (lda < aw) throw new IllegalArgumentException("lda " + lda + " < " + aw);
        if (ldb < bw) throw new IllegalArgumentException("ldb " + ldb + " < " + bw);
        if (ldc < n) throw new IllegalArgumentException("ldc " + ldc + " < " + n);
    }

    /** Handles the cases with nothing to multiply; returns true if the call is complete. */
    private static boolean trivial(int m, int n, int k, float alpha, float beta, MemorySegment c, long cOff, int ldc) {
        if (m == 0 || n == 0) return true;
        if (k != 0 && alpha != 0f) return false;
        for (int i = 0; i < m; i++) {
            long row = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                float v = beta == 0f ? 0f : beta * c.getAtIndex(F, row + j);
                c.setAtIndex(F, row + j, v);
            }
        }
        return true;
    }

    /** A thread that never runs: segments it may access are accessible from any thread (not confined). */
    private static final Thread PROBE = Thread.ofPlatform().unstarted(() -> { });

    /** Whether worker threads may touch all three segments (segments of a confined arena force a serial call). */
    private static boolean shareable(MemorySegment a, MemorySegment b, MemorySegment c) {
        return a.isAccessibleBy(PROBE) && b.isAccessibleBy(PROBE) && c.isAccessibleBy(PROBE);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Scalar fallback.

    /** Plain-Java implementation with the same semantics as {@link #sgemm}. */
    static void sgemmScalar(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            MemorySegment a, long aOff, int lda,
                            MemorySegment b, long bOff, int ldb, float beta,
                            MemorySegment c, long cOff, int ldc) {
        check(transA, transB, m, n, k, lda, ldb, ldc, aOff, bOff, cOff);
        if (trivial(m, n, k, alpha, beta, c, cOff, ldc)) return;
        long work = (long) m * n * k;
        int chunks = work < (1L << 18) || !shareable(a, b, c) ? 1 : Math.min(m, CpuParallel.threads());
        RangeBody body = (c0, c1) -> {
            for (int ch = c0; ch < c1; ch++) {
                int i0 = CpuParallel.chunkStart(m, chunks, ch), i1 = CpuParallel.chunkStart(m, chunks, ch + 1);
                scalarRows(transA, transB, i0, i1, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            }
        };
        if (chunks == 1) body.run(0, 1);
        else CpuParallel.forRange(chunks, body);
    }

    private static final ThreadLocal<float[][]> SCALAR_BUF = ThreadLocal.withInitial(() -> new float[2][]);

    private static void scalarRows(boolean transA, boolean transB, int i0, int i1, int n, int k, float alpha,
                                   MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                   float beta, MemorySegment c, long cOff, int ldc) {
        float[][] buf = SCALAR_BUF.get();
        if (buf[0] == null || buf[0].length < k) buf[0] = new float[Math.max(k, 64)];
        if (buf[1] == null || buf[1].length < n) buf[1] = new float[Math.max(n, 64)];
        float[] arow = buf[0], acc = buf[1];
        for (int i = i0; i < i1; i++) {
            for (int p = 0; p < k; p++) {
                arow[p] = transA ? a.getAtIndex(F, aOff + (long) p * lda + i) : a.getAtIndex(F, aOff + (long) i * lda + p);
            }
            if (transB) {
                for (int j = 0; j < n; j++) {
                    long row = bOff + (long) j * ldb;
                    float s = 0f;
                    for (int p = 0; p < k; p++) s += arow[p] * b.getAtIndex(F, row + p);
                    acc[j] = s;
                }
            } else {
                java.util.Arrays.fill(acc, 0, n, 0f);
                for (int p = 0; p < k; p++) {
                    float av = arow[p];
                    long row = bOff + (long) p * ldb;
                    for (int j = 0; j < n; j++) acc[j] += av * b.getAtIndex(F, row + j);
                }
            }
            long crow = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                float v = beta == 0f ? alpha * acc[j] : beta * c.getAtIndex(F, crow + j) + alpha * acc[j];
                c.setAtIndex(F, crow + j, v);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Vector path.

    /** Vector API implementation with the same semantics as {@link #sgemm}. */
    static void sgemmVector(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            MemorySegment a, long aOff, int lda,
                            MemorySegment b, long bOff, int ldb, float beta,
                            MemorySegment c, long cOff, int ldc) {
        check(transA, transB, m, n, k, lda, ldb, ldc, aOff, bOff, cOff);
        if (trivial(m, n, k, alpha, beta, c, cOff, ldc)) return;
        Vec.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** The Vector API path (a nested class so that the scalar path works without the incubator module). */
    static final class Vec {
        static final VectorSpecies<Float> S = species();
        static final int L = S.length();
        /**
         * Micro-tile: MR rows of C by NV vectors (NR = NV * L columns). 12 x 2 keeps 24 accumulators, 2 B vectors
         * and a broadcast in registers, which needs the 32 vector registers of AVX-512 (measured best there among
         * 6x4, 8x3, 12x2, 14x2, 16x2); narrower species (AVX2: 16 registers) use 6 x 2.
         */
        static final int MR = L >= 16 ? 12 : 6;
        static final int NV = 2;
        static final int NR = NV * L;
        /** Depth of a packed block. */
        static final int KC = Integer.getInteger("tuna.gemm.kc", 384);
        /** Rows of op(A) per packed block (a multiple of MR). */
        static final int MC = roundUp(Integer.getInteger("tuna.gemm.mc", 1536), MR);
        /** Columns of op(B) per packed block (a multiple of NR); KC x NC floats should sit in L2. */
        static final int NC = roundUp(Integer.getInteger("tuna.gemm.nc", 512), NR);
        private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
        /** Below this many multiply-adds a call runs on the calling thread only. */
        private static final long PARALLEL_MIN_WORK = Long.getLong("tuna.gemm.parallelMinWork", 1L << 16);

        private static VectorSpecies<Float> species() {
            VectorSpecies<Float> pref = FloatVector.SPECIES_PREFERRED;
            if (VECTOR_BITS > 0 && VECTOR_BITS < pref.vectorBitSize()) {
                try {
                    return VectorSpecies.of(float.class, VectorShape.forBitSize(VECTOR_BITS));
                } catch (IllegalArgumentException e) {
                    return pref;
                }
            }
            return pref;
        }

        /** The size of the blocks when {@code n} is cut into as few as possible of at most {@code max}, a multiple of q. */
        private static int evenBlock(int n, int max, int q) {
            int blocks = Math.max(1, (n + max - 1) / max);
            return Math.min(max, roundUp((n + blocks - 1) / blocks, q));
        }

        private static int roundUp(int x, int q) {
            return Math.max(q, (x + q - 1) / q * q);
        }

        /** Per-thread packing buffers, plus the job description when this thread is the caller. */
        static final class Work implements RangeBody {
            /** Packed A block (up to MC x KC) and B block (up to KC x NC), grown on demand, plus L floats of slack. */
            float[] ap = new float[0], bp = new float[0];
            final float[] tile = new float[MR * NR];
            // Job (only meaningful on the calling thread's Work while a parallel call is in flight).
            boolean transA, transB, splitN;
            int m, n, k, lda, ldb, ldc, chunks, panels;
            float alpha, beta;
            MemorySegment a, b, c;
            long aOff, bOff, cOff;

            @Override
            public void run(int c0, int c1) {
                Work w = WORK.get();
                for (int ch = c0; ch < c1; ch++) {
                    int p0 = CpuParallel.chunkStart(panels, chunks, ch), p1 = CpuParallel.chunkStart(panels, chunks, ch + 1);
                    if (splitN) {
                        w.compute(this, 0, m, p0 * NR, Math.min(n, p1 * NR));
                    } else {
                        w.compute(this, p0 * MR, Math.min(m, p1 * MR), 0, n);
                    }
                }
            }

            /** Serial blocked GEMM of rows [i0, i1) x columns [j0, j1) of C for job j, using this thread's buffers. */
            void compute(Work j, int i0, int i1, int j0, int j1) {
                int k = j.k;
                // Even blocks: depth blocks of at most KC (they fix the summation order, which depends on k only),
                // row blocks of at most MC (rounded to whole micro-panels).
                int kb = evenBlock(k, KC, 1);
                int mb = evenBlock(i1 - i0, MC, MR);
                int aNeed = roundUp(mb, MR) * kb + L, bNeed = roundUp(Math.min(NC, j1 - j0), NR) * kb + L;
                if (ap.length < aNeed) ap = new float[aNeed];
                if (bp.length < bNeed) bp = new float[bNeed];
                for (int pc = 0; pc < k; pc += kb) {
                    int kc = Math.min(kb, k - pc);
                    boolean first = pc == 0;
                    for (int ic = i0; ic < i1; ic += mb) {
                        int mc = Math.min(mb, i1 - ic);
                        packA(j, ic, mc, pc, kc);
                        for (int jc = j0; jc < j1; jc += NC) {
                            int nc = Math.min(NC, j1 - jc);
                            packB(j, jc, nc, pc, kc);
                            macro(j, ic, mc, jc, nc, kc, first);
                        }
                    }
                }
            }

            private void packA(Work j, int ic, int mc, int pc, int kc) {
                for (int q = 0; q * MR < mc; q++) {
                    int rows = Math.min(MR, mc - q * MR);
                    int i = ic + q * MR;
                    if (j.transA) {
                        packRows(j.a, j.aOff + (long) pc * j.lda + i, j.lda, rows, kc, ap, q * MR * kc, MR);
                    } else {
                        packColumns(j.a, j.aOff + (long) i * j.lda + pc, j.lda, rows, kc, ap, q * MR * kc, MR);
                    }
                }
            }

            private void packB(Work j, int jc, int nc, int pc, int kc) {
                for (int q = 0; q * NR < nc; q++) {
                    int cols = Math.min(NR, nc - q * NR);
                    int col = jc + q * NR;
                    if (j.transB) {
                        packColumns(j.b, j.bOff + (long) col * j.ldb + pc, j.ldb, cols, kc, bp, q * NR * kc, NR);
                    } else {
                        packRows(j.b, j.bOff + (long) pc * j.ldb + col, j.ldb, cols, kc, bp, q * NR * kc, NR);
                    }
                }
            }

            /**
             * C block += A block x B block, one MR x NR tile at a time: A micro-panels outer (each stays in L1), B
             * micro-panels inner (streamed from the L2-resident packed B block), so consecutive tiles update
             * neighbouring C columns. (B-outer/A-inner runs the bare kernel ~10% faster but walks C down its columns,
             * which measured slower overall.)
             */
            private void macro(Work j, int ic, int mc, int jc, int nc, int kc, boolean first) {
                float alpha = j.alpha;
                boolean beta0 = first && j.beta == 0f;
                float beff = first ? j.beta : 1f;
                for (int q = 0; q * MR < mc; q++) {
                    int rows = Math.min(MR, mc - q * MR);
                    int aOffP = q * MR * kc;
                    for (int t = 0; t * NR < nc; t++) {
                        int cols = Math.min(NR, nc - t * NR);
                        long cAt = j.cOff + (long) (ic + q * MR) * j.ldc + jc + t * NR;
                        kernel(ap, aOffP, bp, t * NR * kc, kc, tile, cols <= L);
                        if (rows == MR && cols == NR) {
                            updateFull(tile, j.c, cAt, j.ldc, alpha, beff, beta0);
                        } else {
                            updatePartial(tile, rows, cols, j.c, cAt, j.ldc, alpha, beff, beta0);
                        }
                    }
                }
            }

        }

        /**
         * {@code dst[base + p*width + r] = src[at + p*ld + r]} for r < cnt (zero up to width), p < kc.
         * Full panels copy whole vectors; when width is not a multiple of L the last one spills up to L-1 floats past
         * the row, into where the next row (or panel) is written later, or into the buffers' L floats of slack.
         */
        private static void packRows(MemorySegment src, long at, long ld, int cnt, int kc, float[] dst, int base, int width) {
            int nvec = (width + L - 1) / L;
            if (cnt == width && nvec <= 4) {
                long limit = src.byteSize() - (long) nvec * L * 4;
                for (int p = 0; p < kc; p++) {
                    long s = (at + p * ld) * 4;
                    int d = base + p * width;
                    if (s <= limit) {
                        // Straight-line code: a loop over the vectors here makes C2 keep the checks in the p loop.
                        FloatVector.fromMemorySegment(S, src, s, NATIVE).intoArray(dst, d);
                        if (nvec > 1) FloatVector.fromMemorySegment(S, src, s + L * 4L, NATIVE).intoArray(dst, d + L);
                        if (nvec > 2) FloatVector.fromMemorySegment(S, src, s + 2 * L * 4L, NATIVE).intoArray(dst, d + 2 * L);
                        if (nvec > 3) FloatVector.fromMemorySegment(S, src, s + 3 * L * 4L, NATIVE).intoArray(dst, d + 3 * L);
                    } else {
                        for (int r = 0; r < width; r++) dst[d + r] = src.getAtIndex(F, s / 4 + r);
                    }
                }
            } else {
                // Partial panel: masked loads (zero past cnt) and whole-vector stores (spilling as above).
                for (int p = 0; p < kc; p++) {
                    long s = (at + p * ld) * 4;
                    int d = base + p * width;
                    for (int v = 0; v < width; v += L) {
                        FloatVector.fromMemorySegment(S, src, s + v * 4L, NATIVE, S.indexInRange(v, cnt)).intoArray(dst, d + v);
                    }
                }
            }
        }

        /**
         * {@code dst[base + p*width + r] = src[at + r*ld + p]} for r < cnt (zero up to width), p < kc: a transposing
         * copy, done L x L blocks at a time in registers when L is 8 or 16.
         */
        private static void packColumns(MemorySegment src, long at, long ld, int cnt, int kc, float[] dst, int base,
                                        int width) {
            int p = 0;
            if (L == 16 || L == 8) {
                int kv = kc - kc % L;
                int lastGroup = (width - 1) / L * L;
                for (; p < kv; p += L) {
                    // Groups last to first: a partial last group's stores spill past its lanes into the next row's
                    // first lanes, which the earlier groups (or the next block, the next panel, the buffers' slack)
                    // overwrite afterwards.
                    for (int g = lastGroup; g >= 0; g -= L) {
                        int rows = Math.min(L, cnt - g);
                        if (L == 16) transpose16(src, at + g * ld + p, ld, rows, dst, base + p * width + g, width);
                        else transpose8(src, at + g * ld + p, ld, rows, dst, base + p * width + g, width);
                    }
                }
            }
            for (; p < kc; p++) {
                int d = base + p * width;
                int r = 0;
                for (; r < cnt; r++) dst[d + r] = src.getAtIndex(F, at + r * ld + p);
                for (; r < width; r++) dst[d + r] = 0f;
            }
        }

        /** Lane indices into (a, b) for one stage of the in-register transpose of {@code n} rows (null unless L == n). */
        private static FloatVector transposeIndex(int n, int b, boolean hi) {
            if (L != n) return null;
            float[] x = new float[n];
            for (int l = 0; l < n; l++) x[l] = hi ? ((l & b) == 0 ? l + b : l + n) : ((l & b) == 0 ? l : l - b + n);
            return FloatVector.fromArray(S, x, 0);
        }

        /**
         * Loads 16 rows of 16 floats (row r at element s + r*ld; rows >= rows are zero), transposes them in
         * registers and stores column c at dst[d + c*width] (all lanes).
         */
        private static void transpose16(MemorySegment src, long s, long ld, int rows, float[] dst, int d, int width) {
            FloatVector z = FloatVector.zero(S);
            FloatVector v0 = rows > 0 ? FloatVector.fromMemorySegment(S, src, s * 4, NATIVE) : z;
            FloatVector v1 = rows > 1 ? FloatVector.fromMemorySegment(S, src, (s + 1 * ld) * 4, NATIVE) : z;
            FloatVector v2 = rows > 2 ? FloatVector.fromMemorySegment(S, src, (s + 2 * ld) * 4, NATIVE) : z;
            FloatVector v3 = rows > 3 ? FloatVector.fromMemorySegment(S, src, (s + 3 * ld) * 4, NATIVE) : z;
            FloatVector v4 = rows > 4 ? FloatVector.fromMemorySegment(S, src, (s + 4 * ld) * 4, NATIVE) : z;
            FloatVector v5 = rows > 5 ? FloatVector.fromMemorySegment(S, src, (s + 5 * ld) * 4, NATIVE) : z;
            FloatVector v6 = rows > 6 ? FloatVector.fromMemorySegment(S, src, (s + 6 * ld) * 4, NATIVE) : z;
            FloatVector v7 = rows > 7 ? FloatVector.fromMemorySegment(S, src, (s + 7 * ld) * 4, NATIVE) : z;
            FloatVector v8 = rows > 8 ? FloatVector.fromMemorySegment(S, src, (s + 8 * ld) * 4, NATIVE) : z;
            FloatVector v9 = rows > 9 ? FloatVector.fromMemorySegment(S, src, (s + 9 * ld) * 4, NATIVE) : z;
            FloatVector v10 = rows > 10 ? FloatVector.fromMemorySegment(S, src, (s + 10 * ld) * 4, NATIVE) : z;
            FloatVector v11 = rows > 11 ? FloatVector.fromMemorySegment(S, src, (s + 11 * ld) * 4, NATIVE) : z;
            FloatVector v12 = rows > 12 ? FloatVector.fromMemorySegment(S, src, (s + 12 * ld) * 4, NATIVE) : z;
            FloatVector v13 = rows > 13 ? FloatVector.fromMemorySegment(S, src, (s + 13 * ld) * 4, NATIVE) : z;
            FloatVector v14 = rows > 14 ? FloatVector.fromMemorySegment(S, src, (s + 14 * ld) * 4, NATIVE) : z;
            FloatVector v15 = rows > 15 ? FloatVector.fromMemorySegment(S, src, (s + 15 * ld) * 4, NATIVE) : z;
            FloatVector t0_0 = T16_LO8.selectFrom(v0, v8), t0_8 = T16_HI8.selectFrom(v0, v8);
            FloatVector t0_1 = T16_LO8.selectFrom(v1, v9), t0_9 = T16_HI8.selectFrom(v1, v9);
            FloatVector t0_2 = T16_LO8.selectFrom(v2, v10), t0_10 = T16_HI8.selectFrom(v2, v10);
            FloatVector t0_3 = T16_LO8.selectFrom(v3, v11), t0_11 = T16_HI8.selectFrom(v3, v11);
            FloatVector t0_4 = T16_LO8.selectFrom(v4, v12), t0_12 = T16_HI8.selectFrom(v4, v12);
            FloatVector t0_5 = T16_LO8.selectFrom(v5, v13), t0_13 = T16_HI8.selectFrom(v5, v13);
            FloatVector t0_6 = T16_LO8.selectFrom(v6, v14), t0_14 = T16_HI8.selectFrom(v6, v14);
            FloatVector t0_7 = T16_LO8.selectFrom(v7, v15), t0_15 = T16_HI8.selectFrom(v7, v15);
            FloatVector t1_0 = T16_LO4.selectFrom(t0_0, t0_4), t1_4 = T16_HI4.selectFrom(t0_0, t0_4);
            FloatVector t1_1 = T16_LO4.selectFrom(t0_1, t0_5), t1_5 = T16_HI4.selectFrom(t0_1, t0_5);
            FloatVector t1_2 = T16_LO4.selectFrom(t0_2, t0_6), t1_6 = T16_HI4.selectFrom(t0_2, t0_6);
            FloatVector t1_3 = T16_LO4.selectFrom(t0_3, t0_7), t1_7 = T16_HI4.selectFrom(t0_3, t0_7);
            FloatVector t1_8 = T16_LO4.selectFrom(t0_8, t0_12), t1_12 = T16_HI4.selectFrom(t0_8, t0_12);
            FloatVector t1_9 = T16_LO4.selectFrom(t0_9, t0_13), t1_13 = T16_HI4.selectFrom(t0_9, t0_13);
            FloatVector t1_10 = T16_LO4.selectFrom(t0_10, t0_14), t1_14 = T16_HI4.selectFrom(t0_10, t0_14);
            FloatVector t1_11 = T16_LO4.selectFrom(t0_11, t0_15), t1_15 = T16_HI4.selectFrom(t0_11, t0_15);
            FloatVector t2_0 = T16_LO2.selectFrom(t1_0, t1_2), t2_2 = T16_HI2.selectFrom(t1_0, t1_2);
            FloatVector t2_1 = T16_LO2.selectFrom(t1_1, t1_3), t2_3 = T16_HI2.selectFrom(t1_1, t1_3);
            FloatVector t2_4 = T16_LO2.selectFrom(t1_4, t1_6), t2_6 = T16_HI2.selectFrom(t1_4, t1_6);
            FloatVector t2_5 = T16_LO2.selectFrom(t1_5, t1_7), t2_7 = T16_HI2.selectFrom(t1_5, t1_7);
            FloatVector t2_8 = T16_LO2.selectFrom(t1_8, t1_10), t2_10 = T16_HI2.selectFrom(t1_8, t1_10);
            FloatVector t2_9 = T16_LO2.selectFrom(t1_9, t1_11), t2_11 = T16_HI2.selectFrom(t1_9, t1_11);
            FloatVector t2_12 = T16_LO2.selectFrom(t1_12, t1_14), t2_14 = T16_HI2.selectFrom(t1_12, t1_14);
            FloatVector t2_13 = T16_LO2.selectFrom(t1_13, t1_15), t2_15 = T16_HI2.selectFrom(t1_13, t1_15);
            FloatVector t3_0 = T16_LO1.selectFrom(t2_0, t2_1), t3_1 = T16_HI1.selectFrom(t2_0, t2_1);
            FloatVector t3_2 = T16_LO1.selectFrom(t2_2, t2_3), t3_3 = T16_HI1.selectFrom(t2_2, t2_3);
            FloatVector t3_4 = T16_LO1.selectFrom(t2_4, t2_5), t3_5 = T16_HI1.selectFrom(t2_4, t2_5);
            FloatVector t3_6 = T16_LO1.selectFrom(t2_6, t2_7), t3_7 = T16_HI1.selectFrom(t2_6, t2_7);
            FloatVector t3_8 = T16_LO1.selectFrom(t2_8, t2_9), t3_9 = T16_HI1.selectFrom(t2_8, t2_9);
            FloatVector t3_10 = T16_LO1.selectFrom(t2_10, t2_11), t3_11 = T16_HI1.selectFrom(t2_10, t2_11);
            FloatVector t3_12 = T16_LO1.selectFrom(t2_12, t2_13), t3_13 = T16_HI1.selectFrom(t2_12, t2_13);
            FloatVector t3_14 = T16_LO1.selectFrom(t2_14, t2_15), t3_15 = T16_HI1.selectFrom(t2_14, t2_15);
            t3_0.intoArray(dst, d + 0 * width);
            t3_1.intoArray(dst, d + 1 * width);
            t3_2.intoArray(dst, d + 2 * width);
            t3_3.intoArray(dst, d + 3 * width);
            t3_4.intoArray(dst, d + 4 * width);
            t3_5.intoArray(dst, d + 5 * width);
            t3_6.intoArray(dst, d + 6 * width);
            t3_7.intoArray(dst, d + 7 * width);
            t3_8.intoArray(dst, d + 8 * width);
            t3_9.intoArray(dst, d + 9 * width);
            t3_10.intoArray(dst, d + 10 * width);
            t3_11.intoArray(dst, d + 11 * width);
            t3_12.intoArray(dst, d + 12 * width);
            t3_13.intoArray(dst, d + 13 * width);
            t3_14.intoArray(dst, d + 14 * width);
            t3_15.intoArray(dst, d + 15 * width);
        }

        private static final FloatVector T16_LO8 = transposeIndex(16, 8, false), T16_HI8 = transposeIndex(16, 8, true),
                T16_LO4 = transposeIndex(16, 4, false), T16_HI4 = transposeIndex(16, 4, true),
                T16_LO2 = transposeIndex(16, 2, false), T16_HI2 = transposeIndex(16, 2, true),
                T16_LO1 = transposeIndex(16, 1, false), T16_HI1 = transposeIndex(16, 1, true);

        /**
         * Loads 8 rows of 8 floats (row r at element s + r*ld; rows >= rows are zero), transposes them in
         * registers and stores column c at dst[d + c*width] (all lanes).
         */
        private static void transpose8(MemorySegment src, long s, long ld, int rows, float[] dst, int d, int width) {
            FloatVector z = FloatVector.zero(S);
            FloatVector v0 = rows > 0 ? FloatVector.fromMemorySegment(S, src, s * 4, NATIVE) : z;
            FloatVector v1 = rows > 1 ? FloatVector.fromMemorySegment(S, src, (s + 1 * ld) * 4, NATIVE) : z;
            FloatVector v2 = rows > 2 ? FloatVector.fromMemorySegment(S, src, (s + 2 * ld) * 4, NATIVE) : z;
            FloatVector v3 = rows > 3 ? FloatVector.fromMemorySegment(S, src, (s + 3 * ld) * 4, NATIVE) : z;
            FloatVector v4 = rows > 4 ? FloatVector.fromMemorySegment(S, src, (s + 4 * ld) * 4, NATIVE) : z;
            FloatVector v5 = rows > 5 ? FloatVector.fromMemorySegment(S, src, (s + 5 * ld) * 4, NATIVE) : z;
            FloatVector v6 = rows > 6 ? FloatVector.fromMemorySegment(S, src, (s + 6 * ld) * 4, NATIVE) : z;
            FloatVector v7 = rows > 7 ? FloatVector.fromMemorySegment(S, src, (s + 7 * ld) * 4, NATIVE) : z;
            FloatVector t0_0 = T8_LO4.selectFrom(v0, v4), t0_4 = T8_HI4.selectFrom(v0, v4);
            FloatVector t0_1 = T8_LO4.selectFrom(v1, v5), t0_5 = T8_HI4.selectFrom(v1, v5);
            FloatVector t0_2 = T8_LO4.selectFrom(v2, v6), t0_6 = T8_HI4.selectFrom(v2, v6);
            FloatVector t0_3 = T8_LO4.selectFrom(v3, v7), t0_7 = T8_HI4.selectFrom(v3, v7);
            FloatVector t1_0 = T8_LO2.selectFrom(t0_0, t0_2), t1_2 = T8_HI2.selectFrom(t0_0, t0_2);
            FloatVector t1_1 = T8_LO2.selectFrom(t0_1, t0_3), t1_3 = T8_HI2.selectFrom(t0_1, t0_3);
            FloatVector t1_4 = T8_LO2.selectFrom(t0_4, t0_6), t1_6 = T8_HI2.selectFrom(t0_4, t0_6);
            FloatVector t1_5 = T8_LO2.selectFrom(t0_5, t0_7), t1_7 = T8_HI2.selectFrom(t0_5, t0_7);
            FloatVector t2_0 = T8_LO1.selectFrom(t1_0, t1_1), t2_1 = T8_HI1.selectFrom(t1_0, t1_1);
            FloatVector t2_2 = T8_LO1.selectFrom(t1_2, t1_3), t2_3 = T8_HI1.selectFrom(t1_2, t1_3);
            FloatVector t2_4 = T8_LO1.selectFrom(t1_4, t1_5), t2_5 = T8_HI1.selectFrom(t1_4, t1_5);
            FloatVector t2_6 = T8_LO1.selectFrom(t1_6, t1_7), t2_7 = T8_HI1.selectFrom(t1_6, t1_7);
            t2_0.intoArray(dst, d + 0 * width);
            t2_1.intoArray(dst, d + 1 * width);
            t2_2.intoArray(dst, d + 2 * width);
            t2_3.intoArray(dst, d + 3 * width);
            t2_4.intoArray(dst, d + 4 * width);
            t2_5.intoArray(dst, d + 5 * width);
            t2_6.intoArray(dst, d + 6 * width);
            t2_7.intoArray(dst, d + 7 * width);
        }

        private static final FloatVector T8_LO4 = transposeIndex(8, 4, false), T8_HI4 = transposeIndex(8, 4, true),
                T8_LO2 = transposeIndex(8, 2, false), T8_HI2 = transposeIndex(8, 2, true),
                T8_LO1 = transposeIndex(8, 1, false), T8_HI1 = transposeIndex(8, 1, true);

        private static final ThreadLocal<Work> WORK = ThreadLocal.withInitial(Work::new);

        static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                          MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb, float beta,
                          MemorySegment c, long cOff, int ldc) {
            Work w = WORK.get();
            w.transA = transA;
            w.transB = transB;
            w.m = m;
            w.n = n;
            w.k = k;
            w.alpha = alpha;
            w.beta = beta;
            w.a = a;
            w.aOff = aOff;
            w.lda = lda;
            w.b = b;
            w.bOff = bOff;
            w.ldb = ldb;
            w.c = c;
            w.cOff = cOff;
            w.ldc = ldc;
            int mPanels = (m + MR - 1) / MR, nPanels = (n + NR - 1) / NR;
            int threads = CpuParallel.threads();
            long work = (long) m * n * k;
            w.splitN = nPanels >= mPanels;
            w.panels = w.splitN ? nPanels : mPanels;
            w.chunks = work < PARALLEL_MIN_WORK || !shareable(a, b, c) ? 1 : Math.min(threads, w.panels);
            try {
                if (w.chunks == 1) {
                    w.compute(w, 0, m, 0, n);
                } else {
                    CpuParallel.forRange(w.chunks, w);
                }
            } finally {
                w.a = w.b = w.c = null;
            }
        }

        private static void updateFull(float[] tile, MemorySegment c, long cAt, int ldc, float alpha, float beff,
                                       boolean beta0) {
            for (int r = 0; r < MR; r++) {
                long row = (cAt + (long) r * ldc) * 4;
                for (int v = 0; v < NV; v++) {
                    FloatVector acc = FloatVector.fromArray(S, tile, r * NR + v * L).mul(alpha);
                    long addr = row + v * L * 4L;
                    if (!beta0) acc = FloatVector.fromMemorySegment(S, c, addr, NATIVE).mul(beff).add(acc);
                    acc.intoMemorySegment(c, addr, NATIVE);
                }
            }
        }

        private static void updatePartial(float[] tile, int rows, int cols, MemorySegment c, long cAt, int ldc,
                                          float alpha, float beff, boolean beta0) {
            for (int r = 0; r < rows; r++) {
                long row = (cAt + (long) r * ldc) * 4;
                for (int v = 0; v < cols; v += L) {
                    VectorMask<Float> m = S.indexInRange(v, cols);
                    FloatVector acc = FloatVector.fromArray(S, tile, r * NR + v).mul(alpha);
                    long addr = row + v * 4L;
                    if (!beta0) acc = FloatVector.fromMemorySegment(S, c, addr, NATIVE, m).mul(beff).add(acc);
                    acc.intoMemorySegment(c, addr, NATIVE, m);
                }
            }
        }

        /** tile[r*NR + c] = sum over p of A panel row r times B panel column c (narrow: only the first L columns). */
        private static void kernel(float[] a, int aOff, float[] b, int bOff, int kc, float[] tile, boolean narrow) {
            if (MR == 12) {
                if (narrow) kernel12x1(a, aOff, b, bOff, kc, tile);
                else kernel12x2(a, aOff, b, bOff, kc, tile);
            } else {
                if (narrow) kernel6x1(a, aOff, b, bOff, kc, tile);
                else kernel6x2(a, aOff, b, bOff, kc, tile);
            }
        }

        /** C tile += A panel (a[aOff + p*12 + r]) times 2 vector(s) of the B panel (b[bOff + p*NR + c]); result into tile[r*NR + c]. */
        private static void kernel12x2(float[] a, int aOff, float[] b, int bOff, int kc, float[] tile) {
            final int nr = NR;
            FloatVector c0_0 = FloatVector.zero(S), c0_1 = FloatVector.zero(S);
            FloatVector c1_0 = FloatVector.zero(S), c1_1 = FloatVector.zero(S);
            FloatVector c2_0 = FloatVector.zero(S), c2_1 = FloatVector.zero(S);
            FloatVector c3_0 = FloatVector.zero(S), c3_1 = FloatVector.zero(S);
            FloatVector c4_0 = FloatVector.zero(S), c4_1 = FloatVector.zero(S);
            FloatVector c5_0 = FloatVector.zero(S), c5_1 = FloatVector.zero(S);
            FloatVector c6_0 = FloatVector.zero(S), c6_1 = FloatVector.zero(S);
            FloatVector c7_0 = FloatVector.zero(S), c7_1 = FloatVector.zero(S);
            FloatVector c8_0 = FloatVector.zero(S), c8_1 = FloatVector.zero(S);
            FloatVector c9_0 = FloatVector.zero(S), c9_1 = FloatVector.zero(S);
            FloatVector c10_0 = FloatVector.zero(S), c10_1 = FloatVector.zero(S);
            FloatVector c11_0 = FloatVector.zero(S), c11_1 = FloatVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * 12;
                int bi = bOff + p * nr;
                FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + 1 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai + 0]);
                c0_0 = b0.fma(a0, c0_0);
                c0_1 = b1.fma(a0, c0_1);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c1_0 = b0.fma(a1, c1_0);
                c1_1 = b1.fma(a1, c1_1);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c2_0 = b0.fma(a2, c2_0);
                c2_1 = b1.fma(a2, c2_1);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c3_0 = b0.fma(a3, c3_0);
                c3_1 = b1.fma(a3, c3_1);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c4_0 = b0.fma(a4, c4_0);
                c4_1 = b1.fma(a4, c4_1);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c5_0 = b0.fma(a5, c5_0);
                c5_1 = b1.fma(a5, c5_1);
                FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
                c6_0 = b0.fma(a6, c6_0);
                c6_1 = b1.fma(a6, c6_1);
                FloatVector a7 = FloatVector.broadcast(S, a[ai + 7]);
                c7_0 = b0.fma(a7, c7_0);
                c7_1 = b1.fma(a7, c7_1);
                FloatVector a8 = FloatVector.broadcast(S, a[ai + 8]);
                c8_0 = b0.fma(a8, c8_0);
                c8_1 = b1.fma(a8, c8_1);
                FloatVector a9 = FloatVector.broadcast(S, a[ai + 9]);
                c9_0 = b0.fma(a9, c9_0);
                c9_1 = b1.fma(a9, c9_1);
                FloatVector a10 = FloatVector.broadcast(S, a[ai + 10]);
                c10_0 = b0.fma(a10, c10_0);
                c10_1 = b1.fma(a10, c10_1);
                FloatVector a11 = FloatVector.broadcast(S, a[ai + 11]);
                c11_0 = b0.fma(a11, c11_0);
                c11_1 = b1.fma(a11, c11_1);
            }
            c0_0.intoArray(tile, 0 * nr + 0 * L);
            c0_1.intoArray(tile, 0 * nr + 1 * L);
            c1_0.intoArray(tile, 1 * nr + 0 * L);
            c1_1.intoArray(tile, 1 * nr + 1 * L);
            c2_0.intoArray(tile, 2 * nr + 0 * L);
            c2_1.intoArray(tile, 2 * nr + 1 * L);
            c3_0.intoArray(tile, 3 * nr + 0 * L);
            c3_1.intoArray(tile, 3 * nr + 1 * L);
            c4_0.intoArray(tile, 4 * nr + 0 * L);
            c4_1.intoArray(tile, 4 * nr + 1 * L);
            c5_0.intoArray(tile, 5 * nr + 0 * L);
            c5_1.intoArray(tile, 5 * nr + 1 * L);
            c6_0.intoArray(tile, 6 * nr + 0 * L);
            c6_1.intoArray(tile, 6 * nr + 1 * L);
            c7_0.intoArray(tile, 7 * nr + 0 * L);
            c7_1.intoArray(tile, 7 * nr + 1 * L);
            c8_0.intoArray(tile, 8 * nr + 0 * L);
            c8_1.intoArray(tile, 8 * nr + 1 * L);
            c9_0.intoArray(tile, 9 * nr + 0 * L);
            c9_1.intoArray(tile, 9 * nr + 1 * L);
            c10_0.intoArray(tile, 10 * nr + 0 * L);
            c10_1.intoArray(tile, 10 * nr + 1 * L);
            c11_0.intoArray(tile, 11 * nr + 0 * L);
            c11_1.intoArray(tile, 11 * nr + 1 * L);
        }

        /** C tile += A panel (a[aOff + p*12 + r]) times 1 vector(s) of the B panel (b[bOff + p*NR + c]); result into tile[r*NR + c]. */
        private static void kernel12x1(float[] a, int aOff, float[] b, int bOff, int kc, float[] tile) {
            final int nr = NR;
            FloatVector c0_0 = FloatVector.zero(S);
            FloatVector c1_0 = FloatVector.zero(S);
            FloatVector c2_0 = FloatVector.zero(S);
            FloatVector c3_0 = FloatVector.zero(S);
            FloatVector c4_0 = FloatVector.zero(S);
            FloatVector c5_0 = FloatVector.zero(S);
            FloatVector c6_0 = FloatVector.zero(S);
            FloatVector c7_0 = FloatVector.zero(S);
            FloatVector c8_0 = FloatVector.zero(S);
            FloatVector c9_0 = FloatVector.zero(S);
            FloatVector c10_0 = FloatVector.zero(S);
            FloatVector c11_0 = FloatVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * 12;
                int bi = bOff + p * nr;
                FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai + 0]);
                c0_0 = b0.fma(a0, c0_0);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c1_0 = b0.fma(a1, c1_0);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c2_0 = b0.fma(a2, c2_0);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c3_0 = b0.fma(a3, c3_0);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c4_0 = b0.fma(a4, c4_0);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c5_0 = b0.fma(a5, c5_0);
                FloatVector a6 = FloatVector.broadcast(S, a[ai + 6]);
                c6_0 = b0.fma(a6, c6_0);
                FloatVector a7 = FloatVector.broadcast(S, a[ai + 7]);
                c7_0 = b0.fma(a7, c7_0);
                FloatVector a8 = FloatVector.broadcast(S, a[ai + 8]);
                c8_0 = b0.fma(a8, c8_0);
                FloatVector a9 = FloatVector.broadcast(S, a[ai + 9]);
                c9_0 = b0.fma(a9, c9_0);
                FloatVector a10 = FloatVector.broadcast(S, a[ai + 10]);
                c10_0 = b0.fma(a10, c10_0);
                FloatVector a11 = FloatVector.broadcast(S, a[ai + 11]);
                c11_0 = b0.fma(a11, c11_0);
            }
            c0_0.intoArray(tile, 0 * nr + 0 * L);
            c1_0.intoArray(tile, 1 * nr + 0 * L);
            c2_0.intoArray(tile, 2 * nr + 0 * L);
            c3_0.intoArray(tile, 3 * nr + 0 * L);
            c4_0.intoArray(tile, 4 * nr + 0 * L);
            c5_0.intoArray(tile, 5 * nr + 0 * L);
            c6_0.intoArray(tile, 6 * nr + 0 * L);
            c7_0.intoArray(tile, 7 * nr + 0 * L);
            c8_0.intoArray(tile, 8 * nr + 0 * L);
            c9_0.intoArray(tile, 9 * nr + 0 * L);
            c10_0.intoArray(tile, 10 * nr + 0 * L);
            c11_0.intoArray(tile, 11 * nr + 0 * L);
        }

        /** C tile += A panel (a[aOff + p*6 + r]) times 2 vector(s) of the B panel (b[bOff + p*NR + c]); result into tile[r*NR + c]. */
        private static void kernel6x2(float[] a, int aOff, float[] b, int bOff, int kc, float[] tile) {
            final int nr = NR;
            FloatVector c0_0 = FloatVector.zero(S), c0_1 = FloatVector.zero(S);
            FloatVector c1_0 = FloatVector.zero(S), c1_1 = FloatVector.zero(S);
            FloatVector c2_0 = FloatVector.zero(S), c2_1 = FloatVector.zero(S);
            FloatVector c3_0 = FloatVector.zero(S), c3_1 = FloatVector.zero(S);
            FloatVector c4_0 = FloatVector.zero(S), c4_1 = FloatVector.zero(S);
            FloatVector c5_0 = FloatVector.zero(S), c5_1 = FloatVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * 6;
                int bi = bOff + p * nr;
                FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + 1 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai + 0]);
                c0_0 = b0.fma(a0, c0_0);
                c0_1 = b1.fma(a0, c0_1);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c1_0 = b0.fma(a1, c1_0);
                c1_1 = b1.fma(a1, c1_1);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c2_0 = b0.fma(a2, c2_0);
                c2_1 = b1.fma(a2, c2_1);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c3_0 = b0.fma(a3, c3_0);
                c3_1 = b1.fma(a3, c3_1);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c4_0 = b0.fma(a4, c4_0);
                c4_1 = b1.fma(a4, c4_1);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c5_0 = b0.fma(a5, c5_0);
                c5_1 = b1.fma(a5, c5_1);
            }
            c0_0.intoArray(tile, 0 * nr + 0 * L);
            c0_1.intoArray(tile, 0 * nr + 1 * L);
            c1_0.intoArray(tile, 1 * nr + 0 * L);
            c1_1.intoArray(tile, 1 * nr + 1 * L);
            c2_0.intoArray(tile, 2 * nr + 0 * L);
            c2_1.intoArray(tile, 2 * nr + 1 * L);
            c3_0.intoArray(tile, 3 * nr + 0 * L);
            c3_1.intoArray(tile, 3 * nr + 1 * L);
            c4_0.intoArray(tile, 4 * nr + 0 * L);
            c4_1.intoArray(tile, 4 * nr + 1 * L);
            c5_0.intoArray(tile, 5 * nr + 0 * L);
            c5_1.intoArray(tile, 5 * nr + 1 * L);
        }

        /** C tile += A panel (a[aOff + p*6 + r]) times 1 vector(s) of the B panel (b[bOff + p*NR + c]); result into tile[r*NR + c]. */
        private static void kernel6x1(float[] a, int aOff, float[] b, int bOff, int kc, float[] tile) {
            final int nr = NR;
            FloatVector c0_0 = FloatVector.zero(S);
            FloatVector c1_0 = FloatVector.zero(S);
            FloatVector c2_0 = FloatVector.zero(S);
            FloatVector c3_0 = FloatVector.zero(S);
            FloatVector c4_0 = FloatVector.zero(S);
            FloatVector c5_0 = FloatVector.zero(S);
            for (int p = 0; p < kc; p++) {
                int ai = aOff + p * 6;
                int bi = bOff + p * nr;
                FloatVector b0 = FloatVector.fromArray(S, b, bi + 0 * L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai + 0]);
                c0_0 = b0.fma(a0, c0_0);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c1_0 = b0.fma(a1, c1_0);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c2_0 = b0.fma(a2, c2_0);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c3_0 = b0.fma(a3, c3_0);
                FloatVector a4 = FloatVector.broadcast(S, a[ai + 4]);
                c4_0 = b0.fma(a4, c4_0);
                FloatVector a5 = FloatVector.broadcast(S, a[ai + 5]);
                c5_0 = b0.fma(a5, c5_0);
            }
            c0_0.intoArray(tile, 0 * nr + 0 * L);
            c1_0.intoArray(tile, 1 * nr + 0 * L);
            c2_0.intoArray(tile, 2 * nr + 0 * L);
            c3_0.intoArray(tile, 3 * nr + 0 * L);
            c4_0.intoArray(tile, 4 * nr + 0 * L);
            c5_0.intoArray(tile, 5 * nr + 0 * L);
        }
    }
}
