package dev.tuna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParameterImportanceTest {
    /** n configurations of a (numeric), b (numeric, log-uniform), c (category) where only a moves the objective. */
    private static List<Map<String, Object>> configs(int n, long seed, double[] y, boolean categorical) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            double a = rng.nextDouble();
            String cat = List.of("x", "y", "z").get(rng.nextInt(3));
            if (categorical) m.put("a", a < 0.5 ? "low" : "high");
            else m.put("a", a);
            m.put("b", Math.pow(10, -5 + 4 * rng.nextDouble()));
            m.put("c", cat);
            if (cat.equals("z")) m.put("d", (long) rng.nextInt(5)); // conditional: inactive unless c is z
            y[i] = (categorical ? (a < 0.5 ? 0 : 1) : 3 * a * a) + 0.02 * rng.nextGaussian();
            out.add(m);
        }
        return out;
    }

    private static void assertShares(Map<String, Double> s) {
        double sum = 0;
        for (double v : s.values()) {
            assertTrue(v >= 0, s.toString());
            sum += v;
        }
        assertEquals(1.0, sum, 1e-9, s.toString());
    }

    @Test
    void theOneParameterThatMattersGetsMostOfTheImportance() {
        for (long seed : new long[] {1, 2, 3}) {
            double[] y = new double[40];
            List<Map<String, Object>> c = configs(40, seed, y, false);
            Map<String, Double> s = ParameterImportance.of(c, y, seed);
            assertShares(s);
            assertEquals(List.of("a", "b", "c", "d").stream().sorted().toList(), s.keySet().stream().sorted().toList());
            assertTrue(s.get("a") > 0.6, s.toString());
            assertEquals("a", s.keySet().iterator().next(), "largest first");
        }
    }

    @Test
    void aCategoricalParameterThatMattersIsFoundToo() {
        double[] y = new double[30];
        List<Map<String, Object>> c = configs(30, 9, y, true);
        Map<String, Double> s = ParameterImportance.of(c, y, 5);
        assertShares(s);
        assertTrue(s.get("a") > 0.6, s.toString());
    }

    @Test
    void theSameSeedGivesTheSameShares() {
        double[] y = new double[25];
        List<Map<String, Object>> c = configs(25, 4, y, false);
        assertEquals(ParameterImportance.of(c, y, 11), ParameterImportance.of(c, y, 11));
    }

    @Test
    void anObjectiveThatIgnoresEveryParameterGivesEqualShares() {
        double[] y = new double[10];
        List<Map<String, Object>> c = configs(10, 4, y, false);
        java.util.Arrays.fill(y, 0.5);
        ParameterImportance.Result r = ParameterImportance.analyse(c, y, 1);
        assertFalse(r.signal());
        assertShares(r.shares());
        for (double v : r.shares().values()) assertEquals(0.25, v, 1e-12);
    }

    @Test
    void saysWhyWhenItCannotBeComputed() {
        double[] y = {0.1, 0.2, 0.3};
        List<Map<String, Object>> three = List.of(Map.of("a", 1L), Map.of("a", 2L), Map.of("a", 3L));
        assertEquals("needs at least 4 complete trials, the study has 3", ParameterImportance.unavailable(three, y).orElseThrow());
        List<Map<String, Object>> fixed = List.of(Map.of("a", 1L, "o", "adam"), Map.of("a", 1L, "o", "adam"), Map.of("a", 1L, "o", "adam"),
                Map.of("a", 1L, "o", "adam"));
        double[] y4 = {0.1, 0.2, 0.3, 0.4};
        assertTrue(ParameterImportance.unavailable(fixed, y4).orElseThrow().contains("no hyperparameter takes more than one value"));
        assertThrows(IllegalArgumentException.class, () -> ParameterImportance.of(fixed, y4, 1));
        // A parameter that never varies is left out; one that does is the whole importance.
        List<Map<String, Object>> one = List.of(Map.of("a", 1L, "o", "adam"), Map.of("a", 2L, "o", "adam"), Map.of("a", 3L, "o", "adam"),
                Map.of("a", 4L, "o", "adam"));
        assertEquals(Map.of("a", 1.0), ParameterImportance.of(one, y4, 1));
    }

    @Test
    void theForestFitsASimpleFunctionOutOfBag() {
        SplittableRandom rng = new SplittableRandom(3);
        double[][] x = new double[200][2];
        double[] y = new double[200];
        for (int i = 0; i < 200; i++) {
            x[i][0] = rng.nextDouble();
            x[i][1] = rng.nextDouble();
            y[i] = x[i][0] > 0.5 ? 1 : 0;
        }
        RandomForestRegressor f = new RandomForestRegressor(50, 2, 1, 7).fit(x, y);
        assertTrue(f.oobMse(x, y) < 0.05, "oob mse " + f.oobMse(x, y));
        assertEquals(1.0, f.predict(new double[] {0.9, 0.3}), 0.15);
        assertEquals(0.0, f.predict(new double[] {0.1, 0.3}), 0.15);
    }
}
