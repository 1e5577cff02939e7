package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.nn.Model;
import dev.tuna.spec.JobSpec;
import dev.tuna.tensor.Shape;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecHyperModelTest {
    static final String SEED = """
            data: fashion-mnist
            model:
              type: mlp
              layers:
                - dense: {units: {int: [16, 64], step: 16}, activation: relu}
              optimizer: {choice: [adam, rmsprop]}
            train: {epochs: 40, batch_size: 128, early_stopping: {monitor: val_loss, patience: 3}}
            tune: {oracle: bayesian, max_trials: 20, executions_per_trial: 2, objective: val_accuracy}
            """;

    @Test
    void theSeedSpaceIsDeclaredFromTheYaml() {
        SpecHyperModel hm = new SpecHyperModel("seed.yaml", SEED, List.of());
        SearchSpace space = new SearchSpace();
        hm.declare(space, Map.of());
        assertEquals(List.of("units", "optimizer"), space.all().stream().map(Hyperparameter::name).toList());
        assertEquals(8, space.cardinality());
        HyperParameters hp = new HyperParameters(space, Map.of("units", 48L, "optimizer", "rmsprop"));
        JobSpec job = hm.resolve(hp);
        assertEquals("rmsprop", job.model().optimizer());
        try (Model m = hm.build(new HyperParameters(space, Map.of("units", 48L)), Shape.of(28, 28, 1), 10, 1)) {
            assertEquals(784L * 48 + 48 + 48 * 10 + 10, m.parameterCount());
        }
        TuneSpec t = TuneSpec.from(dev.tuna.spec.SpecFile.parse("seed.yaml", SEED, List.of(), dev.tuna.spec.HyperResolver.DEFAULTS));
        assertEquals("bayesian", t.oracle());
        assertEquals(20, t.trialBudget());
        assertEquals(2, t.executionsPerTrial());
        assertTrue(t.objective().maximize());
    }

    @Test
    void whenMakesAParameterConditional() {
        String spec = """
                data: fashion-mnist
                model:
                  layers: [{dense: 32}]
                  optimizer:
                    name: {choice: [adam, sgd], name: optimizer}
                    momentum: {float: [0.0, 0.95], when: {optimizer: sgd}, default: 0.9}
                  learning_rate: {float: [0.0001, 0.01], sampling: log}
                train: {batch_size: {choice: [64, 128, 256]}}
                """;
        SpecHyperModel hm = new SpecHyperModel("c.yaml", spec, List.of());
        SearchSpace space = new SearchSpace();
        hm.declare(space, Map.of());
        assertEquals(new Condition("optimizer", List.of("sgd")), space.get("momentum").condition());
        HyperParameters sgd = new HyperParameters(space, Map.of("optimizer", "sgd", "momentum", 0.5, "batch_size", 256));
        JobSpec job = hm.resolve(sgd);
        assertEquals(0.5, job.model().optimizerOptions().get("momentum"));
        assertEquals(256, job.train().batchSize());
        HyperParameters adam = new HyperParameters(space, Map.of("optimizer", "adam", "momentum", 0.5));
        hm.resolve(adam);
        assertFalse(adam.values().containsKey("momentum"));
    }

    @Test
    void theBuiltInMlpSearchesDepthAndPerLayerWidths() {
        String spec = """
                data: fashion-mnist
                model:
                  type: mlp
                  num_layers: {int: [1, 3]}
                  units: {int: [32, 128], step: 32}
                  dropout: {float: [0.0, 0.5], step: 0.25}
                  batch_norm: {bool: false}
                  residual: true
                """;
        SpecHyperModel hm = new SpecHyperModel("b.yaml", spec, List.of());
        SearchSpace space = new SearchSpace();
        hm.declare(space, Map.of("num_layers", 3L));
        assertEquals(new Condition("num_layers", List.of(2L, 3L)), space.get("units_1").condition());
        assertEquals(new Condition("num_layers", List.of(3L)), space.get("units_2").condition());
        Map<String, Object> two = space.normalize(Map.of("num_layers", 2L, "units_0", 64L, "units_1", 96L, "units_2", 128L));
        assertFalse(two.containsKey("units_2"));
        HyperParameters hp = new HyperParameters(space, Map.of("num_layers", 2L, "units_0", 64L, "units_1", 96L, "batch_norm", true));
        try (Model m = hm.build(hp, Shape.of(784), 10, 3)) {
            String summary = m.summary();
            assertTrue(summary.contains("Residual"), summary);
            assertTrue(summary.contains("BatchNormalization"), summary);
        }
    }

    @Test
    void theBuiltInCnnBuilds() {
        String spec = """
                data: fashion-mnist
                model: {type: cnn, num_blocks: {int: [1, 2]}, filters: {choice: [8, 16]}, dense_units: 32, dropout: 0.25}
                """;
        SpecHyperModel hm = new SpecHyperModel("cnn.yaml", spec, List.of());
        SearchSpace space = new SearchSpace();
        hm.declare(space, Map.of("num_blocks", 2L));
        assertEquals(List.of("num_blocks", "filters_0", "filters_1"), space.all().stream().map(Hyperparameter::name).toList());
        try (Model m = hm.build(new HyperParameters(space, Map.of("num_blocks", 2L, "filters_0", 8L, "filters_1", 16L)), Shape.of(28, 28, 1), 10, 3)) {
            // conv 3x3x1x8 + 8, conv 3x3x8x16 + 16, dense (7*7*16)x32 + 32, head 32x10 + 10
            assertEquals(9 * 8 + 8 + 9 * 8 * 16 + 16 + 7 * 7 * 16 * 32 + 32 + 32 * 10 + 10, m.parameterCount());
        }
    }

    @Test
    void everyExampleSpecParsesAndDeclaresItsSpace() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("..", "examples");
        List<java.nio.file.Path> specs;
        try (var files = java.nio.file.Files.list(dir)) {
            specs = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(specs.size() >= 5, specs.toString());
        for (java.nio.file.Path f : specs) {
            String text = java.nio.file.Files.readString(f);
            var root = dev.tuna.spec.SpecFile.parse(f.toString(), text, List.of(), dev.tuna.spec.HyperResolver.DEFAULTS);
            if (root.has("hyperparameters")) {
                // A space file for tuna ask and tune --command, not a job file: it reads as one.
                assertTrue(dev.tuna.tune.ask.SpaceFile.read(f, List.of()).definition().space().dimensions() > 0, f + " searches nothing");
                continue;
            }
            JobSpec.from(root);
            TuneSpec t = TuneSpec.from(root);
            SearchSpace space = new SearchSpace();
            new SpecHyperModel(f.toString(), text, List.of()).declare(space, Map.of());
            if (root.has("tune")) assertTrue(space.dimensions() > 0, f + " searches nothing");
            assertTrue(dev.tuna.tune.oracle.Oracles.NAMES.contains(t.oracle()), f.toString());
        }
    }

    @Test
    void badFormsNameTheFileAndKey() {
        String spec = "data: fashion-mnist\nmodel: {layers: [{dense: {units: {int: [64, 16]}}}]}\n";
        var e = assertThrows(BadInputException.class, () -> new SpecHyperModel("bad.yaml", spec, List.of()).declare(new SearchSpace(), Map.of()));
        assertTrue(e.getMessage().startsWith("bad.yaml: model.layers[0].dense.units"), e.getMessage());
        String when = "data: fashion-mnist\nmodel: {layers: [{dense: {units: {int: [16, 64], when: {a: 1, b: 2}}}}]}\n";
        var e2 = assertThrows(BadInputException.class, () -> new SpecHyperModel("w.yaml", when, List.of()).declare(new SearchSpace(), Map.of()));
        assertTrue(e2.getMessage().contains("when"), e2.getMessage());
        String tune = "data: fashion-mnist\nmodel: {layers: [{dense: 8}]}\ntune: {objective: val_auc_roc}\n";
        var e3 = assertThrows(BadInputException.class, () -> TuneSpec.from(dev.tuna.spec.SpecFile.parse("t.yaml", tune, List.of(), dev.tuna.spec.HyperResolver.DEFAULTS)));
        assertTrue(e3.getMessage().startsWith("t.yaml: tune.objective"), e3.getMessage());
    }
}
