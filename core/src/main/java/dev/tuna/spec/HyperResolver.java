package dev.tuna.spec;

/**
 * Chooses a value for each hyperparameter form met while reading a spec: its default for `tuna train`,
 * the oracle's choice for a tuner trial.
 */
@FunctionalInterface
public interface HyperResolver {
    Object resolve(HyperForm form);

    /** Takes each form's default (KerasTuner's: the low end of a range, the first choice, false). */
    HyperResolver DEFAULTS = HyperForm::defaultValue;
}
