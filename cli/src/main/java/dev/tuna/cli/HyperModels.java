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
        int mod = c.getModifiers();
        if (c.isInterface() || java.lang.reflect.Modifier.isAbstract(mod)) {
            throw new BadInputException("--hypermodel " + className + ": is " + (c.isInterface() ? "an interface" : "an abstract class")
                    + "; expected a concrete class implementing dev.tuna.tune.HyperModel with a public no-argument constructor");
        }
        if (c.isMemberClass() && !java.lang.reflect.Modifier.isStatic(mod)) {
            throw new BadInputException("--hypermodel " + className + ": is an inner class; make it a top-level or static nested class");
        }
        java.lang.reflect.Constructor<?> ctor;
        try {
            ctor = c.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            throw new BadInputException("--hypermodel " + className + ": has no no-argument constructor; expected a public one");
        }
        if (!java.lang.reflect.Modifier.isPublic(mod) || !java.lang.reflect.Modifier.isPublic(ctor.getModifiers())) {
            throw new BadInputException("--hypermodel " + className + ": expected a public class with a public no-argument constructor");
        }
        try {
            return (HyperModel) ctor.newInstance();
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable t = e.getCause();
            throw new BadInputException("--hypermodel " + className + ": its constructor threw " + t.getClass().getSimpleName()
                    + (t.getMessage() == null ? "" : ": " + t.getMessage().lines().findFirst().orElse("")));
        } catch (ReflectiveOperationException e) {
            throw new BadInputException("--hypermodel " + className + ": cannot be constructed (" + e.getClass().getSimpleName() + ")");
        }
    }
}
