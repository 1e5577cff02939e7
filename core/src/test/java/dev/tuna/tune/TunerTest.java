package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.data.Dataset;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunerTest {
    @TempDir
    Path tmp;

    static final String SPEC = """
            data: {train: unused.csv}
            model:
              layers: [{dense: {units: {int: [4, 16], step: 4}, activation: relu}}]
              optimizer: {choice: [adam, rmsprop]}
            train: {epochs: 2, batch_size: 32, seed: 3}
            """;

    /** Two noisy classes in 8 features; fresh random draws. */
    static Dataset data(int n, long seed, Arena arena) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.empty(Shape.of(n, 8), DType.F32, arena);
        Tensor y = Tensor.empty(Shape.of(n), DType.I32, arena);
        for (int i = 0; i < n; i++) {
            int label = rng.nextInt(2);
            y.setInt(i, label);
            for (int j = 0; j < 8; j++) x.setFloat((long) i * 8 + j, (float) ((label * 2 - 1) * 0.5 + rng.nextGaussian()));
        }
        return new Dataset(x, y, 2, List.of("a", "b"), null);
    }

    /** Proposes every configuration of the (finite) space in turn: enough to drive the loop. */
    static final class CountingOracle implements Oracle {
        int asked;

        @Override
        public String name() { return "counting"; }

        @Override
        public Proposal propose(SearchSpace space, List<Trial> trials, int number) {
            asked++;
            double[] u = new double[space.dimensions()];
            for (int i = 0; i < u.length; i++) u[i] = ((number * (i + 3)) % 7 + 0.5) / 7;
            return Proposal.of(space.decode(u));
        }
    }

    private Tuner tuner(StudyStore store, Oracle oracle, TuneSpec t) {
        SpecHyperModel hm = new SpecHyperModel("t.yaml", SPEC, List.of());
        JobSpec base = JobSpec.from(SpecFile.parse("t.yaml", SPEC, List.of(), HyperResolver.DEFAULTS));
        return new Tuner(hm, base, t, oracle, store, Backends.cpu(), 11, null);
    }

    static long directBytes() { return dev.tuna.tensor.NativeMemory.liveBytes(); }

    @Test
    void nativeMemoryAfterTheLastTrialEqualsMemoryAfterTheFirst() {
        try (Arena arena = Arena.ofConfined(); StudyStore store = StudyStore.open(tmp.resolve("mem"), false)) {
            Dataset train = data(256, System.nanoTime(), arena), val = data(64, System.nanoTime() + 1, arena);
            Tuner.Data d = new Tuner.Data(train, val, Shape.of(8), 2);
            TuneSpec one = new TuneSpec("random", Map.of(), new Objective("val_accuracy", true), 1, 1, 3, 1, null);
            tuner(store, new CountingOracle(), one).search(d, 1);
            long afterFirst = directBytes();
            try (Arena probe = dev.tuna.tensor.NativeMemory.confined()) { // the measure sees native segments: a leak would show
                probe.allocate(1 << 20);
                assertTrue(directBytes() >= afterFirst + (1 << 20));
            }
            TuneSpec many = one.withMaxTrials(12);
            Tuner.Summary s = tuner(store, new CountingOracle(), many).search(d, 1);
            assertEquals(11, s.completed());
            assertEquals(afterFirst, directBytes(), "native memory grew across trials");
        }
    }

    @Test
    void executionsAreAveragedAndEveryEpochIsRecorded() {
        try (Arena arena = Arena.ofConfined(); StudyStore store = StudyStore.open(tmp.resolve("exec"), false)) {
            Tuner.Data d = new Tuner.Data(data(200, 5, arena), data(50, 6, arena), Shape.of(8), 2);
            TuneSpec t = new TuneSpec("random", Map.of(), new Objective("val_loss", false), 2, 3, 3, 1, null);
            tuner(store, new CountingOracle(), t).search(d, 1);
            for (TrialRow r : store.trials()) {
                @SuppressWarnings("unchecked")
                List<Number> objectives = (List<Number>) r.summary().get("objectives");
                assertEquals(3, objectives.size());
                double mean = objectives.stream().mapToDouble(Number::doubleValue).average().orElseThrow();
                assertEquals(mean, r.objective(), 1e-12);
                assertEquals(3 * 2, store.epochs(r.number()).size());
                // Each execution's objective is its best (lowest) val_loss over its epochs.
                for (int e = 0; e < 3; e++) {
                    int ex = e;
                    double best = store.epochs(r.number()).stream().filter(x -> x.execution() == ex).mapToDouble(x -> x.metrics().get("val_loss")).min().orElseThrow();
                    assertEquals(best, objectives.get(e).doubleValue(), 1e-12);
                }
            }
        }
    }

    @Test
    void parallelWorkersRunEveryTrialOnce() {
        try (Arena arena = Arena.ofShared(); StudyStore store = StudyStore.open(tmp.resolve("par"), false)) {
            Tuner.Data d = new Tuner.Data(data(200, 7, arena), data(50, 8, arena), Shape.of(8), 2);
            TuneSpec t = new TuneSpec("random", Map.of(), new Objective("val_accuracy", true), 6, 1, 3, 2, null);
            Tuner.Summary s = tuner(store, new CountingOracle(), t).search(d, 2);
            assertEquals(6, s.completed());
            assertEquals(6, store.trials().size());
            assertTrue(store.trials().stream().allMatch(r -> r.state() == TrialState.COMPLETE));
        }
    }

    @Test
    void aMissingValidationSetIsABadObjective() {
        try (Arena arena = Arena.ofConfined(); StudyStore store = StudyStore.open(tmp.resolve("noval"), false)) {
            Tuner.Data d = new Tuner.Data(data(100, 9, arena), null, Shape.of(8), 2);
            TuneSpec t = new TuneSpec("random", Map.of(), new Objective("val_accuracy", true), 1, 1, 3, 1, null);
            assertThrows(dev.tuna.errors.BadInputException.class, () -> tuner(store, new CountingOracle(), t).search(d, 1));
        }
    }
}
