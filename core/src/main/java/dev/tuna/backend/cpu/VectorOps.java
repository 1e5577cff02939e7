package dev.tuna.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The hot elementwise loops of the CPU backend (optimizer updates, bias, relu, scaling) on the Vector API,
 * each with a scalar tail that is also the whole loop when the Vector API is switched off
 * ({@code -Dtuna.vector.bits=0}, the same switch as {@link Gemm}), so both paths stay tested.
 */
final class VectorOps {
    // Performance note: these loops are called with many sizes (a 50k-weight kernel, then a 10-element bias).
    // C2's profiled loop predicates then fail on the next size, each failure deoptimises the method back to
    // tier-3 code where the Vector API is boxed (~100x slower), and it recompiles, again and again: Adam took
    // 2.5 ms instead of 25 us per step inside training. Every tuna JVM therefore runs with
    // -XX:-UseProfiledLoopPredicate (scripts/jdk.sh, the poms, the JMH forks).
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final boolean ON = Gemm.vectorized();

    private VectorOps() {}

    private static long vecEnd(long n) { return ON ? n - n % L : 0; }

    /*
     * Subnormal floats cost a microcode assist (~100x) on every x86 operation that makes or reads one, and
     * Java cannot switch the CPU to flush-to-zero. Optimizer state decays geometrically wherever a gradient is
     * zero (pixels that are always 0, dead relu units), and squares of tiny gradients underflow, so without care
     * Adam runs 10x slower after a few hundred steps. Slots are therefore zeroed below 1e-30 (so that decaying
     * them never produces a subnormal) and a gradient below 1e-15 adds nothing to a second moment (its square is
     * under 1e-30): both are far below the epsilon (1e-7) these values are compared with.
     */
    private static final float TINY = 1e-30f;
    private static final float TINY_GRAD = 1e-15f;

    private static final int TINY_BITS = Float.floatToRawIntBits(TINY);
    private static final int TINY_GRAD_BITS = Float.floatToRawIntBits(TINY_GRAD);

    // Branch-free on purpose: a branch that profiling never saw taken becomes an uncommon trap in C2, and the
    // first tiny value then deoptimises the whole kernel back to slow interpreted Vector API code, again and again.
    private static float ftz(float v) {
        int b = Float.floatToRawIntBits(v);
        int below = ((b & 0x7fffffff) - TINY_BITS) >> 31; // -1 when |v| < TINY
        return Float.intBitsToFloat(b & ~below);
    }

    /** g*g, or 0 where |g| is so small that the square would underflow. */
    private static float square(float g) {
        int b = Float.floatToRawIntBits(g);
        int below = ((b & 0x7fffffff) - TINY_GRAD_BITS) >> 31;
        float kept = Float.intBitsToFloat(b & ~below);
        return kept * kept;
    }

    /** Keras' Adam (AdamW when decay > 0): m, v moments; p -= decay*p + alpha*m/(sqrt(v)+eps). */
    static void adam(MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long n,
                     float beta1, float beta2, float eps, float alpha, float decay) {
        long i = 0, end = vecEnd(n);
        float c1 = 1 - beta1, c2 = 1 - beta2;
        for (; i < end; i += L) {
            FloatVector gi = FloatVector.fromMemorySegment(S, g, i * 4, NO);
            FloatVector g2 = gi.mul(gi.blend(0f, gi.abs().compare(VectorOperators.LT, TINY_GRAD)));
            FloatVector mi = FloatVector.fromMemorySegment(S, m, i * 4, NO).mul(beta1).add(gi.mul(c1));
            mi = mi.blend(0f, mi.abs().compare(VectorOperators.LT, TINY));
            FloatVector vi = FloatVector.fromMemorySegment(S, v, i * 4, NO).mul(beta2).add(g2.mul(c2));
            vi = vi.blend(0f, vi.abs().compare(VectorOperators.LT, TINY));
            (mi).intoMemorySegment(m, i * 4, NO);
            (vi).intoMemorySegment(v, i * 4, NO);
            FloatVector pi = FloatVector.fromMemorySegment(S, p, i * 4, NO);
            FloatVector upd = mi.mul(alpha).div(vi.sqrt().add(eps));
            (pi.sub(pi.mul(decay)).sub(upd)).intoMemorySegment(p, i * 4, NO);
        }
        for (; i < n; i++) {
            float gi = g.getAtIndex(F, i);
            float mi = ftz(beta1 * m.getAtIndex(F, i) + c1 * gi);
            float vi = ftz(beta2 * v.getAtIndex(F, i) + square(gi) * c2);
            m.setAtIndex(F, i, mi);
            v.setAtIndex(F, i, vi);
            float pi = p.getAtIndex(F, i);
            p.setAtIndex(F, i, pi - pi * decay - mi * alpha / ((float) Math.sqrt(vi) + eps));
        }
    }

