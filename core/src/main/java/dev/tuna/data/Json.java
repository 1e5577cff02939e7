package dev.tuna.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON tuna needs (safetensors headers, the study database's hyperparameters and metrics): a writer
 * for maps, lists, strings, numbers and booleans, and a strict parser. Jackson's streaming API reads and writes
 * the text; this class only maps JSON values to and from plain Java ones, so what comes back does not depend on
 * databind's bean rules.
 */
public final class Json {
    private Json() {}

    /** Deepest nesting of objects and arrays parse accepts; tuna's own files nest a few levels. */
    static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    // Recursion in value() is bounded by this, so hostile input cannot overflow the stack.
                    .maxNestingDepth(MAX_DEPTH)
                    // Longer numbers are no double or long tuna could have written, and parsing them is costly.
                    .maxNumberLength(1000)
                    // Keys are hyperparameter, metric and tensor names; values are at most a spec file's text.
                    .maxNameLength(50_000)
                    .maxStringLength(20_000_000)
                    .build())
            // Lower-case hex in backslash-u escapes, as tuna's hand-written writer produced, so stored text stays byte-identical.
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .build();

    /** Appends s as a JSON string literal. */
    public static void string(StringBuilder b, String s) {
        b.append(write(s));
    }

    /**
     * Writes maps (keys through String.valueOf), lists, strings, numbers, booleans and null. Doubles and floats
     * are written as Double.toString of their double value (32.0, 1.0E-5), non-finite ones as null; other numbers
     * as their long value; anything else as the string of its toString.
     */
    public static String write(Object v) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, v);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean x -> g.writeBoolean(x);
            case Double d -> writeDouble(g, d);
            case Float f -> writeDouble(g, f.doubleValue());
            case Number n -> g.writeNumber(n.longValue());
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (var e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object x : l) write(g, x);
                g.writeEndArray();
            }
            default -> g.writeString(v.toString());
        }
    }

    private static void writeDouble(JsonGenerator g, double d) throws IOException {
        // JSON has no NaN or Infinity; Jackson would write them as strings, which read back as text, not numbers.
        if (Double.isFinite(d)) g.writeNumber(d);
        else g.writeNull();
    }

    /**
     * Parses a JSON text: objects become LinkedHashMap in document order (duplicate keys are an error), arrays
     * ArrayList, numbers Long when integral (no fraction or exponent) and in range else Double, and
     * true/false/null Boolean/null. Anything after the value but whitespace is an error. Throws
     * IllegalArgumentException, its message one line ending with the character offset, on malformed input or
     * input past the limits (nesting deeper than {@value #MAX_DEPTH}, over-long numbers or strings).
     */
    public static Object parse(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            try {
                JsonToken t = p.nextToken();
                if (t == null) throw error("unexpected end of JSON", p.currentLocation());
                Object v = value(p, t);
                if (p.nextToken() != null) throw error("unexpected text after the JSON value", p.currentTokenLocation());
                return v;
            } catch (JsonEOFException e) {
                throw error("unexpected end of JSON", p.currentLocation());
            } catch (JsonProcessingException e) {
                // Constraint violations carry no location of their own; the parser's is where it stopped.
                throw error(e.getOriginalMessage(), e.getLocation() != null ? e.getLocation() : p.currentLocation());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a String does not fail
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    if (m.containsKey(k)) throw error("duplicate key \"" + k + "\"", p.currentTokenLocation());
                    m.put(k, value(p, p.nextToken()));
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) l.add(value(p, x));
                yield l;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT, LONG -> p.getLongValue();
                default -> Double.parseDouble(p.getText()); // too large for a long
            };
            case VALUE_NUMBER_FLOAT -> Double.parseDouble(p.getText());
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            // The factory reads plain JSON, which has no other tokens where a value starts.
            default -> throw error("unexpected " + t, p.currentTokenLocation());
        };
    }

    /** One line, as the CLI prints it after the file's name, with the character offset it refers to. */
    private static IllegalArgumentException error(String what, JsonLocation where) {
        String line = (what == null ? "malformed JSON" : what).replaceAll("\\s+", " ").strip()
                // Jackson's hints name its own settings (", from `StreamReadConstraints...`", ": enable `JsonReadFeature...`
                // to allow"), which mean nothing to whoever wrote the file.
                .replaceAll(", from `[^`]*`", "")
                .replaceAll(": enable `[^`]*` to allow", "");
        return new IllegalArgumentException(line + " at offset " + where.getCharOffset());
    }
}
