package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.errors.BadInputException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Search forms that could never work as written are refused when the space is first declared, before any trial. */
class SearchFormValidationTest {
    private static String declareError(String model) {
        String spec = "data: fashion-mnist\nmodel:\n" + model.indent(2);
        String m = assertThrows(BadInputException.class, () -> new SpecHyperModel("s.yaml", spec, List.of()).declare(new SearchSpace(), Map.of()))
                .getMessage();
        assertEquals(1, m.lines().count(), m);
        return m;
    }

    private static final String LAYERS = "layers: [{dense: {units: 8}}]\noptimizer: {choice: [adam, sgd], name: optimizer}\n";

    @Test
    void aConditionOnAParameterThatDoesNotExistIsRefused() {
        String m = declareError(LAYERS + "learning_rate: {float: [0.001, 0.1], when: {nonexistent: sgd}}");
        assertTrue(m.startsWith("s.yaml: model.learning_rate.when.nonexistent: no hyperparameter is named 'nonexistent'; expected one of [optimizer]"), m);
    }

    @Test
    void aConditionOnAValueTheParentNeverTakesIsRefused() {
        String m = declareError(LAYERS + "learning_rate: {float: [0.001, 0.1], when: {optimizer: adamw}}");
        assertTrue(m.startsWith("s.yaml: model.learning_rate.when.optimizer: expected values that optimizer can take (choice [adam, sgd]"), m);
        assertTrue(m.endsWith("got 'adamw'"), m);
        // A parent met after its child is fine, and so are values it takes.
        String ok = "data: fashion-mnist\nmodel:\n" + ("layers: [{dense: {units: {int: [4, 8], when: {optimizer: [adam, sgd]}}}}]\n"
                + "optimizer: {choice: [adam, sgd], name: optimizer}\n").indent(2);
        SearchSpace space = new SearchSpace();
        new SpecHyperModel("s.yaml", ok, List.of()).declare(space, Map.of());
        assertEquals(new Condition("optimizer", List.of("adam", "sgd")), space.get("units").condition());
    }

    @Test
    void aMappingWithTwoFormsIsRefused() {
        String m = declareError("layers: [{dense: {units: 8}}]\nlearning_rate: {float: [0.01, 0.1], int: [1, 2]}");
        assertTrue(m.startsWith("s.yaml: model.learning_rate: expected one of int, float, choice or bool, not int and float"), m);
    }

    @Test
    void aChoiceOfMixedTypesIsRefusedButIntegersAndFloatsMix() {
        String m = declareError("layers: [{dense: {units: {choice: [8, sixteen, 3.5, true]}}}]");
        assertTrue(m.startsWith("s.yaml: model.layers[0].dense.units.choice: expected choices of one type, not booleans and numbers and strings together"), m);
        m = declareError("layers: [{dense: {units: 8, activation: {choice: [relu, 1]}}}]");
        assertTrue(m.contains("not numbers and strings together"), m);
        SearchSpace space = new SearchSpace();
        new SpecHyperModel("s.yaml", "data: fashion-mnist\nmodel: {layers: [{dense: 8}], learning_rate: {choice: [1, 0.5]}}\n", List.of())
                .declare(space, Map.of());
        assertEquals(List.of(1, 0.5), space.get("learning_rate").choices());
    }
}
