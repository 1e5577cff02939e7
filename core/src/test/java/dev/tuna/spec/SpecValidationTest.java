package dev.tuna.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Bad values in a job file are refused as it is read, one line naming the file, the key and the value. */
class SpecValidationTest {
    private static JobSpec parse(String yaml, String... sets) {
        return JobSpec.from(SpecFile.parse("job.yaml", yaml, List.of(sets), HyperResolver.DEFAULTS));
    }

    private static String error(String yaml, String... sets) {
        String m = assertThrows(BadInputException.class, () -> parse(yaml, sets)).getMessage();
        assertEquals(1, m.lines().count(), m);
        return m;
    }

    @Test
    void aDuplicateKeyIsRefusedWithItsLineAndNothingIsLogged() {
        List<LogRecord> logged = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) { logged.add(r); }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger root = Logger.getLogger("");
        root.addHandler(h);
        try {
            String m = error("""
                    data: fashion-mnist
                    model: {type: mlp}
                    model: {type: cnn}
                    """);
            assertTrue(m.startsWith("job.yaml line 3, column 1: duplicate key 'model'"), m);
            String nested = error("data: fashion-mnist\nmodel: {type: mlp, type: cnn}\n");
            assertTrue(nested.startsWith("job.yaml line 2, column 20: duplicate key 'type'"), nested);
        } finally {
            root.removeHandler(h);
        }
        assertTrue(logged.stream().noneMatch(r -> r.getLoggerName() != null && r.getLoggerName().startsWith("org.yaml")),
                "SnakeYAML logged: " + logged.stream().map(LogRecord::getMessage).toList());
    }

    private static final String JOB = """
            data: fashion-mnist
            model:
              type: mlp
              layers:
                - dense: {units: 16, activation: relu}
                - batch_norm: {momentum: 0.99}
                - dropout: 0.1
              optimizer: {name: adam}
            """;

    @Test
    void optimizerSettingsOutOfRangeAreRefusedAsTheFileIsRead() {
        String[][] cases = {
                {"model.optimizer.beta_1=1.0", "job.yaml: model.optimizer.beta_1: expected a number in [0, 1), got '1.0'"},
                {"model.optimizer.beta_2=-0.1", "job.yaml: model.optimizer.beta_2: expected a number in [0, 1), got '-0.1'"},
                {"model.optimizer.epsilon=0", "job.yaml: model.optimizer.epsilon: expected a positive number, got '0'"},
                {"model.optimizer.weight_decay=-1", "job.yaml: model.optimizer.weight_decay: expected a number >= 0, got '-1'"},
                {"model.optimizer.clipnorm=0", "job.yaml: model.optimizer.clipnorm: expected a positive number, got '0'"},
                {"model.optimizer.clipvalue=-1", "job.yaml: model.optimizer.clipvalue: expected a positive number, got '-1'"},
                {"model.optimizer.global_clipnorm=0", "job.yaml: model.optimizer.global_clipnorm: expected a positive number, got '0'"},
                {"model.optimizer.learning_rate=0", "job.yaml: model.optimizer.learning_rate: expected a positive number, got '0'"},
                {"model.learning_rate=-0.1", "job.yaml: model.learning_rate: expected a positive number, got '-0.1'"},
                {"model.optimizer={name: rmsprop, rho: 1}", "job.yaml: model.optimizer.rho: expected a number in [0, 1), got '1'"},
                {"model.optimizer={name: sgd, momentum: 1.5}", "job.yaml: model.optimizer.momentum: expected a number in [0, 1), got '1.5'"},
                {"model.optimizer={name: adam, rho: 0.9}", "job.yaml: model.optimizer.rho: unknown key"},
        };
        for (String[] c : cases) {
            String m = error(JOB, c[0]);
            assertTrue(m.startsWith(c[1]), c[0] + " -> " + m);
        }
        // In range, the same settings are accepted and reach the optimizer.
        JobSpec ok = parse(JOB, "model.optimizer={name: adam, beta_1: 0, beta_2: 0.99, epsilon: 1e-8, clipnorm: 1.0}");
        assertEquals(0.0, ((Number) ok.model().optimizerOptions().get("beta_1")).doubleValue());
        assertEquals(1.0, ((Number) ok.model().optimizerOptions().get("clipnorm")).doubleValue());
    }

    @Test
    void layerSettingsOutOfRangeAreRefusedAsTheFileIsRead() {
        String[][] cases = {
                {"model.layers[1].batch_norm.momentum=5", "job.yaml: model.layers[1].batch_norm.momentum: expected a number in [0, 1], got '5'"},
                {"model.layers[1].batch_norm={epsilon: 0}", "job.yaml: model.layers[1].batch_norm.epsilon: expected a positive number, got '0'"},
                {"model.layers[2].dropout=1", "job.yaml: model.layers[2].dropout: expected a dropout rate in [0, 1), got '1'"},
                {"model.layers[2]={dropout: {rate: -0.5}}", "job.yaml: model.layers[2].dropout.rate: expected a dropout rate in [0, 1), got '-0.5'"},
                {"model.layers[0].dense.units=0", "job.yaml: model.layers[0].dense.units: expected a positive integer, got '0'"},
                {"model.layers[0]={conv2d: {filters: 4, kernel_size: 0}}", "job.yaml: model.layers[0].conv2d.kernel_size: expected a positive integer, got '0'"},
        };
        for (String[] c : cases) {
            String m = error(JOB, c[0]);
            assertTrue(m.startsWith(c[1]), c[0] + " -> " + m);
        }
        assertEquals(1.0, ((Number) ((java.util.Map<?, ?>) parse(JOB, "model.layers[1].batch_norm.momentum=1").model().layers().get(1)
                .asMap().get("batch_norm")).get("momentum")).doubleValue(), "momentum 1 (never update the statistics) is allowed");
    }

    @Test
    void everyValueASearchFormCanTakeIsCheckedBeforeAnyTrial() {
        // The form's default (its low end) is fine; its high end is not, and that is what is refused.
        String m = error(JOB, "model.optimizer.beta_1={float: [0.5, 1.5]}");
        assertTrue(m.startsWith("job.yaml: model.optimizer.beta_1: expected a number in [0, 1), got '1.5', a value of the search form {float: [0.5, 1.5]}"), m);
        m = error(JOB, "model.layers[1].batch_norm.momentum={choice: [0.9, 5]}");
        assertTrue(m.startsWith("job.yaml: model.layers[1].batch_norm.momentum: expected a number in [0, 1], got '5', a value of the search form"), m);
        m = error(JOB, "model.layers[0].dense.units={int: [0, 64]}");
        assertTrue(m.startsWith("job.yaml: model.layers[0].dense.units: expected a positive integer, got '0'"), m);
        m = error(JOB, "model.layers[0].dense.activation={choice: [relu, swishy]}");
        assertTrue(m.contains("model.layers[0].dense.activation") && m.contains("swishy"), m);
        m = error(JOB, "model.optimizer.name={choice: [adam, adagrad]}");
        assertTrue(m.startsWith("job.yaml: model.optimizer.name: expected sgd, adam, adamw or rmsprop, got 'adagrad'"), m);
        m = error("data: fashion-mnist\nmodel: {type: mlp, dropout: {float: [0, 1]}}\n");
        assertTrue(m.startsWith("job.yaml: model.dropout: expected a dropout rate in [0, 1), got '1.0'"), m);
        m = error(JOB, "train={batch_size: {choice: [32, 0]}}");
        assertTrue(m.startsWith("job.yaml: train.batch_size: expected a positive integer, got '0'"), m);
        // A form whose values are all in range is accepted.
        parse(JOB, "model.optimizer.beta_1={float: [0.8, 0.99]}", "model.layers[1].batch_norm.momentum={choice: [0.9, 0.99]}");
    }

    @Test
    void aConditionalOptimizerSettingIsLeftOutOfTheDefaultConfigurationWhenItsConditionDoesNotHold() {
        String spec = """
                data: fashion-mnist
                model:
                  layers: [{dense: 8}]
                  optimizer:
                    name: {choice: [adam, sgd], name: optimizer}
                    momentum: {float: [0.0, 0.9], when: {optimizer: sgd}}
                """;
        // Read as the tuner's default trial reads it (Adam), momentum belongs to SGD's branch: not refused, not passed on.
        JobSpec job = JobSpec.from(SpecFile.parse("job.yaml", spec, List.of(), HyperResolver.defaults()));
        assertEquals("adam", job.model().optimizer());
        assertTrue(job.model().optimizerOptions().isEmpty(), job.model().optimizerOptions().toString());
        JobSpec sgd = JobSpec.from(SpecFile.parse("job.yaml", spec, List.of("model.optimizer.name={choice: [sgd, adam], name: optimizer}"),
                HyperResolver.defaults()));
        assertEquals(0.0, sgd.model().optimizerOptions().get("momentum"));
    }
}
