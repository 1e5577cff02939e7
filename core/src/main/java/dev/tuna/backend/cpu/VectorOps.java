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
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final boolean ON = Gemm.vectorized();

    private VectorOps() {}

    private static long vecEnd(long n) { return ON ? n - n % L : 0; }

    /*
     * Optimizer state decays geometrically where a gradient is zero (a dead relu unit): 0.9^700 takes a
     * moment estimate into the subnormal range, where every x86 multiply takes a microcode assist (~100x
     * slower) and Java cannot set flush-to-zero. Slots are therefore flushed to zero below the smallest
     * normal float (1.2e-38), a change far below float precision of any value that matters.
     */
    private static FloatVector ftz(FloatVector v) {
        return v.blend(0f, v.abs().compare(VectorOperators.LT, Float.MIN_NORMAL));
    }

    private static float ftz(float v) { return Math.abs(v) < Float.MIN_NORMAL ? 0f : v; }

    private static FloatVector load(MemorySegment s, long i) { return FloatVector.fromMemorySegment(S, s, i * 4, NO); }

    private static void store(FloatVector v, MemorySegment s, long i) { v.intoMemorySegment(s, i * 4, NO); }

    /** Keras' Adam (AdamW when decay > 0): m, v moments; p -= decay*p + alpha*m/(sqrt(v)+eps). */
    static void adam(MemorySegment p, MemorySegment g, MemorySegment m, MemorySegment v, long n,
                     float beta1, float beta2, float eps, float alpha, float decay) {
        long i = 0, end = vecEnd(n);
        float c1 = 1 - beta1, c2 = 1 - beta2;
        for (; i < end; i += L) {
            FloatVector gi = load(g, i);
            FloatVector mi = ftz(load(m, i).mul(beta1).add(gi.mul(c1)));
            FloatVector vi = ftz(load(v, i).mul(beta2).add(gi.mul(gi).mul(c2)));
            store(mi, m, i);
            store(vi, v, i);
            FloatVector pi = load(p, i);
            FloatVector upd = mi.mul(alpha).div(vi.sqrt().add(eps));
            store(pi.sub(pi.mul(decay)).sub(upd), p, i);
        }
        for (; i < n; i++) {
            float gi = g.getAtIndex(F, i);
            float mi = ftz(beta1 * m.getAtIndex(F, i) + c1 * gi);
            float vi = ftz(beta2 * v.getAtIndex(F, i) + gi * gi * c2);
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
            FloatVector gi = load(g, i);
            FloatVector si = ftz(load(ms, i).mul(rho).add(gi.mul(gi).mul(c)));
            store(si, ms, i);
            FloatVector step = gi.mul(lr).div(si.add(eps).sqrt());
            if (mom) {
                step = ftz(load(mb, i).mul(momentum).add(step));
                store(step, mb, i);
            }
            store(load(p, i).sub(step), p, i);
        }
        for (; i < n; i++) {
            float gi = g.getAtIndex(F, i);
            float si = ftz(rho * ms.getAtIndex(F, i) + gi * gi * c);
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
            FloatVector pi = load(p, i);
            FloatVector gi = load(g, i).add(pi.mul(wd));
            if (!mom) {
                store(pi.sub(gi.mul(lr)), p, i);
                continue;
            }
            FloatVector vi = ftz(load(vel, i).mul(mu).sub(gi.mul(lr)));
            store(vi, vel, i);
            store(pi.add(nesterov ? vi.mul(mu).sub(gi.mul(lr)) : vi), p, i);
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

    /** o[i] = x[i] op y[i] for contiguous runs (op 0 add, 1 sub, 2 mul, 3 div). */
    static void binary(int op, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment o, long oo, long n) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) {
            FloatVector a = load(x, xo + i), b = load(y, yo + i);
            store(switch (op) {
                case 0 -> a.add(b);
                case 1 -> a.sub(b);
                case 2 -> a.mul(b);
                default -> a.div(b);
            }, o, oo + i);
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

    /** o[r, j] = x[r, j] op b[j] over rows: the bias case, vectorised along the row. */
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
                FloatVector a = load(x, off + j), c = load(b, j);
                store(switch (op) {
                    case 0 -> a.add(c);
                    case 1 -> a.sub(c);
                    case 2 -> a.mul(c);
                    default -> a.div(c);
                }, o, off + j);
            }
            if (j < inner) binary(op, x, off + j, b, j, o, off + j, inner - j);
        }
    }

    static void relu(MemorySegment x, MemorySegment y, long n) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) store(load(x, i).max(0f), y, i);
        for (; i < n; i++) y.setAtIndex(F, i, Math.max(0f, x.getAtIndex(F, i)));
    }

    static void reluBackward(MemorySegment x, MemorySegment dy, MemorySegment dx, long n) {
        long i = 0, end = vecEnd(n);
        FloatVector zero = FloatVector.zero(S);
        for (; i < end; i += L) {
            store(zero.blend(load(dy, i), load(x, i).compare(VectorOperators.GT, 0f)), dx, i);
        }
        for (; i < n; i++) dx.setAtIndex(F, i, x.getAtIndex(F, i) > 0f ? dy.getAtIndex(F, i) : 0f);
    }

    /** acc[j] += src[r*inner + j] over rows, in row order (the bias gradient). */
    static void columnSums(MemorySegment src, long rows, int inner, MemorySegment acc) {
        for (long r = 0; r < rows; r++) {
            long off = r * inner;
            int j = 0;
            int end = ON ? inner - inner % L : 0;
            for (; j < end; j += L) store(load(acc, j).add(load(src, off + j)), acc, j);
            for (; j < inner; j++) acc.setAtIndex(F, j, acc.getAtIndex(F, j) + src.getAtIndex(F, off + j));
        }
    }

    /** y = a*x + y. */
    static void axpy(float a, MemorySegment x, MemorySegment y, long n) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) store(load(x, i).mul(a).add(load(y, i)), y, i);
        for (; i < n; i++) y.setAtIndex(F, i, a * x.getAtIndex(F, i) + y.getAtIndex(F, i));
    }

    static void scale(MemorySegment x, MemorySegment y, long n, float s) {
        long i = 0, end = vecEnd(n);
        for (; i < end; i += L) store(load(x, i).mul(s), y, i);
        for (; i < n; i++) y.setAtIndex(F, i, x.getAtIndex(F, i) * s);
    }
}
