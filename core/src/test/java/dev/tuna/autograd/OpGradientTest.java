package dev.tuna.autograd;

import static dev.tuna.autograd.GradCheck.shapes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.backend.Conv2dGeometry;
import dev.tuna.backend.Pool2dGeometry;
import dev.tuna.backend.UnaryOp;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Every differentiable op: forward against float64, gradients against finite differences. */
class OpGradientTest {

    @ParameterizedTest(name = "matmul transA={0} transB={1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void matmul(boolean ta, boolean tb) {
        int m = 5, k = 7, n = 3;
        GradCheck gc = new GradCheck();
        gc.check("matmul", shapes(ta ? new int[] {k, m} : new int[] {m, k}, tb ? new int[] {n, k} : new int[] {k, n}),
                in -> F.matmul(in[0], ta, in[1], tb),
                x -> {
                    double[] c = new double[m * n];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double s = 0;
                            for (int p = 0; p < k; p++) s += x[0][ta ? p * m + i : i * k + p] * x[1][tb ? j * k + p : p * n + j];
                            c[i * n + j] = s;
                        }
                    }
                    return c;
                });
    }

    private static void binaryCase(String name, int[] a, int[] b, int[] out, DoubleBinaryOperator f, GradCheck.Op op) {
        new GradCheck().check(name + " " + Shape.of(a) + " with " + Shape.of(b), shapes(a, b), op, x -> {
            Shape so = Shape.of(out);
            double[] r = new double[(int) so.size()];
            int[] idx = new int[out.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = f.applyAsDouble(x[0][bcast(idx, a, out)], x[1][bcast(idx, b, out)]);
                for (int d = out.length - 1; d >= 0; d--) {
                    if (++idx[d] < out[d]) break;
                    idx[d] = 0;
                }
            }
            return r;
        });
    }

    /** Flat index into a tensor of shape s broadcast to out, at out-index idx. */
    private static int bcast(int[] idx, int[] s, int[] out) {
        int off = out.length - s.length, flat = 0;
        for (int d = 0; d < s.length; d++) flat = flat * s[d] + (s[d] == 1 ? 0 : idx[off + d]);
        return flat;
    }

    @Test
    void addSubMulDivWithBroadcasting() {
        int[][][] cases = {
            {{4, 3}, {4, 3}, {4, 3}},
            {{4, 3}, {3}, {4, 3}},
            {{4, 3}, {4, 1}, {4, 3}},
            {{2, 3, 4}, {1, 4}, {2, 3, 4}},
            {{3}, {2, 3}, {2, 3}},
        };
        for (int[][] c : cases) {
            binaryCase("add", c[0], c[1], c[2], Double::sum, in -> F.add(in[0], in[1]));
            binaryCase("sub", c[0], c[1], c[2], (p, q) -> p - q, in -> F.sub(in[0], in[1]));
            binaryCase("mul", c[0], c[1], c[2], (p, q) -> p * q, in -> F.mul(in[0], in[1]));
            binaryCase("div", c[0], c[1], c[2], (p, q) -> p / q, in -> F.div(in[0], in[1]));
        }
    }

    @ParameterizedTest
    @EnumSource(value = UnaryOp.class, names = {"RELU", "GELU", "TANH", "SIGMOID", "NEG", "EXP", "SQUARE"})
    void unary(UnaryOp op) {
        new GradCheck().check(op.name(), shapes(new int[] {6, 5}), in -> F.unary(op, in[0]), x -> {
            double[] r = new double[x[0].length];
            for (int i = 0; i < r.length; i++) r[i] = op.apply(x[0][i]);
            return r;
        });
    }

    @Test
    void logAndSqrtOnPositiveInputs() {
        for (UnaryOp op : new UnaryOp[] {UnaryOp.LOG, UnaryOp.SQRT}) {
            GradCheck gc = new GradCheck();
            gc.check(op.name(), shapes(new int[] {17}), new float[][] {gc.positive(17, 0.2, 3)}, in -> F.unary(op, in[0]), x -> {
                double[] r = new double[x[0].length];
                for (int i = 0; i < r.length; i++) r[i] = op.apply(x[0][i]);
                return r;
            });
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"relu", "tanh", "sigmoid", "linear", "gelu"})
    void biasActivationInPlaceAfterMatmul(String act) {
        UnaryOp op = switch (act) {
            case "relu" -> UnaryOp.RELU;
            case "tanh" -> UnaryOp.TANH;
            case "sigmoid" -> UnaryOp.SIGMOID;
            case "gelu" -> UnaryOp.GELU;
            default -> null;
        };
        int m = 4, k = 3, n = 5;
        new GradCheck().check("matmul + bias + " + act + " in place", shapes(new int[] {m, k}, new int[] {k, n}, new int[] {n}),
                in -> F.biasActivationInPlace(F.matmul(in[0], in[1]), in[2], act), x -> {
                    double[] r = new double[m * n];
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double z = x[2][j];
                            for (int p = 0; p < k; p++) z += x[0][i * k + p] * x[1][p * n + j];
                            r[i * n + j] = op == null ? z : op.apply(z);
                        }
                    }
                    return r;
                });
    }

    @Test
    void sumAndMean() {
        new GradCheck().check("sum", shapes(new int[] {3, 4}), in -> F.sum(in[0]), x -> new double[] {java.util.Arrays.stream(x[0]).sum()});
        new GradCheck().check("mean", shapes(new int[] {3, 4}), in -> F.mean(in[0]), x -> new double[] {java.util.Arrays.stream(x[0]).average().orElseThrow()});
        new GradCheck().check("scale", shapes(new int[] {5}), in -> F.scale(in[0], -2.5f), x -> java.util.Arrays.stream(x[0]).map(v -> -2.5 * v).toArray());
    }

    @Test
    void softmaxCrossEntropy() {
        int n = 6, c = 5;
        GradCheck gc = new GradCheck();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = gc.rng.nextInt(c);
        Tensor y = Tensor.ofInts(labels, n);
        float[] logits = gc.randomAwayFromZero(n * c);
        for (int i = 0; i < c; i++) logits[i] *= 20; // large logits: stability must not depend on small inputs
        gc.check("softmax cross-entropy", shapes(new int[] {n, c}), new float[][] {logits}, in -> F.softmaxCrossEntropy(in[0], y), x -> {
            double loss = 0;
            for (int r = 0; r < n; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < c; j++) max = Math.max(max, x[0][r * c + j]);
                double s = 0;
                for (int j = 0; j < c; j++) s += Math.exp(x[0][r * c + j] - max);
                loss += Math.log(s) + max - x[0][r * c + labels[r]];
            }
            return new double[] {loss / n};
        });
    }

    @Test
    void softmaxCrossEntropyIsFiniteForExtremeLogits() {
        Var z = new Var(Tensor.of(new float[] {1000f, -1000f, 0f, -1000f, 1000f, 0f}, 2, 3), true, "z");
        Var loss = F.softmaxCrossEntropy(z, Tensor.ofInts(new int[] {1, 1}, 2));
        float l = loss.value().getFloat(0);
        assertTrue(Float.isFinite(l), "loss " + l);
        assertEquals(1000.0, l, 1e-3, "row 0 loses 2000, row 1 loses 0: mean 1000");
    }

    @ParameterizedTest(name = "conv2d stride={0} pad={1}")
    @CsvSource({"1,0", "1,1", "2,1", "2,0"})
    void conv2d(int stride, int pad) {
        int n = 2, h = 6, w = 5, c = 3, kh = 3, kw = 3, f = 4;
        Conv2dGeometry g = new Conv2dGeometry(stride, stride, pad, pad);
        int oh = g.outH(h, kh), ow = g.outW(w, kw);
        new GradCheck().check("conv2d", shapes(new int[] {n, h, w, c}, new int[] {kh, kw, c, f}), in -> F.conv2d(in[0], in[1], g), x -> {
            double[] out = new double[n * oh * ow * f];
            for (int b = 0; b < n; b++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        for (int q = 0; q < f; q++) {
                            double s = 0;
                            for (int di = 0; di < kh; di++)
                                for (int dj = 0; dj < kw; dj++)
                                    for (int ch = 0; ch < c; ch++) {
                                        int yy = i * stride - pad + di, xx = j * stride - pad + dj;
                                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                                        s += x[0][((b * h + yy) * w + xx) * c + ch] * x[1][((di * kw + dj) * c + ch) * f + q];
                                    }
                            out[((b * oh + i) * ow + j) * f + q] = s;
                        }
            return out;
        });
    }

    @ParameterizedTest(name = "maxPool2d k={0} s={1} pad={2}")
    @CsvSource({"2,2,0", "3,2,1", "2,1,0"})
    void maxPool2d(int k, int s, int pad) {
        int n = 2, h = 5, w = 6, c = 3;
        Pool2dGeometry g = new Pool2dGeometry(k, k, s, s, pad, pad);
        int oh = g.outH(h), ow = g.outW(w);
        new GradCheck().check("maxPool2d", shapes(new int[] {n, h, w, c}), in -> F.maxPool2d(in[0], g), x -> {
            double[] out = new double[n * oh * ow * c];
            for (int b = 0; b < n; b++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        for (int ch = 0; ch < c; ch++) {
                            double best = Double.NEGATIVE_INFINITY;
                            for (int di = 0; di < k; di++)
                                for (int dj = 0; dj < k; dj++) {
                                    int yy = i * s - pad + di, xx = j * s - pad + dj;
                                    if (yy >= 0 && yy < h && xx >= 0 && xx < w) best = Math.max(best, x[0][((b * h + yy) * w + xx) * c + ch]);
                                }
                            out[((b * oh + i) * ow + j) * c + ch] = best;
                        }
            return out;
        });
    }

    @Test
    void batchNormTrainingMode() {
        int rows = 7, c = 4;
        float eps = 1e-3f;
        GradCheck gc = new GradCheck();
        gc.gradTol = 5e-3;
        gc.check("batchNorm train", shapes(new int[] {rows, c}, new int[] {c}, new int[] {c}),
                in -> F.batchNorm(in[0], in[1], in[2], null, null, 0.99f, eps, true), x -> {
                    double[] out = new double[rows * c];
                    for (int j = 0; j < c; j++) {
                        double mu = 0, var = 0;
                        for (int r = 0; r < rows; r++) mu += x[0][r * c + j];
                        mu /= rows;
                        for (int r = 0; r < rows; r++) var += Math.pow(x[0][r * c + j] - mu, 2);
                        var /= rows;
                        for (int r = 0; r < rows; r++) out[r * c + j] = (x[0][r * c + j] - mu) / Math.sqrt(var + eps) * x[1][j] + x[2][j];
                    }
                    return out;
                });
    }

    @Test
    void batchNormInferenceModeAndRunningStatistics() {
        int rows = 5, c = 3;
        GradCheck gc = new GradCheck();
        float[] mean = gc.randomAwayFromZero(c), var = gc.positive(c, 0.5, 2);
        Tensor rm = Tensor.of(mean.clone(), c), rv = Tensor.of(var.clone(), c);
        gc.check("batchNorm inference", shapes(new int[] {2, rows, c}, new int[] {c}, new int[] {c}),
                in -> F.batchNorm(in[0], in[1], in[2], rm, rv, 0.9f, 1e-3f, false), x -> {
                    double[] out = new double[x[0].length];
                    for (int i = 0; i < out.length; i++) {
                        int j = i % c;
                        out[i] = (x[0][i] - mean[j]) / Math.sqrt(var[j] + 1e-3) * x[1][j] + x[2][j];
                    }
                    return out;
                });
        // Training mode moves the running statistics toward the batch's: r = m*r + (1-m)*batch.
        float[] xs = gc.randomAwayFromZero(rows * c);
        F.batchNorm(Var.constant(Tensor.of(xs, rows, c)), Var.constant(Tensor.of(new float[] {1, 1, 1}, c)),
                Var.constant(Tensor.zeros(c)), rm, rv, 0.9f, 1e-3f, true);
        for (int j = 0; j < c; j++) {
            double mu = 0, v = 0;
            for (int r = 0; r < rows; r++) mu += xs[r * c + j];
            mu /= rows;
            for (int r = 0; r < rows; r++) v += Math.pow(xs[r * c + j] - mu, 2);
            v /= rows;
            assertEquals(0.9 * mean[j] + 0.1 * mu, rm.getFloat(j), 1e-5);
            assertEquals(0.9 * var[j] + 0.1 * v, rv.getFloat(j), 1e-5);
        }
    }

    @Test
    void dropoutScalesKeptUnitsAndIsReproducible() {
        int n = 40000;
        float rate = 0.3f;
        Tensor mask = Backends.cpu().dropoutMask(Shape.of(n), rate, 7, 0);
        int zeros = 0;
        for (int i = 0; i < n; i++) {
            float m = mask.getFloat(i);
            if (m == 0f) zeros++;
            else assertEquals(1 / (1 - rate), m, 1e-6);
        }
        assertEquals(rate, zeros / (double) n, 0.01, "fraction dropped");
        Tensor again = Backends.cpu().dropoutMask(Shape.of(n), rate, 7, 0);
        assertTrue(java.util.Arrays.equals(mask.toFloatArray(), again.toFloatArray()), "same seed and counter, same mask");
        Tensor other = Backends.cpu().dropoutMask(Shape.of(n), rate, 8, 0);
        assertTrue(!java.util.Arrays.equals(mask.toFloatArray(), other.toFloatArray()), "another seed, another mask");

        float[] m = Backends.cpu().dropoutMask(Shape.of(4, 6), rate, 11, 99).toFloatArray();
        new GradCheck().check("dropout", shapes(new int[] {4, 6}), in -> F.dropout(in[0], rate, 11, 99), x -> {
            double[] r = new double[x[0].length];
            for (int i = 0; i < r.length; i++) r[i] = x[0][i] * m[i];
            return r;
        });
    }

    @Test
    void reshapeFlattenAndConcat() {
        new GradCheck().check("flatten", shapes(new int[] {2, 3, 4}), in -> F.mul(F.flatten(in[0]), F.flatten(in[0])), x -> {
            double[] r = new double[x[0].length];
            for (int i = 0; i < r.length; i++) r[i] = x[0][i] * x[0][i];
            return r;
        });
        for (int axis : new int[] {0, 1, -1}) {
            new GradCheck().check("concat axis " + axis, shapes(new int[] {2, 3}, new int[] {2, 3}),
                    in -> F.concat(List.of(in[0], in[1]), axis), x -> {
                        double[] r = new double[12];
                        int k = 0;
                        if (axis == 0) {
                            for (double v : x[0]) r[k++] = v;
                            for (double v : x[1]) r[k++] = v;
                        } else {
                            for (int row = 0; row < 2; row++) {
                                for (int j = 0; j < 3; j++) r[k++] = x[0][row * 3 + j];
                                for (int j = 0; j < 3; j++) r[k++] = x[1][row * 3 + j];
                            }
                        }
                        return r;
                    });
        }
    }

    @Test
    void gradientsAccumulateWhenAVarIsUsedTwice() {
        new GradCheck().check("x*x + x", shapes(new int[] {9}), in -> F.add(F.mul(in[0], in[0]), in[0]), x -> {
            double[] r = new double[x[0].length];
            for (int i = 0; i < r.length; i++) r[i] = x[0][i] * x[0][i] + x[0][i];
            return r;
        });
    }
}
