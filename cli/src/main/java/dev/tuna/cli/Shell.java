package dev.tuna.cli;

import java.util.regex.Pattern;

/** Quotes words for the commands tuna suggests ("next: tuna retrain --study ..."), so they paste into a shell as they are. */
final class Shell {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private Shell() {}

    /** The word as is when the shell leaves it alone, else in single quotes (a quote inside becomes '\''). */
    static String quote(Object word) {
        String s = String.valueOf(word);
        if (!s.isEmpty() && PLAIN.matcher(s).matches()) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
