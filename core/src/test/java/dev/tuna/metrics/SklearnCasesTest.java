package dev.tuna.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Task;
import org.junit.jupiter.api.Test;

/**
 * Fixed cases whose expected values scikit-learn 1.2.1 computed (an independent implementation), on the float64
 * values of these float32 inputs:
 *
 * <pre>
 * from sklearn import metrics as M
 * binary:         M.accuracy_score(y, p >= 0.5), M.roc_auc_score(y, p), M.precision_score / recall_score /
 *                 f1_score(y, p >= 0.5, zero_division=0), M.log_loss(y, p, eps=1e-15, labels=[0, 1])
 * classification: M.accuracy_score(Y, P.argmax(1)), M.top_k_accuracy_score(Y, P, k=2), M.roc_auc_score(Y, P,
 *                 multi_class='ovr', average='macro'), M.precision_score / recall_score / f1_score(Y, P.argmax(1),
 *                 average='macro', zero_division=0), M.log_loss(Y, P, eps=1e-15, labels=[0, 1, 2, 3])
 * regression:     M.mean_squared_error(t, q), M.mean_squared_error(t, q, squared=False), M.mean_absolute_error,
 *                 M.r2_score
 * </pre>
 *
 * The inputs have ties (scores repeated across rows, two rows tied for the top class) and the awkward cases: a
 * binary row certain and wrong (p = 0 for a positive, clipped), a class never predicted (precision 0 by
 * zero_division). Classification rows are dyadic so that they sum to exactly 1, as sklearn checks, and no row ties
 * at its 2nd and 3rd class, where sklearn's top-k breaks ties by index and ours counts them in.
 */
class SklearnCasesTest {
    private static final double TOL = 1e-12;

    private static void check(String metric, double sklearn, Predictions p, Labels y) {
        assertEquals(sklearn, Metrics.named(metric).compute(p, y), TOL * Math.max(1, Math.abs(sklearn)), metric);
    }

    @Test
    void binary() {
        Predictions p = new Predictions(Task.BINARY, 13, 1, new float[] {0.9f, 0.1f, 0.5f, 0.5f, 0.3f, 0.7f, 0.7f, 0.2f, 0.5f, 0.0f, 1.0f, 0.3f, 0.0f});
        Labels y = Labels.classes(new int[] {1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1});
        check("accuracy", 0.6923076923076923, p, y);
        check("auc", 0.7261904761904762, p, y);
        check("precision", 0.7142857142857143, p, y);
        check("recall", 0.7142857142857143, p, y);
        check("f1", 0.7142857142857143, p, y);
        check("log_loss", 3.0902598463237374, p, y);
    }

    @Test
    void classification() {
        float[] q = {
            .5f, .25f, .125f, .125f, .25f, .5f, .125f, .125f, .125f, .25f, .5f, .125f, .375f, .375f, .125f, .125f,
            .5f, .125f, .25f, .125f, .125f, .125f, .5f, .25f, .25f, .125f, .5f, .125f, .125f, .5f, .25f, .125f,
            .5f, .25f, .125f, .125f, .375f, .375f, .125f, .125f};
        Predictions p = new Predictions(Task.CLASSIFICATION, 10, 4, q);
        Labels y = Labels.classes(new int[] {0, 0, 2, 1, 3, 2, 3, 1, 1, 0});
        check("accuracy", 0.5, p, y);
        check("top2_accuracy", 0.8, p, y);
        check("auc", 0.7008928571428572, p, y);
        check("precision", 0.39166666666666666, p, y);
        check("recall", 0.5, p, y);
        check("f1", 0.42500000000000004, p, y);
        check("log_loss", 1.1665719033862687, p, y);
    }

    @Test
    void regression() {
        Predictions p = new Predictions(Task.REGRESSION, 8, 1, new float[] {3.0f, -0.5f, 2.25f, 8.5f, 1.0f, 3.25f, 1.5f, -2.0f});
        Labels y = Labels.values(new float[] {3.5f, -1.25f, 2.0f, 7.75f, 0.5f, 4.0f, 2.0f, -3.0f});
        check("mse", 0.4375, p, y);
        check("rmse", 0.6614378277661477, p, y);
        check("mae", 0.625, p, y);
        check("r2", 0.954600729631131, p, y);
    }
}
