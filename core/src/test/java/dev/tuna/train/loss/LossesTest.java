package dev.tuna.train.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.autograd.Var;
import dev.tuna.task.Task;
import dev.tuna.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The losses by their Keras names: spellings, defaults, refusals, and that each name computes its own loss. */
class LossesTest {

    @ParameterizedTest(name = "{0} for {1}")
    @CsvSource({
        "sparse_categorical_crossentropy, CLASSIFICATION, sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy,   CLASSIFICATION, sparse_categorical_crossentropy",
        "binary_crossentropy,             BINARY,         binary_crossentropy",
        "BinaryCrossentropy,              BINARY,         binary_crossentropy",
        "mean_squared_error,              REGRESSION,     mean_squared_error",
        "mse,                             REGRESSION,     mean_squared_error",
        "MSE,                             REGRESSION,     mean_squared_error",
        "MeanSquaredError,                REGRESSION,     mean_squared_error",
        "mean_absolute_error,             REGRESSION,     mean_absolute_error",
        "mae,                             REGRESSION,     mean_absolute_error",
        "MeanAbsoluteError,               REGRESSION,     mean_absolute_error",
        "huber,                           REGRESSION,     huber",
        "Huber,                           REGRESSION,     huber",
        "huber_loss,                      REGRESSION,     huber",
        "huber:1,                         REGRESSION,     huber",
        "huber:0.5,                       REGRESSION,     huber:0.5",
        "' huber : 2.5 ',                 REGRESSION,     huber:2.5",
    })
    void kerasSpellingsNameTheirLoss(String spelling, Task task, String name) {
        Loss loss = Losses.parse(spelling, task);
        assertEquals(name, loss.name());
        assertTrue(loss.appliesTo(task));
        assertEquals(loss, Losses.parse(loss.name(), task), "the name reads back to the same loss");
    }

    @Test
    void eachTaskHasItsDefaultAndNoKeyMeansTheDefault() {
        assertEquals(new SparseCategoricalCrossentropy(), Losses.defaultFor(Task.CLASSIFICATION));
        assertEquals(new BinaryCrossentropy(), Losses.defaultFor(Task.BINARY));
        assertEquals(new MeanSquaredError(), Losses.defaultFor(Task.REGRESSION));
        for (Task t : Task.values()) {
            assertEquals(Losses.defaultFor(t), Losses.parse(null, t));
            assertTrue(Losses.defaultFor(t).appliesTo(t), t + "'s default fits it");
        }
        assertEquals(0.5f, ((Huber) Losses.parse("huber:0.5", Task.REGRESSION)).delta());
        assertEquals(1f, ((Huber) Losses.parse("huber", Task.REGRESSION)).delta(), "Keras' default delta");
    }

