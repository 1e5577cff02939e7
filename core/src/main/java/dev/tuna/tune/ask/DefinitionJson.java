package dev.tuna.tune.ask;

import dev.tuna.data.Json;
import dev.tuna.tune.Condition;
import dev.tuna.tune.Hyperparameter;
import dev.tuna.tune.Objective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link SearchDefinition} as the JSON a study records ({@value #META_KEY}), so that any later process asks from
 * the same space. Written with fixed key order, so two definitions are the same search exactly when their
 * {@link #identity} texts are equal (numbers compare as JSON writes them: a YAML 16 and a JSON 16 are one value).
 */
final class DefinitionJson {
    /** The study metadata key holding the definition. */
    static final String META_KEY = "ask_definition";

    private DefinitionJson() {}

    static String write(SearchDefinition d) { return Json.write(map(d, true)); }

    /** What must match for a study to take this definition: everything but the budget and the failure limit, which a rerun may change. */
    static String identity(SearchDefinition d) { return Json.write(map(d, false)); }

    private static Map<String, Object> map(SearchDefinition d, boolean withBudget) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> hps = new ArrayList<>();
        for (Hyperparameter h : d.hyperparameters()) hps.add(hyperparameter(h));
        m.put("hyperparameters", hps);
        m.put("objective", d.objective().metric());
        m.put("direction", d.objective().direction());
        m.put("oracle", d.oracle());
        m.put("oracle_settings", d.oracleSettings());
        m.put("seed", d.seed());
        if (withBudget) {
            m.put("max_trials", d.maxTrials());
            m.put("max_consecutive_failed_trials", d.maxConsecutiveFailedTrials());
        }
        return m;
    }

    private static Map<String, Object> hyperparameter(Hyperparameter h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", h.name());
        m.put("kind", h.kind().name().toLowerCase(Locale.ROOT));
        if (h.kind() == Hyperparameter.Kind.INT || h.kind() == Hyperparameter.Kind.FLOAT) {
            m.put("low", h.lo());
            m.put("high", h.hi());
            m.put("step", h.step());
            m.put("sampling", h.sampling().yamlName());
        }
        if (h.kind() == Hyperparameter.Kind.CHOICE) m.put("choices", h.choices());
        m.put("default", h.defaultValue());
        if (h.condition() != null) m.put("when", Map.of("parent", h.condition().parent(), "values", h.condition().values()));
        return m;
    }

    /** The definition a study recorded; text that is not one is a damaged study, said with the study's name. */
    @SuppressWarnings("unchecked")
    static SearchDefinition read(String text, String where) {
        try {
            Map<String, Object> m = (Map<String, Object>) Json.parse(text);
            List<Hyperparameter> hps = new ArrayList<>();
            for (Object o : (List<Object>) m.get("hyperparameters")) hps.add(hyperparameter((Map<String, Object>) o));
            return new SearchDefinition(hps, Objective.of((String) m.get("objective"), (String) m.get("direction")), (String) m.get("oracle"),
                    (Map<String, Object>) m.get("oracle_settings"), ((Number) m.get("seed")).longValue(), ((Number) m.get("max_trials")).intValue(),
                    ((Number) m.get("max_consecutive_failed_trials")).intValue());
        } catch (RuntimeException e) {
            throw new dev.tuna.tune.study.StudyException(where + ": the recorded search definition (" + META_KEY + ") is damaged: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Hyperparameter hyperparameter(Map<String, Object> m) {
        String name = (String) m.get("name");
        Map<String, Object> when = (Map<String, Object>) m.get("when");
        Condition c = when == null ? null : new Condition((String) when.get("parent"), (List<Object>) when.get("values"));
        Object dflt = m.get("default");
        return switch ((String) m.get("kind")) {
            case "int" -> Hyperparameter.intRange(name, num(m, "low").longValue(), num(m, "high").longValue(), num(m, "step").longValue(),
                    Hyperparameter.Sampling.parse((String) m.get("sampling")), dflt, c);
            case "float" -> Hyperparameter.floatRange(name, num(m, "low").doubleValue(), num(m, "high").doubleValue(), num(m, "step").doubleValue(),
                    Hyperparameter.Sampling.parse((String) m.get("sampling")), dflt, c);
            case "choice" -> Hyperparameter.choice(name, (List<Object>) m.get("choices"), dflt, c);
            case "bool" -> Hyperparameter.bool(name, Boolean.TRUE.equals(dflt), c);
            case "fixed" -> Hyperparameter.fixed(name, dflt, c);
            default -> throw new IllegalArgumentException("hyperparameter " + name + ": unknown kind " + m.get("kind"));
        };
    }

    private static Number num(Map<String, Object> m, String key) { return (Number) m.get(key); }
}
