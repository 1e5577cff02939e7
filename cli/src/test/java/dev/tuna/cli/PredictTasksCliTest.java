package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Dataset;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.trees.TreeSpec;
import dev.tuna.trees.XgbModel;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tuna predict on binary and regression ensembles: the columns it writes per task, the blend it writes, and the
 * figures it prints. The ensembles are two XGBoost members written here, as tuna ensemble would save them.
 */
class PredictTasksCliTest {
    @TempDir
    Path tmp;

    /** Rows of 3 features; the label is class (x0 + x1 > 0, with noise) or the value x0 - 2 x1 + noise. */
    private static double[][] rows(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] r = new double[n][4];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3; j++) r[i][j] = Math.round(rng.nextGaussian() * 1e4) / 1e4;
            r[i][3] = r[i][0] - 2 * r[i][1] + rng.nextGaussian() * 0.2;
        }
        return r;
    }

    private static int cls(double[] row) { return row[0] + row[1] + row[3] * 0.05 > 0 ? 1 : 0; }

    private static Dataset dataset(double[][] r, Task task, Arena arena) {
        Tensor x = Tensor.empty(Shape.of(r.length, 3), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(r.length), task.classifies() ? DType.I32 : DType.F32, arena);
        for (int i = 0; i < r.length; i++) {
            for (int j = 0; j < 3; j++) x.setFloat((long) i * 3 + j, (float) r[i][j]);
            if (task.classifies()) y.setInt(i, cls(r[i]));
            else y.setFloat(i, (float) r[i][3]);
        }
        return new Dataset(x, y, task.classifies() ? 2 : 0, task.classifies() ? List.of("no", "yes") : null, arena);
    }

    /** Two boosted-tree members of different depths with weights 0.7 and 0.3; returns the folder and the expected blend. */
    private Path ensemble(Task task, double[][] train, Dataset test, Predictions[] expected) {
        Path dir = tmp.resolve("ens-" + task.id());
        List<EnsembleManifest.Member> members = new ArrayList<>();
        List<Predictions> preds = new ArrayList<>();
        double[] w = {0.7, 0.3};
        try (Arena arena = Arena.ofShared()) {
            Dataset d = dataset(train, task, arena);
            for (int k = 0; k < 2; k++) {
                TreeSpec spec = new TreeSpec("gbt", 30, 2 + 2 * k, 0.3, 1, 1, 1, 1, 1, 0, 0, 64, 0);
                Path file = dir.resolve("members/m" + k + ".ubj");
                try (XgbModel m = XgbModel.fit(spec, task, d, null, 0, 1, null)) {
                    Files.createDirectories(file.getParent());
                    m.save(file);
                    preds.add(m.predict(test.x()));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                members.add(new EnsembleManifest.Member("gbt" + k, "gbt", w[k], "members/m" + k + ".ubj", Map.of("params", spec.toMap())));
            }
        }
        new EnsembleManifest("caruana", task, task.classifies() ? List.of("no", "yes") : List.of(), List.of(3), members).write(dir);
        expected[0] = Predictions.blend(preds, w);
        return dir;
    }

    private Path csv(String name, double[][] r, Task labels) throws Exception {
        StringBuilder s = new StringBuilder(labels == null ? "" : "a,b,c,label\n");
        for (double[] row : r) {
            s.append(row[0]).append(',').append(row[1]).append(',').append(row[2]);
            if (labels != null) s.append(',').append(labels.classifies() ? (cls(row) == 1 ? "yes" : "no") : String.valueOf(row[3]));
            s.append('\n');
        }
        Path p = tmp.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    @Test
    void binaryWritesThePredictedClassAndTheProbabilityOfClassOneAndScoresAucLogLossAndAccuracy() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        double[][] train = rows(400, seed), test = rows(150, seed + 1);
        Predictions[] expected = new Predictions[1];
        int[] y = new int[test.length];
        for (int i = 0; i < y.length; i++) y[i] = cls(test[i]);
        Path dir;
        try (Arena arena = Arena.ofShared()) {
            dir = ensemble(Task.BINARY, train, dataset(test, Task.BINARY, arena), expected);
        }
        Path out = tmp.resolve("p.csv");
        CliTest.Run r = CliTest.run("predict", "--model", dir.toString(), "--data", csv("test.csv", test, Task.BINARY).toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("row,prediction,p_yes", lines.getFirst());
        assertEquals(test.length + 1, lines.size());
        Predictions p = expected[0];
        for (int i = 0; i < test.length; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(3, f.length, lines.get(i + 1));
            assertEquals(p.p()[i], Double.parseDouble(f[2]), 5e-7, "row " + i);
            assertEquals(p.p()[i] >= 0.5 ? "yes" : "no", f[1], "row " + i);
        }
        String figures = String.format("AUC %.4f, log-loss %.4f, accuracy %.4f on %d labelled examples", Scores.auc(p, y), Scores.logLoss(p, y),
                Scores.accuracy(p, y), y.length);
        assertTrue(r.out().contains(figures), r.out() + " vs " + figures);
        assertTrue(Scores.auc(p, y) > 0.8, "the trees learned: AUC " + Scores.auc(p, y));
    }

    @Test
    void regressionWritesTheValueAndScoresALabelledCsvInRmse() throws Exception {
        long seed = System.nanoTime();
        System.out.println("seed " + seed);
        double[][] train = rows(400, seed), test = rows(150, seed + 1);
        Predictions[] expected = new Predictions[1];
        Path dir;
        try (Arena arena = Arena.ofShared()) {
            dir = ensemble(Task.REGRESSION, train, dataset(test, Task.REGRESSION, arena), expected);
        }
        assertEquals(Task.REGRESSION, EnsembleManifest.read(dir).task());
        Path out = tmp.resolve("p.csv");
        CliTest.Run r = CliTest.run("predict", "--model", dir.toString(), "--data", csv("features.csv", test, null).toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("row,prediction", lines.getFirst());
        assertEquals(test.length + 1, lines.size());
        double se = 0, var = 0, mean = 0;
        for (double[] row : test) mean += row[3] / test.length;
        for (int i = 0; i < test.length; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(2, f.length, lines.get(i + 1));
            assertEquals(String.valueOf(i), f[0]);
            // The value is written as the float it is: exactly the blend.
            assertEquals(expected[0].p()[i], Float.parseFloat(f[1]), 0, "row " + i);
            se += (f.length > 1 ? Math.pow(Float.parseFloat(f[1]) - test[i][3], 2) : 0);
            var += Math.pow(test[i][3] - mean, 2);
        }
        assertTrue(se < 0.2 * var, "the trees learned the line: residual " + se + " of " + var);

        CliTest.Run labelled = CliTest.run("predict", "--model", dir.toString(), "--data", csv("labelled.csv", test, Task.REGRESSION).toString(),
                "--out", tmp.resolve("q.csv").toString());
        // A labelled regression CSV is scored: its values are read as tuna train reads them, and the RMSE is the
        // blend's against them (the residuals summed above).
        assertEquals(0, labelled.code(), labelled.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("RMSE ([\\d.]+)").matcher(labelled.out());
        assertTrue(m.find() && labelled.out().contains("on " + test.length + " labelled examples"), labelled.out());
        assertEquals(Math.sqrt(se / test.length), Double.parseDouble(m.group(1)), 1e-4, labelled.out());
    }
}
