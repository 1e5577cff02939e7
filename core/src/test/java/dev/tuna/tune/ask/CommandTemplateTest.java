package dev.tuna.tune.ask;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Command templates and the reading of a program's result. */
class CommandTemplateTest {
    @Test
    void placeholdersAreShellQuotedAndBracesAndShellExpansionsPassThrough() {
        CommandTemplate t = CommandTemplate.parse("run --name {name} --lr {lr} ${HOME} {{literal}} {units}", Set.of("name", "lr", "units"), "--command");
        assertEquals(Set.of("name", "lr", "units"), t.placeholders());
        assertEquals("run --name 'it'\\''s a test' --lr 1.0E-4 ${HOME} {literal} ''",
                t.render(Map.of("name", "it's a test", "lr", "1.0E-4", "units", "")));
    }

    @Test
    void anUnknownPlaceholderIsRefusedNamingIt() {
        BadInputException e = assertThrows(BadInputException.class, () -> CommandTemplate.parse("python t.py --lr {learning_rat}", Set.of("learning_rate", "trial"), "--command"));
        assertEquals("--command: unknown placeholder {learning_rat}; expected one of [learning_rate, trial]", e.getMessage());
        assertThrows(BadInputException.class, () -> CommandTemplate.parse("echo { x }", Set.of("x"), "--command"));
        assertThrows(BadInputException.class, () -> CommandTemplate.parse("  ", Set.of("x"), "--command"));
    }

    @Test
    void theQuotingSurvivesARealShell() throws Exception {
        String nasty = "a b'c\"d$e`f\\g;h";
        String line = CommandTemplate.parse("printf %s {v}", Set.of("v"), "--command").render(Map.of("v", nasty));
        Process p = new ProcessBuilder("/bin/sh", "-c", line).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor());
        assertEquals(nasty, out);
    }

    @Test
    void aResultIsANumberOrJsonWithTheObjectiveAndAnythingElseFailsSayingWhat() {
        assertEquals(0.125, ProgramResult.parse(" 0.125 ", "val_loss", "stdout"));
        assertEquals(-3e-5, ProgramResult.parse("-3e-5", "val_loss", "stdout"));
        assertEquals(0.5, ProgramResult.parse("{\"val_loss\": 0.5, \"epochs\": 3}", "val_loss", "stdout"));
        TrialFailedException missing = assertThrows(TrialFailedException.class, () -> ProgramResult.parse("{\"loss\": 0.5}", "val_loss", "the last line of stdout"));
        assertTrue(missing.getMessage().contains("has no number under \"val_loss\""), missing.getMessage());
        TrialFailedException text = assertThrows(TrialFailedException.class, () -> ProgramResult.parse("done!", "val_loss", "the last line of stdout"));
        assertEquals("the last line of stdout is neither a number nor JSON with \"val_loss\": 'done!'", text.getMessage());
        assertThrows(TrialFailedException.class, () -> ProgramResult.parse("{oops", "val_loss", "stdout"));
    }
}
