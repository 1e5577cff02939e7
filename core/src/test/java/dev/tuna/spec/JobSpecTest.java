package dev.tuna.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.nn.Model;
import dev.tuna.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobSpecTest {
    private static final String SEED = """
            data: fashion-mnist
            validation: {last: 10000}
            model:
              type: mlp
              layers:
                - dense: {units: {int: [16, 64], step: 16}, activation: relu}
              optimizer: {choice: [adam, rmsprop]}
            train: {epochs: 40, batch_size: 128, early_stopping: {monitor: val_loss, patience: 3}}
            tune:  {oracle: bayesian, max_trials: 20, executions_per_trial: 2, objective: val_accuracy}
            """;

    private static JobSpec parse(String yaml, String... sets) {
        return JobSpec.from(SpecFile.parse("job.yaml", yaml, List.of(sets), HyperResolver.DEFAULTS));
    }

    private static String error(String yaml, String... sets) {
        return assertThrows(BadInputException.class, () -> parse(yaml, sets)).getMessage();
    }

    @Test
    void seedSpecTakesKerasTunerDefaultsForHyperparameters() {
        JobSpec job = parse(SEED);
        assertEquals("fashion-mnist", job.data().builtin());
        assertEquals(10000, job.validation().last());
        assertEquals("adam", job.model().optimizer(), "first choice");
        assertEquals(40, job.train().epochs());
        assertEquals(128, job.train().batchSize());
        assertEquals("val_loss", job.train().earlyStopping().monitor());
        assertEquals(3, job.train().earlyStopping().patience());
        try (Model m = ModelFactory.build(job.model(), Shape.of(28, 28, 1), 10, 1)) {
            // flatten, dense(16) (the range's low end), dense(10) head
            assertEquals(784 * 16 + 16 + 16 * 10 + 10, m.parameterCount());
        }
    }

    @Test
    void overridesReachNestedKeysAndListItems() {
        JobSpec job = parse(SEED, "train.epochs=5", "model.layers[0].dense.units=32", "model.optimizer=rmsprop", "train.seed=7");
        assertEquals(5, job.train().epochs());
        assertEquals("rmsprop", job.model().optimizer());
        assertEquals(7, job.train().seed());
        try (Model m = ModelFactory.build(job.model(), Shape.of(784), 10, 1)) {
            assertEquals(784 * 32 + 32 + 32 * 10 + 10, m.parameterCount());
        }
    }

    @Test
    void cnnGetsAFlattenBeforeItsHead() {
        JobSpec job = parse("""
                data: fashion-mnist
                model:
                  type: cnn
                  layers:
                    - conv2d: {filters: 4, kernel_size: 3, padding: same, activation: relu}
                    - batch_norm:
                    - max_pool2d: 2
                    - residual: {layers: [{conv2d: {filters: 4, kernel_size: 3, padding: same}}], activation: relu}
                    - dropout: 0.25
                """);
        try (Model m = ModelFactory.build(job.model(), Shape.of(28, 28, 1), 10, 1)) {
            assertEquals(Shape.of(10), m.outputShape());
            long expected = (9 * 4 + 4) + 8 + (9 * 4 * 4 + 4) + (14 * 14 * 4 * 10 + 10);
            assertEquals(expected, m.parameterCount());
        }
    }

    @Test
    void errorsNameTheFileTheKeyAndWhatWasExpected() {
        assertTrue(error(SEED, "train.epochs=abc").contains("job.yaml: train.epochs: expected an integer, got 'abc'"));
        assertTrue(error(SEED, "train.batch_size=0").contains("train.batch_size: expected a positive integer"));
        assertTrue(error(SEED, "model.optimizer=adagrad").contains("expected sgd, adam, adamw or rmsprop"));
        assertTrue(error(SEED, "train.epoch=3").contains("train.epoch: unknown key"));
        assertTrue(error(SEED, "model.layers[0].dense.units=-4").contains("model.layers[0].dense.units: expected a positive integer"));
        assertTrue(error(SEED, "model.layers[0].dense.activation=swishy").contains("activation 'swishy'"));
        assertTrue(error(SEED, "validation.last=0").contains("validation.last"));
        assertTrue(error("data: [1, 2\n").startsWith("job.yaml line "), "YAML syntax errors carry a line");
        assertTrue(error("model: {layers: []}\n").contains("data: missing (required)"));
        assertTrue(error(SEED, "model.layers[0]={conv3d: 4}").contains("unknown layer"));
        assertTrue(error(SEED, "nonsense").contains("--set nonsense: expected key=value"));
        assertTrue(error(SEED, "model.layers[5].dense.units=3").contains("index 5 is past the end"));
    }

    @Test
    void messagesAreOneLine() {
        // val_auc is a metric now (computed for the monitor); a misspelt one is refused naming the metrics there are.
        String m = error(SEED, "train.early_stopping.monitor=val_aucc");
        assertEquals(1, m.lines().count(), m);
        org.junit.jupiter.api.Assertions.assertTrue(m.contains("auc") && m.contains("rmse"), m);
    }
}
