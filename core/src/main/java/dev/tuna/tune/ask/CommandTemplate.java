package dev.tuna.tune.ask;

import dev.tuna.errors.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A command line with placeholders, {@code python train.py --lr {learning_rate} --units {units}}: each {@code {name}}
 * becomes the trial's value, shell-quoted, so a value with spaces or quotes stays one word (write placeholders
 * outside quotes). {@code {{} and {@code }}} are literal braces, and {@code ${...}} is left to the shell. A
 * placeholder that names nothing is refused when the template is read, before any trial runs.
 */
public final class CommandTemplate {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    /** Literal text, or a placeholder's name. */
    private record Part(String text, boolean placeholder) {}

    private final String text;
    private final List<Part> parts;

    private CommandTemplate(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    /**
     * Reads a template whose placeholders must be among {@code known}; {@code flag} names where it came from in
     * messages ("--command").
     */
    public static CommandTemplate parse(String text, Set<String> known, String flag) {
        if (text == null || text.isBlank()) throw new BadInputException(flag + ": expected a command to run per trial");
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                lit.append('{');
                i++;
            } else if (c == '}' && i + 1 < text.length() && text.charAt(i + 1) == '}') {
                lit.append('}');
                i++;
            } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                int close = text.indexOf('}', i);
                if (close < 0) throw new BadInputException(flag + ": '${' at character " + (i + 1) + " is not closed");
                lit.append(text, i, close + 1);
                i = close;
            } else if (c == '{') {
                int close = text.indexOf('}', i);
                String name = close < 0 ? "" : text.substring(i + 1, close);
                if (close < 0 || !NAME.matcher(name).matches()) {
                    throw new BadInputException(flag + ": '{' at character " + (i + 1) + " does not start a placeholder {name}; write {{ for a literal brace");
                }
                if (!known.contains(name)) {
                    throw new BadInputException(flag + ": unknown placeholder {" + name + "}; expected one of " + new java.util.TreeSet<>(known));
                }
                if (!lit.isEmpty()) parts.add(new Part(lit.toString(), false));
                lit.setLength(0);
                parts.add(new Part(name, true));
                i = close;
            } else {
                lit.append(c);
            }
        }
        if (!lit.isEmpty()) parts.add(new Part(lit.toString(), false));
        return new CommandTemplate(text, List.copyOf(parts));
    }

    /** The placeholders used, in order of first use. */
    public Set<String> placeholders() {
        Set<String> out = new LinkedHashSet<>();
        for (Part p : parts) if (p.placeholder) out.add(p.text);
        return out;
    }

    /** The command with each placeholder replaced by its value, quoted for a POSIX shell. */
    public String render(Map<String, String> values) {
        StringBuilder b = new StringBuilder();
        for (Part p : parts) {
            if (!p.placeholder) b.append(p.text);
            else b.append(quote(values.getOrDefault(p.text, "")));
        }
        return b.toString();
    }

    /** The word as is when a POSIX shell leaves it alone, else in single quotes (a quote inside becomes '\''). */
    static String quote(String s) {
        if (!s.isEmpty() && PLAIN.matcher(s).matches()) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Override
    public String toString() { return text; }
}
