package dev.tuna.nn;

/** Test helper: every parameter of a model, in order, flattened into one array (to compare replicas or runs). */
public final class Weights {
    private Weights() {}

    public static float[] of(Model m) {
        int n = 0;
        for (Parameter p : m.parameters()) n += Math.toIntExact(p.value().size());
        float[] out = new float[n];
        int at = 0;
        for (Parameter p : m.parameters()) {
            float[] v = p.value().toFloatArray();
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        return out;
    }
}
