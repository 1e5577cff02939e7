package dev.tuna.cli;

import dev.tuna.errors.BadInputException;
import dev.tuna.tune.HyperModel;

/** Loads a researcher's Java hypermodel by class name from the class path (the launcher adds $TUNA_CLASSPATH). */
final class HyperModels {
    private HyperModels() {}

    static HyperModel load(String className) {
        Class<?> c;
        try {
            c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new BadInputException("--hypermodel " + className + ": no such class on the class path; put its jar or classes folder in TUNA_CLASSPATH");
        }
        if (!HyperModel.class.isAssignableFrom(c)) {
            throw new BadInputException("--hypermodel " + className + ": expected a class implementing dev.tuna.tune.HyperModel");
        }
        try {
            return (HyperModel) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new BadInputException("--hypermodel " + className + ": expected a public no-argument constructor (" + e.getClass().getSimpleName() + ")");
        }
    }
}
