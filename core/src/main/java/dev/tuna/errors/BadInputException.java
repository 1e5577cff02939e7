package dev.tuna.errors;

/**
 * Bad input from the user: a file, a YAML key, a flag or a data shape that is not what was expected.
 * The message is one line that names the thing and what was expected; the CLI maps it to exit code 2.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) { super(oneLine(message)); }

    public BadInputException(String message, Throwable cause) { super(oneLine(message), cause); }

    /**
     * The message on one line: a name or value quoted from a file (a CSV header field, a JSON string) may hold line
     * breaks, and the CLI's contract is one line per error.
     */
    static String oneLine(String message) { return message == null ? null : message.replaceAll("[\r\n]+", " "); }
}
