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
}
