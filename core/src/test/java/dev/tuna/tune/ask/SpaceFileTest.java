package dev.tuna.tune.ask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.Hyperparameter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Space files: the example reads, and mistakes are refused naming the file and key. */
class SpaceFileTest {
    @Test
    void theExampleSpaceFileReads() {
        Path example = Path.of(System.getProperty("user.dir")).getParent().resolve("examples/ask-space.yaml");
        SpaceFile.Parsed p = SpaceFile.read(example, List.of());
        SearchDefinition d = p.definition();
        assertEquals(List.of("learning_rate", "units", "optimizer", "momentum", "epochs"), d.hyperparameters().stream().map(Hyperparameter::name).toList());
        Hyperparameter lr = d.hyperparameters().getFirst();
        assertEquals(Hyperparameter.Sampling.LOG, lr.sampling());
        assertEquals("optimizer", d.hyperparameters().get(3).condition().parent());
        assertEquals(Hyperparameter.Kind.FIXED, d.hyperparameters().get(4).kind());
        assertEquals("val_loss", d.objective().metric());
        assertEquals("bayesian", d.oracle());
        assertEquals(30, d.maxTrials());
        assertEquals(7, d.seed());
        assertEquals(1, p.workers());
        // Round trip through what a study records.
        assertEquals(DefinitionJson.write(d), DefinitionJson.write(DefinitionJson.read(DefinitionJson.write(d), "test")));
    }

    @Test
    void mistakesAreRefusedNamingTheKey() {
        BadInputException noObjective = assertThrows(BadInputException.class, () -> SpaceFile.parse("s.yaml", "hyperparameters: {x: {float: [0, 1]}}\ntune: {oracle: random}", List.of()));
        assertTrue(noObjective.getMessage().contains("s.yaml: tune.objective: missing"), noObjective.getMessage());
        BadInputException direction = assertThrows(BadInputException.class, () -> SpaceFile.parse("s.yaml", "hyperparameters: {x: {float: [0, 1]}}\ntune: {objective: score}", List.of()));
        assertTrue(direction.getMessage().contains("set direction"), direction.getMessage());
        BadInputException key = assertThrows(BadInputException.class, () -> SpaceFile.parse("s.yaml", "hyperparameters: {x: {float: [0, 1]}}\ntune: {objective: loss, executions_per_trial: 2}", List.of()));
        assertTrue(key.getMessage().contains("tune.executions_per_trial: unknown key"), key.getMessage());
        BadInputException range = assertThrows(BadInputException.class, () -> SpaceFile.parse("s.yaml", "hyperparameters: {x: {float: [2, 1]}}\ntune: {objective: loss}", List.of()));
        assertTrue(range.getMessage().contains("hyperparameters.x"), range.getMessage());
        BadInputException job = assertThrows(BadInputException.class, () -> SpaceFile.parse("j.yaml", "data: x\nmodel: {type: mlp}", List.of()));
        assertTrue(job.getMessage().contains("a job file"), job.getMessage());
        BadInputException when = assertThrows(BadInputException.class, () -> SpaceFile.parse("s.yaml", "hyperparameters: {m: {float: [0, 1], when: {opt: sgd}}}\ntune: {objective: loss}", List.of()));
        assertTrue(when.getMessage().contains("no hyperparameter is named 'opt'"), when.getMessage());
        SearchDefinition set = SpaceFile.parse("s.yaml", "hyperparameters: {x: {float: [0, 1]}}\ntune: {objective: loss}", List.of("tune.max_trials=4")).definition();
        assertEquals(4, set.maxTrials());
        assertNull(set.hyperparameters().getFirst().condition());
    }
}
