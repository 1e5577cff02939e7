package dev.tuna.cli;

import static dev.tuna.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tabular CSV from the CLI: numbers with missing values, strings one-hot and embedded, the preprocessing fitted on
 * the training rows and applied unchanged by tuna predict (unknown levels and all).
 */
class TabularCliTest {
    @TempDir
    Path tmp;

    private static final List<String> CITIES = List.of("Oslo", "Lima", "Pune", "Kyiv", "Rome", "Suva");

    /**
     * Whether someone "buys": likely when income is high or the city is Oslo or Pune; income is missing ("NA") in
     * 1 row of 10 and the plan is a string with 3 levels; no label column when {@code label} is false.
     */
    private Path csv(String name, int rows, long seed, boolean label, String extraCity) throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder s = new StringBuilder("income,age,city,plan" + (label ? ",buys" : "") + "\n");
        for (int r = 0; r < rows; r++) {
            double income = rng.nextGaussian();
            int age = 20 + rng.nextInt(50);
            String city = extraCity != null && r % 7 == 0 ? extraCity : CITIES.get(rng.nextInt(CITIES.size()));
            String plan = List.of("basic", "plus", "pro").get(rng.nextInt(3));
            double z = 2.5 * income + (city.equals("Oslo") || city.equals("Pune") ? 2.0 : -1.0) + (plan.equals("pro") ? 0.5 : 0) + 0.3 * rng.nextGaussian();
            s.append(r % 10 == 3 ? "NA" : String.format("%.4f", income)).append(',').append(age).append(',').append(city).append(',').append(plan);
            if (label) s.append(',').append(z > 0 ? "yes" : "no");
            s.append('\n');
        }
        Path p = tmp.resolve(name);
        Files.writeString(p, s);
        return p;
    }

    @Test
    void mixedColumnsTrainTuneEnsembleAndPredictThroughOnePreprocessing() throws Exception {
        Path train = csv("train.csv", 700, 1, true, null), test = csv("test.csv", 200, 2, true, "Nuuk");
        Path job = tmp.resolve("job.yaml");
        Files.writeString(job, """
                data:
                  train: %s
                  test: %s
                  label: buys
                  columns: {city: embedding, plan: one_hot, age: standardize}
                validation: {fraction: 0.2}
                metrics: [auc]
                model:
                  type: mlp
                  layers:
                    - dense: {units: {int: [8, 24], step: 8}, activation: relu}
                  optimizer: adam
                  learning_rate: 0.01
                train: {epochs: 15, batch_size: 32, seed: 4}
                tune: {oracle: random, max_trials: 2, objective: val_auc}
                """.formatted(train, test));
        Path study = tmp.resolve("study");
        CliTest.Run t = run("tune", job.toString(), "--device", "cpu", "--study", study.toString(), "--workers", "1");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("task: binary (2 label values: no and yes, positive class yes)"), t.out());
        CliTest.Run e = run("ensemble", "--study", study.toString(), "--top", "1", "--gbt", "--max-epochs", "15");
        assertEquals(0, e.code(), e.err() + e.out());
        Path kept = study.resolve("ensemble").resolve(PredictCommand.PREPROCESSOR_FILE);
        assertTrue(Files.isRegularFile(kept), "the ensemble keeps its preprocessing");
        assertTrue(Files.readString(kept).contains("\"Oslo\""), "city's levels are the training rows'");

        // The test file has a city never seen in training (Nuuk): it goes to the unknown bucket, and the ensemble
        // still separates the classes; without the label column it predicts alone.
        Path out = tmp.resolve("p.csv");
        CliTest.Run p = run("predict", "--model", study.resolve("ensemble").toString(), "--data", test.toString(), "--out", out.toString());
        assertEquals(0, p.code(), p.err());
        var m = java.util.regex.Pattern.compile("AUC ([\\d.]+)").matcher(p.out());
        assertTrue(m.find(), p.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0.85, "test AUC " + m.group(1));
        assertEquals("row,prediction,p_yes", Files.readAllLines(out).getFirst());
        Path features = csv("features.csv", 30, 3, false, "Nuuk");
        Path out2 = tmp.resolve("p2.csv");
        CliTest.Run f = run("predict", "--model", study.resolve("ensemble").toString(), "--data", features.toString(), "--out", out2.toString());
        assertEquals(0, f.code(), f.err());
        assertEquals(31, Files.readAllLines(out2).size());
        assertTrue(!f.out().contains("AUC"), "no labels, no score: " + f.out());
    }

    @Test
    void aColumnWithTooManyLevelsAndABadTreatmentAreRefusedNamingThem() throws Exception {
        StringBuilder s = new StringBuilder("id,x,y\n");
        for (int r = 0; r < 300; r++) s.append("user").append(r).append(',').append(r % 5).append(',').append(r % 2).append('\n');
        Path ids = tmp.resolve("ids.csv");
        Files.writeString(ids, s);
        Path job = tmp.resolve("ids.yaml");
        Files.writeString(job, """
                data: {train: %s, label: y, tabular: true}
                validation: {fraction: 0.2}
                model: {type: mlp, layers: [{dense: {units: 4}}]}
                train: {epochs: 1}
                """.formatted(ids));
        CliTest.Run r = run("train", job.toString(), "--device", "cpu");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("column 'id' has 240 levels in the training rows, more than max_one_hot_levels (100)"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Files.writeString(job, Files.readString(job).replace("tabular: true", "columns: {id: hashed}"));
        CliTest.Run b = run("train", job.toString(), "--device", "cpu");
        assertEquals(2, b.code(), b.out());
        assertTrue(b.err().contains("data.columns.id") && b.err().contains("expected standardize, none, one_hot, embedding or drop"), b.err());
    }
}
