package dev.tuna.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON tuna needs (safetensors headers, the study database's hyperparameters and metrics): a writer
 * for maps, lists, strings, numbers and booleans, and a strict parser.
 */
public final class Json {
    private Json() {}

    /** Appends s as a JSON string literal. */
    public static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    /** Writes maps (string keys), lists, strings, numbers, booleans and null; non-finite doubles become null. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String s -> string(b, s);
            case Boolean x -> b.append(x);
            case Double d -> b.append(Double.isFinite(d) ? (d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d) : Double.toString(d)) : "null");
            case Float f -> write(b, f.doubleValue());
            case Number n -> b.append(n.longValue());
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (var e : m.entrySet()) {
                    if (!first) b.append(',');
                    first = false;
                    string(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) b.append(',');
                    write(b, l.get(i));
                }
                b.append(']');
            }
            default -> string(b, v.toString());
        }
    }

    /**
     * Parses a JSON text: objects become LinkedHashMap (duplicate keys are an error), arrays List, numbers
     * Long when integral and in range else Double, and true/false/null Boolean/null. Throws
     * IllegalArgumentException with the offset on malformed input.
     */
    public static Object parse(String text) {
        Json.Parser p = new Json.Parser(text);
        Object v = p.value();
        p.ws();
        if (p.i < text.length()) throw p.error("unexpected text after the JSON value");
        return v;
    }

    private static final class Parser {
        private final String s;
        private int i;
        private int depth;

        Parser(String s) { this.s = s; }

        /** A character for a message: quoted, or as U+XXXX when a control character (a line break would split the message). */
        private static String show(char c) { return c < 0x20 || c == 0x7f ? String.format("U+%04X", (int) c) : "'" + c + "'"; }

        IllegalArgumentException error(String what) { return new IllegalArgumentException(what + " at offset " + i); }

        void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
                else break;
            }
        }

        Object value() {
            ws();
            if (i >= s.length()) throw error("unexpected end of JSON");
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    if (++depth > 64) throw error("JSON nested too deeply");
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (i < s.length() && s.charAt(i) == '}') {
                        i++;
                        depth--;
                        return m;
                    }
                    while (true) {
                        ws();
                        if (i >= s.length() || s.charAt(i) != '"') throw error("expected a string key");
                        String k = string();
                        ws();
                        expect(':');
                        if (m.containsKey(k)) throw error("duplicate key " + DataIo.quote(k));
                        m.put(k, value());
                        ws();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect('}');
                        depth--;
                        return m;
                    }
                }
                case '[' -> {
                    if (++depth > 64) throw error("JSON nested too deeply");
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (i < s.length() && s.charAt(i) == ']') {
                        i++;
                        depth--;
                        return l;
                    }
                    while (true) {
                        l.add(value());
                        ws();
                        if (i < s.length() && s.charAt(i) == ',') {
                            i++;
                            continue;
                        }
                        expect(']');
                        depth--;
                        return l;
                    }
                }
                case '"' -> { return string(); }
                case 't' -> { word("true"); return Boolean.TRUE; }
                case 'f' -> { word("false"); return Boolean.FALSE; }
                case 'n' -> { word("null"); return null; }
                default -> { return number(); }
            }
        }

        private void word(String w) {
            if (!s.startsWith(w, i)) throw error("unexpected character " + show(s.charAt(i)));
            i += w.length();
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) throw error("expected '" + c + "'");
            i++;
        }

        private String string() {
            i++; // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw error("unterminated string");
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c < 0x20) throw error("control character in a string");
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) throw error("unterminated string");
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw error("bad \\u escape");
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw error("bad escape \\" + show(e));
                }
            }
        }

        private Object number() {
            int start = i;
            if (i < s.length() && s.charAt(i) == '-') i++;
            int digits = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            if (i == digits) throw error("unexpected character " + show(s.charAt(start)));
            boolean integral = true;
            if (i < s.length() && s.charAt(i) == '.') {
                integral = false;
                i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                integral = false;
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
            }
            String t = s.substring(start, i);
            if (integral) {
                try {
                    return Long.parseLong(t);
                } catch (NumberFormatException e) {
                    // too large for a long
                }
            }
            try {
                return Double.parseDouble(t);
            } catch (NumberFormatException e) {
                throw error("bad number " + t);
            }
        }
    }
}
