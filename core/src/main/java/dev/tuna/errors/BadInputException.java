package dev.tuna.errors;

/**
 * Bad input from the user: a file, a YAML key, a flag or a data shape that is not what was expected.
 * The message is one line that names the thing and what was expected; the CLI maps it to exit code 2.
 */
public class BadInputException extends RuntimeException {
    public BadInputException(String message) { super(message); }

    public BadInputException(String message, Throwable cause) { super(message, cause); }
}
