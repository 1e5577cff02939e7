package dev.tuna.optim;

import dev.tuna.backend.Backend;
import dev.tuna.nn.Parameter;
import dev.tuna.tensor.Tensor;
import java.util.List;

/** Keras' gradient clipping options: clipnorm (per tensor), global_clipnorm, clipvalue; at most one. */
public record Clipping(float clipNorm, float globalClipNorm, float clipValue) {
    public static final Clipping NONE = new Clipping(0, 0, 0);

    public Clipping {
        // 0 means "not set"; a negative threshold would silently mean the same, so it is refused.
        if (clipNorm < 0 || globalClipNorm < 0 || clipValue < 0 || Float.isNaN(clipNorm + globalClipNorm + clipValue)) {
            throw new IllegalArgumentException("clipnorm, global_clipnorm and clipvalue: expected a positive number (0 for off), got "
                    + clipNorm + ", " + globalClipNorm + ", " + clipValue);
        }
        int set = (clipNorm > 0 ? 1 : 0) + (globalClipNorm > 0 ? 1 : 0) + (clipValue > 0 ? 1 : 0);
        if (set > 1) throw new IllegalArgumentException("set at most one of clipnorm, global_clipnorm and clipvalue");
    }

    double globalScale(Backend be, List<Parameter> params) {
        if (globalClipNorm <= 0) return 1;
        double sq = 0;
        for (Parameter p : params) if (p.grad() != null) sq += be.sumOfSquares(p.grad());
        double norm = Math.sqrt(sq);
        return norm > globalClipNorm ? globalClipNorm / norm : 1;
    }

    Tensor clip(Backend be, Tensor g, double globalScale) {
        if (globalScale != 1) return be.scale(g, (float) globalScale);
        if (clipNorm > 0) {
            double norm = Math.sqrt(be.sumOfSquares(g));
            return norm > clipNorm ? be.scale(g, (float) (clipNorm / norm)) : g;
        }
        if (clipValue > 0) {
            Tensor host = be.toHost(g).copy();
            for (long i = 0; i < host.size(); i++) host.setFloat(i, Math.max(-clipValue, Math.min(clipValue, host.getFloat(i))));
            return be.fromHost(host);
        }
        return g;
    }
}
