package dev.tuna.backend;

import dev.tuna.tensor.DType;
import dev.tuna.tensor.Tensor;

/** The shape and dtype checks every backend makes on a one-output loss's inputs before it reads them. */
public final class LossInputs {
    private LossInputs() {}

    /**
     * The number of rows of a one-output loss: outputs [n] or [n, 1] (f32), labels [n] of the given dtype; an
     * IllegalArgumentException naming the loss and the shapes otherwise.
     */
    public static int rows(String loss, Tensor outputs, Tensor labels, DType labelType) {
        boolean oneColumn = outputs.rank() == 1 || (outputs.rank() == 2 && outputs.dim(1) == 1);
        if (!oneColumn || outputs.dtype() != DType.F32) {
            throw new IllegalArgumentException(loss + ": expected f32 outputs of shape [n] or [n, 1] (one per row), got "
                    + outputs.dtype().id() + " " + outputs.shape());
        }
        int n = outputs.dim(0);
        if (labels.dtype() != labelType || labels.size() != n) {
            throw new IllegalArgumentException(loss + ": expected " + n + " " + labelType.id() + " labels for outputs " + outputs.shape()
                    + ", got " + labels.dtype().id() + " " + labels.shape());
        }
        if (n == 0) throw new IllegalArgumentException(loss + ": no rows (the mean of an empty batch is undefined)");
        return n;
    }
}