    /** Keras' RMSprop: s = rho*s + (1-rho)*g^2; step = lr*g/sqrt(s+eps), through a momentum buffer when given. */
    static void rmsprop(MemorySegment p, MemorySegment g, MemorySegment ms, MemorySegment mb, long n,
                        float lr, float rho, float momentum, float eps) {
        long i = 0, end = vecEnd(n);
        float c = 1 - rho;
        boolean mom = mb != null && momentum > 0f;
        for (; i < end; i += L) {
            FloatVector gi = FloatVector.fromMemorySegment(S, g, i * 4, NO);
            FloatVector g2 = gi.mul(gi.blend(0f, gi.abs().compare(VectorOperators.LT, TINY_GRAD)));
            FloatVector si = FloatVector.fromMemorySegment(S, ms, i * 4, NO).mul(rho).add(g2.mul(c));
            si = si.blend(0f, si.abs().compare(VectorOperators.LT, TINY));
            (si).intoMemorySegment(ms, i * 4, NO);
            FloatVector step = gi.mul(lr).div(si.add(eps).sqrt());
            if (mom) {
                step = FloatVector.fromMemorySegment(S, mb, i * 4, NO).mul(momentum).add(step);
                step = step.blend(0f, step.abs().compare(VectorOperators.LT, TINY));
                (step).intoMemorySegment(mb, i * 4, NO);
            }
            (FloatVector.fromMemorySegment(S, p, i * 4, NO).sub(step)).intoMemorySegment(p, i * 4, NO);
        }
        for (; i < n; i++) {
            float gi = g.getAtIndex(F, i);
            float si = ftz(rho * ms.getAtIndex(F, i) + square(gi) * c);
            ms.setAtIndex(F, i, si);
            float step = gi * lr / (float) Math.sqrt(si + eps);
            if (mom) {
                step = ftz(momentum * mb.getAtIndex(F, i) + step);
                mb.setAtIndex(F, i, step);
            }
            p.setAtIndex(F, i, p.getAtIndex(F, i) - step);
        }
    }

    /** Keras' SGD: g += wd*p; with momentum v = mu*v - lr*g, p += v (Nesterov: p += mu*v - lr*g). */
    static void sgd(MemorySegment p, MemorySegment g, MemorySegment vel, long n, float lr, float mu, boolean nesterov, float wd) {
        long i = 0, end = vecEnd(n);
        boolean mom = mu != 0f;
        for (; i < end; i += L) {
            FloatVector pi = FloatVector.fromMemorySegment(S, p, i * 4, NO);
            FloatVector gi = FloatVector.fromMemorySegment(S, g, i * 4, NO).add(pi.mul(wd));
            if (!mom) {
                (pi.sub(gi.mul(lr))).intoMemorySegment(p, i * 4, NO);
                continue;
            }
            FloatVector vi = FloatVector.fromMemorySegment(S, vel, i * 4, NO).mul(mu).sub(gi.mul(lr));
            vi = vi.blend(0f, vi.abs().compare(VectorOperators.LT, TINY));
            (vi).intoMemorySegment(vel, i * 4, NO);
            (pi.add(nesterov ? vi.mul(mu).sub(gi.mul(lr)) : vi)).intoMemorySegment(p, i * 4, NO);
        }
        for (; i < n; i++) {
            float pi = p.getAtIndex(F, i);
            float gi = g.getAtIndex(F, i) + pi * wd;
            if (!mom) {
                p.setAtIndex(F, i, pi - gi * lr);
                continue;
            }
            float vi = ftz(vel.getAtIndex(F, i) * mu - gi * lr);
            vel.setAtIndex(F, i, vi);
            p.setAtIndex(F, i, pi + (nesterov ? vi * mu - gi * lr : vi));
        }
    }