    private static String refused(String name, Task task) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Losses.parse(name, task));
        assertTrue(e.getMessage().startsWith("loss '" + name + "'"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aLossThatDoesNotFitTheTaskIsRefusedWithWhatFits() {
        String m = refused("mse", Task.CLASSIFICATION);
        assertTrue(m.contains("does not fit a classification model: expected sparse_categorical_crossentropy"), m);
        m = refused("sparse_categorical_crossentropy", Task.BINARY);
        assertTrue(m.contains("does not fit a binary model: expected binary_crossentropy"), m);
        m = refused("binary_crossentropy", Task.CLASSIFICATION);
        assertTrue(m.contains("expected sparse_categorical_crossentropy"), m);
        m = refused("huber:0.5", Task.BINARY);
        assertTrue(m.contains("expected binary_crossentropy"), m);
        m = refused("binary_crossentropy", Task.REGRESSION);
        assertTrue(m.contains("does not fit a regression model: expected mean_squared_error (mse), mean_absolute_error (mae) or huber"), m);
    }

    @Test
    void unknownAndMalformedNamesAreRefusedWithWhatWasExpected() {
        String m = refused("hinge", Task.CLASSIFICATION);
        assertTrue(m.contains("expected sparse_categorical_crossentropy, binary_crossentropy, mean_squared_error (mse)"), m);
        refused("m_se", Task.REGRESSION);
        refused("", Task.REGRESSION);
        m = refused("categorical_crossentropy", Task.CLASSIFICATION);
        assertTrue(m.contains("class indices") && m.contains("sparse_categorical_crossentropy"), m);
        m = refused("mse:2", Task.REGRESSION);
        assertTrue(m.contains("only huber takes a parameter"), m);
        for (String bad : new String[] {"huber:", "huber:0", "huber:-1", "huber:abc", "huber:NaN", "huber:Infinity"}) {
            m = refused(bad, Task.REGRESSION);
            assertTrue(m.contains("must be a finite number > 0"), m);
        }
        assertThrows(IllegalArgumentException.class, () -> new Huber(0f));
    }

    @Test
    void existsAcceptsEveryWellFormedSpellingForSomeTaskAndNamesListsThem() {
        for (String ok : new String[] {"mse", "MeanAbsoluteError", "binary_crossentropy", "sparse_categorical_crossentropy", "huber:0.25"}) {
            assertTrue(Losses.exists(ok), ok);
        }
        for (String bad : new String[] {"hinge", "huber:-1", "mse:2", "categorical_crossentropy"}) assertTrue(!Losses.exists(bad), bad);
        assertTrue(!Losses.exists(null));
        for (String n : Losses.names()) assertTrue(Losses.exists(n.replace("<delta>", "0.5")), n + " is listed and read");
    }

    @Test
    void aLossThatDoesNotSayFitsEveryTask() {
        Loss custom = new Loss() {
            @Override public String name() { return "custom"; }

            @Override public Var compute(Var outputs, Tensor labels) { return outputs; }
        };
        for (Task t : Task.values()) assertTrue(custom.appliesTo(t));
        assertTrue(!new MeanSquaredError().appliesTo(Task.BINARY), "a built-in says");
    }

    @Test
    void eachLossComputesItsOwnFormula() {
        long seed = System.nanoTime();
        System.out.println("eachLossComputesItsOwnFormula seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int n = 7, c = 3;
        float[] out = new float[n], logits = new float[n * c], values = new float[n];
        int[] classes = new int[n], bits = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) rng.nextDouble(-3, 3);
            values[i] = (float) rng.nextDouble(-3, 3);
            classes[i] = rng.nextInt(c);
            bits[i] = rng.nextInt(2);
            for (int j = 0; j < c; j++) logits[i * c + j] = (float) rng.nextDouble(-3, 3);
        }
        double xent = 0, bce = 0, mse = 0, mae = 0, huber = 0;
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < c; j++) s += Math.exp(logits[i * c + j]);
            xent += Math.log(s) - logits[i * c + classes[i]];
            double p = 1 / (1 + Math.exp(-out[i]));
            bce -= bits[i] == 1 ? Math.log(p) : Math.log(1 - p);
            double r = (double) out[i] - values[i];
            mse += r * r;
            mae += Math.abs(r);
            huber += Math.abs(r) <= 0.5 ? 0.5 * r * r : 0.5 * (Math.abs(r) - 0.25);
        }
        Var one = Var.constant(Tensor.of(out, n, 1));
        Tensor targets = Tensor.of(values, n);
        String ctx = " (seed " + seed + ")";
        assertEquals(xent / n, value(Losses.parse("sparse_categorical_crossentropy", Task.CLASSIFICATION), Var.constant(Tensor.of(logits, n, c)),
                Tensor.ofInts(classes, n)), 1e-5, "sparse categorical cross-entropy" + ctx);
        assertEquals(bce / n, value(Losses.parse("binary_crossentropy", Task.BINARY), one, Tensor.ofInts(bits, n)), 1e-5, "binary cross-entropy" + ctx);
        assertEquals(mse / n, value(Losses.parse("mse", Task.REGRESSION), one, targets), 1e-5, "mse" + ctx);
        assertEquals(mae / n, value(Losses.parse("mae", Task.REGRESSION), one, targets), 1e-5, "mae" + ctx);
        assertEquals(huber / n, value(Losses.parse("huber:0.5", Task.REGRESSION), one, targets), 1e-5, "huber" + ctx);
    }

    private static double value(Loss loss, Var outputs, Tensor labels) { return loss.compute(outputs, labels).value().getFloat(0); }
}
