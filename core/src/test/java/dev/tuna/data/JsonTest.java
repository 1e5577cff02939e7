package dev.tuna.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The facade's contract that the study store, safetensors headers and manifests rely on. */
class JsonTest {
    private static String refused(String text) {
        String msg = assertThrows(IllegalArgumentException.class, () -> Json.parse(text)).getMessage();
        assertFalse(msg.contains("\n") || msg.contains("\r"), "one line: " + msg);
        return msg;
    }

    @Test
    void nestedValuesRoundTripWithTheirJavaTypes() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", null);
        inner.put("a", List.of(true, false, ""));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("units", 32L);
        m.put("lr", 1.0E-3);
        m.put("whole", 32.0);
        m.put("neg", -7L);
        m.put("big", 1.0E20);
        m.put("min", Long.MIN_VALUE);
        m.put("text", "q\"\\/\n\r\t\b\f\u0001 é 😀 ü");
        m.put("nested", inner);
        m.put("list", List.of(List.of(), Map.of(), 2.5, "x"));
        String text = Json.write(m);
        Object back = Json.parse(text);
        assertEquals(m, back);
        // Key order is the document's, and the concrete types are the ones callers cast to.
        Map<?, ?> bm = assertInstanceOf(LinkedHashMap.class, back);
        assertEquals(List.copyOf(m.keySet()), List.copyOf(bm.keySet()));
        assertInstanceOf(Long.class, bm.get("units"));
        assertInstanceOf(Double.class, bm.get("whole"));
        assertInstanceOf(ArrayList.class, bm.get("list"));
        assertEquals(text, Json.write(back));
    }

    @Test
    void writeFormatsNumbersAndEscapesAsTunaAlwaysHas() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("d", 32.0);
        m.put("f", 0.5f);
        m.put("i", 3);
        m.put("e", 1e-5);
        m.put("nan", Double.NaN);
        m.put("inf", Float.NEGATIVE_INFINITY);
        m.put(7, "c\u0001\u001f");
        assertEquals("{\"d\":32.0,\"f\":0.5,\"i\":3,\"e\":1.0E-5,\"nan\":null,\"inf\":null,\"7\":\"c\\u0001\\u001f\"}", Json.write(m));
        StringBuilder b = new StringBuilder("x=");
        Json.string(b, "a\"é\n");
        assertEquals("x=\"a\\\"é\\n\"", b.toString());
    }

    @Test
    void numbersParseAsLongWhenIntegralElseDouble() {
        assertEquals(List.of(32L, 32.0, 100.0, 0L, 9.223372036854775808E18, -1.5E-3),
                Json.parse("[32, 32.0, 1e2, -0, 9223372036854775808, -1.5e-3]"));
        assertNull(Json.parse(" null "));
        assertEquals("é", Json.parse("\"\\u00e9\""));
    }

    @Test
    void trailingTextIsRefused() {
        assertEquals("unexpected text after the JSON value at offset 3", refused("{} {}"));
        assertEquals("unexpected text after the JSON value at offset 2", refused("1 2"));
        assertTrue(refused("[1]]").endsWith("at offset 3"), refused("[1]]"));
        assertTrue(refused("{}x").endsWith("at offset 2"), refused("{}x"));
    }

    @Test
    void truncatedAndMalformedInputIsRefusedWithTheOffset() {
        assertEquals("unexpected end of JSON at offset 0", refused(""));
        assertEquals("unexpected end of JSON at offset 11", refused("{\"format\": "));
        assertEquals("unexpected end of JSON at offset 4", refused("\"abc"));
        assertEquals("duplicate key \"a\" at offset 7", refused("{\"a\":1,\"a\":2}"));
        // JSON, not JavaScript: none of these is a value.
        for (String bad : List.of("NaN", "01", "1.", "+1", "[1,]", "{a:1}", "{'a':1}", "// c\n1", "\"\u0001\"")) {
            String msg = refused(bad);
            assertTrue(msg.matches(".* at offset \\d+"), bad + ": " + msg);
            assertFalse(msg.contains("`"), "no hints about Jackson's settings: " + msg);
        }
    }

    @Test
    void deepNestingIsRefusedInOneLine() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertInstanceOf(List.class, Json.parse(ok));
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertTrue(refused(deep).contains("nesting depth"), refused(deep));
        // Far deeper than any stack could recurse: refused by the limit, not by a StackOverflowError.
        char[] objects = new char[1_000_000];
        Arrays.fill(objects, '[');
        assertTrue(refused(new String(objects)).contains("exceeds the maximum allowed (" + Json.MAX_DEPTH + ")"));
        assertTrue(refused("{\"a\":".repeat(Json.MAX_DEPTH + 1) + "1" + "}".repeat(Json.MAX_DEPTH + 1)).contains("nesting depth"));
    }

    @Test
    void overLongNumbersAreRefused() {
        assertTrue(refused("1".repeat(1001)).contains("Number value length"), refused("1".repeat(1001)));
        assertEquals(1.0, Json.parse("1." + "0".repeat(990)));
    }
}
