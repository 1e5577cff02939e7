package dev.tuna.tune.study;

/**
 * The study database failed underneath a running search (a disk error, a lock held past the busy timeout):
 * not bad input and not a lost trial, so neither {@link dev.tuna.errors.BadInputException} nor
 * {@link IllegalStateException}. The message names the database file.
 */
public class StudyException extends RuntimeException {
    public StudyException(String message, Throwable cause) { super(message, cause); }
}
