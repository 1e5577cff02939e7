package dev.tuna.backend;

/** Elementwise activations; each knows its derivative in terms of the input x and/or output y. */
public enum UnaryOp {
    RELU, GELU, TANH, SIGMOID, NEG, EXP, LOG, SQUARE, SQRT;

    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2 * Math.PI);

    /** Forward in float64, so backends share one definition and tests have an independent reference. */
    public double apply(double x) {
        return switch (this) {
            case RELU -> x > 0 ? x : 0;
            case GELU -> 0.5 * x * (1 + Erf.erf(x * SQRT_HALF));
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQUARE -> x * x;
            case SQRT -> Math.sqrt(x);
        };
    }

    /** dy/dx given input x and output y. */
    public double derivative(double x, double y) {
        return switch (this) {
            case RELU -> x > 0 ? 1 : 0;
            case GELU -> 0.5 * (1 + Erf.erf(x * SQRT_HALF)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
            case TANH -> 1 - y * y;
            case SIGMOID -> y * (1 - y);
            case NEG -> -1;
            case EXP -> y;
            case LOG -> 1 / x;
            case SQUARE -> 2 * x;
            case SQRT -> 0.5 / y;
        };
    }
}
