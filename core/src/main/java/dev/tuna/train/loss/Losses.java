package dev.tuna.train.loss;

import dev.tuna.task.Task;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The built-in losses by name, as Keras spells them, and each task's default.
 *
 * <p>{@link #parse} reads, case-insensitively, a Keras function name or its class name:
 * {@code sparse_categorical_crossentropy} (SparseCategoricalCrossentropy) for classification;
 * {@code binary_crossentropy} (BinaryCrossentropy) for binary, always from the one logit the model outputs;
 * {@code mean_squared_error} or {@code mse} (MeanSquaredError), {@code mean_absolute_error} or {@code mae}
 * (MeanAbsoluteError), and {@code huber} (Huber, also {@code huber_loss}) with Keras' delta of 1.0 for regression.
 * Huber's delta is given after a colon, {@code huber:0.5}, a finite number greater than 0; no other loss takes a
 * parameter. A name that is unknown, malformed or does not fit the task is refused with an
 * IllegalArgumentException that starts {@code loss '<name>'} and says what was expected.
 */
public final class Losses {
    private Losses() {}

    private static final String REGRESSION = "mean_squared_error (mse), mean_absolute_error (mae) or huber[:<delta>]";

    /** Every accepted spelling, lower case, to the loss it names (Huber with the default delta). */
    private static final Map<String, Loss> NAMES = Map.ofEntries(
            Map.entry("sparse_categorical_crossentropy", new SparseCategoricalCrossentropy()),
            Map.entry("sparsecategoricalcrossentropy", new SparseCategoricalCrossentropy()),
            Map.entry("binary_crossentropy", new BinaryCrossentropy()),
            Map.entry("binarycrossentropy", new BinaryCrossentropy()),
            Map.entry("mean_squared_error", new MeanSquaredError()),
            Map.entry("meansquarederror", new MeanSquaredError()),
            Map.entry("mse", new MeanSquaredError()),
            Map.entry("mean_absolute_error", new MeanAbsoluteError()),
            Map.entry("meanabsoluteerror", new MeanAbsoluteError()),
            Map.entry("mae", new MeanAbsoluteError()),
            Map.entry("huber", new Huber(1f)),
            Map.entry("huber_loss", new Huber(1f)));

    /** The spellings to show where a name is unknown: the Keras function names and their short aliases. */
    public static List<String> names() {
        return List.of("sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error", "mse", "mean_absolute_error", "mae",
                "huber", "huber:<delta>");
    }

    /**
     * Whether {@link #parse} reads the name for some task (a known spelling, well formed). Checking a job file with
     * {@code parse(name, task)} instead gives the reason with the refusal: an unknown name, a bad delta, a misfit.
     */
    public static boolean exists(String name) {
        if (name == null) return false;
        for (Task t : Task.values()) {
            try {
                parse(name, t);
                return true;
            } catch (IllegalArgumentException e) {
                // Not for this task, or not at all: the next task decides.
            }
        }
        return false;
    }

    /** The loss a model of this task trains with when its job names none. */
    public static Loss defaultFor(Task task) {
        return switch (task) {
            case CLASSIFICATION -> new SparseCategoricalCrossentropy();
            case BINARY -> new BinaryCrossentropy();
            case REGRESSION -> new MeanSquaredError();
        };
    }

    /** The loss a job file names for a model of this task; null (no {@code loss:} key) gives {@link #defaultFor}. */
    public static Loss parse(String name, Task task) {
        if (name == null) return defaultFor(task);
        String s = name.trim().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String base = colon < 0 ? s : s.substring(0, colon).trim();
        Loss loss = NAMES.get(base);
        if (loss == null) {
            if (base.equals("categorical_crossentropy") || base.equals("categoricalcrossentropy")) {
                throw new IllegalArgumentException("loss '" + name + "': labels are class indices here, not one-hot rows, so the loss is "
                        + "sparse_categorical_crossentropy");
            }
            throw new IllegalArgumentException("loss '" + name + "': expected sparse_categorical_crossentropy, binary_crossentropy, " + REGRESSION);
        }
        if (colon >= 0) {
            if (!(loss instanceof Huber)) {
                throw new IllegalArgumentException("loss '" + name + "': only huber takes a parameter (huber:<delta>); expected " + base + " alone");
            }
            loss = new Huber(delta(name, s.substring(colon + 1).trim()));
        }
        if (!loss.appliesTo(task)) {
            throw new IllegalArgumentException("loss '" + name + "' does not fit a " + task.id() + " model: expected " + fitting(task));
        }
        return loss;
    }

    private static float delta(String name, String text) {
        float d;
        try {
            d = Float.parseFloat(text);
        } catch (NumberFormatException e) {
            d = Float.NaN;
        }
        if (!(d > 0) || Float.isInfinite(d)) {
            throw new IllegalArgumentException("loss '" + name + "': huber's delta '" + text + "' must be a finite number > 0, as in huber:0.5");
        }
        return d;
    }

    private static String fitting(Task task) {
        return switch (task) {
            case CLASSIFICATION -> "sparse_categorical_crossentropy (the default; it needs one logit per class)";
            case BINARY -> "binary_crossentropy (the default; it needs the one logit of class 1)";
            case REGRESSION -> REGRESSION + " (mean_squared_error is the default)";
        };
    }
}
