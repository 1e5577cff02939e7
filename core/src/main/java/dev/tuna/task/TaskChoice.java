package dev.tuna.task;

import dev.tuna.data.Dataset;
import dev.tuna.errors.BadInputException;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.NativeMemory;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The task of a job: the one its file names, or the one its training labels suggest, with the reason in words (the
 * commands print it, so a wrong guess is seen at once and fixed with {@code task:}). Readers load labels as classes
 * named by their strings; a regression turns those names back into the values they spell.
 */
public final class TaskChoice {
    /** Integer labels with more distinct values than this are taken for values (a count, a price), not classes. */
    public static final int MAX_INFERRED_CLASSES = 200;

    private TaskChoice() {}

    /** A task and why it was chosen ("set by task:" or what the labels looked like). */
    public record Chosen(Task task, String reason) {
        public String describe() { return "task: " + task.id() + " (" + reason + ")"; }
    }

    /** The declared task, checked against the labels, or the inferred one. {@code where} names the file for errors. */
    public static Chosen choose(Task declared, Dataset train, String where) {
        List<String> names = train.classNames();
        if (train.hasValueLabels()) {
            if (declared != null && declared != Task.REGRESSION) {
                throw new BadInputException(where + ": task: " + declared.id() + " needs class labels, but the labels are values");
            }
            return new Chosen(Task.REGRESSION, declared != null ? "set by task:" : "the labels are values");
        }
        return choose(declared, names, where);
    }

    /** The task for labels read as strings, given their distinct values in sorted order. */
    public static Chosen choose(Task declared, List<String> names, String where) {
        boolean numeric = !names.isEmpty() && names.stream().allMatch(TaskChoice::isNumber);
        if (declared != null) {
            switch (declared) {
                case REGRESSION -> {
                    if (!numeric) {
                        String bad = names.stream().filter(s -> !isNumber(s)).findFirst().orElse("");
                        throw new BadInputException(where + ": task: regression needs numeric labels, but label '" + bad + "' is not a number");
                    }
                }
                case BINARY -> {
                    if (names.size() != 2) {
                        throw new BadInputException(where + ": task: binary needs exactly 2 label values, the training data has "
                                + names.size() + "; use task: classification");
                    }
                }
                case CLASSIFICATION -> { }
            }
            return new Chosen(declared, "set by task:");
        }
        if (numeric && (names.stream().anyMatch(s -> !isInteger(s)) || names.size() > MAX_INFERRED_CLASSES)) {
            return new Chosen(Task.REGRESSION, names.stream().anyMatch(s -> !isInteger(s))
                    ? "the labels are numbers that are not all integers"
                    : names.size() + " distinct integer labels, more than " + MAX_INFERRED_CLASSES + " classes; set task: classification to treat them as classes");
        }
        if (names.size() == 2) return new Chosen(Task.BINARY, "2 label values: " + names.get(0) + " and " + names.get(1) + ", positive class " + names.get(1));
        return new Chosen(Task.CLASSIFICATION, names.size() + " classes");
    }

    /**
     * The data set with labels as the task wants them: the same one for a classifier; for a regression read as
     * classes, a new owning data set whose labels are the values the class names spell (the caller closes both).
     */
    public static Dataset labelsFor(Task task, Dataset d) {
        if (task != Task.REGRESSION || d.hasValueLabels()) return d;
        List<String> names = d.classNames();
        float[] byClass = new float[names.size()];
        for (int c = 0; c < byClass.length; c++) byClass[c] = Float.parseFloat(names.get(c).trim());
        int[] y = d.y().toIntArray();
        Arena arena = NativeMemory.shared();
        try {
            Tensor x = Tensor.empty(d.x().shape(), DType.F32, arena);
            x.copyFrom(d.x());
            Tensor v = Tensor.empty(Shape.of(y.length), DType.F32, arena);
            for (int i = 0; i < y.length; i++) v.setFloat(i, byClass[y[i]]);
            return new Dataset(x, v, 0, List.of(), arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    static boolean isNumber(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static boolean isInteger(String s) {
        try {
            double v = Double.parseDouble(s.trim());
            return v == Math.rint(v) && Math.abs(v) < 1e15;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
