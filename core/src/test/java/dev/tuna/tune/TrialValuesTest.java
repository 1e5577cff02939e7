package dev.tuna.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.backend.Backends;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import dev.tuna.tensor.Shape;
import dev.tuna.tune.oracle.Oracles;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trial's stored hyperparameters are the values its model read. The built-in MLP declares units_i only once a
 * trial with num_layers above i is built, so the first such trial's proposal lacks units_i: the stored values must
 * still have it (what oracles, the never-twice rule, tuna trials and tuna best read).
 */
class TrialValuesTest {
    @TempDir
    Path tmp;

    /** 2 configurations with one layer, 4 with two: 6 in all, but only 2 in the space before units_1 is declared. */
    static final String SPEC = """
            data: {train: unused.csv}
            model:
              type: mlp
              num_layers: {int: [1, 2]}
              units: {choice: [4, 8]}
            train: {epochs: 1, batch_size: 32, seed: 3}
            """;

    /** Proposes two layers first, while the space knows only units_0; then defers to the random oracle. */
    static final class DeepFirst implements Oracle {
        final Oracle random;

        DeepFirst(long seed) { random = Oracles.create("random", seed, Map.of(), 1); }

        @Override
        public String name() { return "random"; }

        @Override
        public Proposal propose(SearchSpace space, List<Trial> trials, int number) {
            if (number == 0) {
                assertTrue(space.get("units_1") == null, "units_1 is declared only when a two-layer trial is built");
                return Proposal.of(Map.of("num_layers", 2L, "units_0", 8L));
            }
            if (number == 1) {
                // The never-twice rule keys what oracles are given: trial 0's used values, so proposing them is a repeat.
                // (Keys compare numbers by value: the space's canonical choices keep the YAML's Integer type.)
                Map<String, Object> used = Map.of("num_layers", 2L, "units_0", 8L, "units_1", 4L);
                assertEquals(used.keySet(), trials.getFirst().values().keySet());
                assertEquals(space.key(used), space.key(trials.getFirst().values()));
            }
            return random.propose(space, trials, number);
        }
    }

    @Test
    void everyTrialStoresTheValuesItsModelUsed() {
        long seed = System.nanoTime();
        System.out.println("TrialValuesTest seed " + seed);
        try (Arena arena = Arena.ofConfined(); StudyStore store = StudyStore.open(tmp.resolve("study"), false)) {
            Tuner.Data d = new Tuner.Data(TunerTest.data(96, seed, arena), TunerTest.data(32, seed + 1, arena), Shape.of(8), 2);
            // A budget above the 6 configurations: the search must end because it tried them all, each once.
            TuneSpec t = new TuneSpec("random", Map.of(), new Objective("val_accuracy", true), 20, 1, 3, 1, null);
            SpecHyperModel hm = new SpecHyperModel("t.yaml", SPEC, List.of());
            JobSpec base = JobSpec.from(SpecFile.parse("t.yaml", SPEC, List.of(), HyperResolver.DEFAULTS));
            Tuner.Summary s = new Tuner(hm, base, t, new DeepFirst(seed), store, Backends.cpu(), 11, null).search(d, 1);

            List<TrialRow> trials = store.trials();
            assertEquals(6, s.completed(), s.stopReason());
            assertEquals(6, trials.size());
            assertEquals("the random oracle finished its search", s.stopReason()); // not max_trials: nothing was left
            assertEquals(Map.of("num_layers", 2L, "units_0", 8L, "units_1", 4L), trials.getFirst().values(),
                    "trial 0 stores the units_1 its model read (the default), which its proposal did not have");
            Set<Map<String, Object>> seen = new HashSet<>();
            for (TrialRow r : trials) {
                assertEquals(TrialState.COMPLETE, r.state(), r.reason());
                Map<String, Object> v = r.values();
                assertEquals(r.summary().get("values"), v, "trial " + r.number() + ": stored values and the summary's differ");
                long layers = (Long) v.get("num_layers");
                for (int i = 0; i < 2; i++) {
                    assertEquals(i < layers, v.containsKey("units_" + i), "trial " + r.number() + " with " + layers + " layers: " + v);
                }
                assertTrue(seen.add(v), "trial " + r.number() + " repeats a configuration: " + v);
            }
            assertFalse(seen.contains(Map.of("num_layers", 2L, "units_0", 8L)), "no proposal's partial values are stored");
        }
    }

    /** The spec's MLP, except that a two-layer model fails once built (after its units_1 was declared and read). */
    static final class TwoLayersFail implements HyperModel {
        final SpecHyperModel inner = new SpecHyperModel("t.yaml", SPEC, List.of());

        @Override
        public dev.tuna.nn.Model build(HyperParameters hp, Shape inputShape, int numClasses, long seed) {
            dev.tuna.nn.Model m = inner.build(hp, inputShape, numClasses, seed);
            if (((Number) hp.values().get("num_layers")).intValue() == 2) {
                m.close();
                throw new IllegalStateException("two-layer models fail in this test");
            }
            return m;
        }

        @Override
        public dev.tuna.optim.Optimizer optimizer(HyperParameters hp, dev.tuna.nn.Model model) { return inner.optimizer(hp, model); }

        @Override
        public JobSpec.TrainSpec train(HyperParameters hp, JobSpec.TrainSpec base) { return inner.train(hp, base); }

        /** Declaring the space (the tuner builds a model for it) goes through the spec's model, which does not fail. */
        @Override
        public void declare(SearchSpace space, Map<String, Object> values, Shape inputShape, int numClasses, JobSpec.TrainSpec base) {
            inner.declare(space, values, inputShape, numClasses, base);
        }
    }

    @Test
    void aFailedTrialStoresTheValuesItHadReadToo() {
        long seed = System.nanoTime();
        System.out.println("TrialValuesTest failed-trial seed " + seed);
        try (Arena arena = Arena.ofConfined(); StudyStore store = StudyStore.open(tmp.resolve("failing"), false)) {
            Tuner.Data d = new Tuner.Data(TunerTest.data(96, seed, arena), TunerTest.data(32, seed + 1, arena), Shape.of(8), 2);
            TuneSpec t = new TuneSpec("random", Map.of(), new Objective("val_accuracy", true), 6, 1, 10, 1, null);
            JobSpec base = JobSpec.from(SpecFile.parse("t.yaml", SPEC, List.of(), HyperResolver.DEFAULTS));
            new Tuner(new TwoLayersFail(), base, t, new DeepFirst(seed), store, Backends.cpu(), 11, null).search(d, 1);
            TrialRow first = store.trials().getFirst();
            assertEquals(TrialState.FAILED, first.state(), first.toString());
            assertTrue(first.reason().contains("two-layer models fail"), first.reason());
            assertEquals(Map.of("num_layers", 2L, "units_0", 8L, "units_1", 4L), first.values(),
                    "the failed trial stores the units_1 its model read, which its proposal did not have");
            for (TrialRow r : store.trials()) {
                long layers = (Long) r.values().get("num_layers");
                assertEquals(layers == 2, r.state() == TrialState.FAILED, r.toString());
                assertEquals(layers == 2, r.values().containsKey("units_1"), r.toString());
            }
        }
    }
}