    static void binary(int op, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment o, long oo, long n) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) {
            FloatVector a = FloatVector.fromMemorySegment(S, x, (xo + i) * 4, NO), b = FloatVector.fromMemorySegment(S, y, (yo + i) * 4, NO);
            (switch (op) {
                case 0 -> a.add(b);
                case 1 -> a.sub(b);
                case 2 -> a.mul(b);
                default -> a.div(b);
            }).intoMemorySegment(o, (oo + i) * 4, NO);
        }
        for (; i < n; i++) {
            float a = x.getAtIndex(F, xo + i), b = y.getAtIndex(F, yo + i);
            o.setAtIndex(F, oo + i, switch (op) {
                case 0 -> a + b;
                case 1 -> a - b;
                case 2 -> a * b;
                default -> a / b;
            });
        }
    }

    static void rowBroadcast(int op, MemorySegment x, MemorySegment b, MemorySegment o, long rows, int inner) {
        if (inner < L) {
            for (long r = 0; r < rows; r++) binary(op, x, r * inner, b, 0, o, r * inner, inner);
            return;
        }
        int end = ON ? inner - inner % L : 0;
        for (long r = 0; r < rows; r++) {
            long off = r * inner;
            int j = 0;
            for (; j < end; j += L) {
                FloatVector a = FloatVector.fromMemorySegment(S, x, (off + j) * 4, NO), c = FloatVector.fromMemorySegment(S, b, (j) * 4, NO);
                (switch (op) {
                    case 0 -> a.add(c);
                    case 1 -> a.sub(c);
                    case 2 -> a.mul(c);
                    default -> a.div(c);
                }).intoMemorySegment(o, (off + j) * 4, NO);
            }
            if (j < inner) binary(op, x, off + j, b, j, o, off + j, inner - j);
        }
    }

    static void relu(MemorySegment x, MemorySegment y, long n) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) (FloatVector.fromMemorySegment(S, x, i * 4, NO).max(0f)).intoMemorySegment(y, i * 4, NO);
        for (; i < n; i++) y.setAtIndex(F, i, Math.max(0f, x.getAtIndex(F, i)));
    }

    static void reluBackward(MemorySegment x, MemorySegment dy, MemorySegment dx, long n) {
        long i = 0, end = vecEnd(n);
        FloatVector zero = FloatVector.zero(S);
        for (; i < end; i += L) {
            (zero.blend(FloatVector.fromMemorySegment(S, dy, i * 4, NO), FloatVector.fromMemorySegment(S, x, i * 4, NO).compare(VectorOperators.GT, 0f))).intoMemorySegment(dx, i * 4, NO);
        }
        for (; i < n; i++) dx.setAtIndex(F, i, x.getAtIndex(F, i) > 0f ? dy.getAtIndex(F, i) : 0f);
    }

    /** acc[j] += src[r*inner + j] over rows, in row order (the bias gradient). */
    static void columnSums(MemorySegment src, long rows, int inner, MemorySegment acc) {
        for (long r = 0; r < rows; r++) {
            long off = r * inner;
            int j = 0;
            int end = ON ? inner - inner % L : 0;
            for (; j < end; j += L) (FloatVector.fromMemorySegment(S, acc, (j) * 4, NO).add(FloatVector.fromMemorySegment(S, src, (off + j) * 4, NO))).intoMemorySegment(acc, (j) * 4, NO);
            for (; j < inner; j++) acc.setAtIndex(F, j, acc.getAtIndex(F, j) + src.getAtIndex(F, off + j));
        }
    }

    /** y = a*x + y. */
    static void axpy(float a, MemorySegment x, MemorySegment y, long n) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) (FloatVector.fromMemorySegment(S, x, i * 4, NO).mul(a).add(FloatVector.fromMemorySegment(S, y, i * 4, NO))).intoMemorySegment(y, i * 4, NO);
        for (; i < n; i++) y.setAtIndex(F, i, a * x.getAtIndex(F, i) + y.getAtIndex(F, i));
    }

    static void scale(MemorySegment x, MemorySegment y, long n, float s) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) (FloatVector.fromMemorySegment(S, x, i * 4, NO).mul(s)).intoMemorySegment(y, i * 4, NO);
        for (; i < n; i++) y.setAtIndex(F, i, x.getAtIndex(F, i) * s);
    }
}
