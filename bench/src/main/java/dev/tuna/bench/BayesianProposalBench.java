package dev.tuna.bench;

import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.oracle.BayesianOracle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The time of one {@link BayesianOracle} proposal after {@code finished} complete trials (JMH reports the median
 * as p0.50). The oracle is a pure function of its inputs and keeps no state between calls, so every invocation
 * does the whole work: the hyperparameter fit, the conditioning and the acquisition search.
 *
 * <p>The trials imitate a Bayesian run's history without paying for one: each is uniform in the unit cube with
 * probability 1/2, else a Gaussian step (sd 0.05) from the best trial so far, so that half the points cluster
 * near good regions as a real search's do.
 *
 * <pre>
 * mvn -q -B -o -DskipTests package -pl bench -am
 * java -jar bench/target/benchmarks.jar BayesianProposalBench                     # all
 * java -jar bench/target/benchmarks.jar BayesianProposalBench -p finished=200     # one size
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class BayesianProposalBench {
    @Param({"50", "100", "200", "400"})
    int finished;

    @Param({"branin", "hartmann6"})
    String function;

    SearchSpace space;
    List<Trial> trials;
    BayesianOracle oracle;

    @Setup(Level.Trial)
    public void setUp() {
        ClassicFunction f = ClassicFunction.byId(function);
        space = f.space();
        trials = history(f, space, finished, 42);
        oracle = new BayesianOracle(7);
        Proposal p = oracle.propose(space, trials, finished);
        if (p.kind() != Proposal.Kind.TRY) throw new IllegalStateException("expected a trial, got " + p.kind());
    }

    @Benchmark
    public Proposal propose() {
        return oracle.propose(space, trials, finished);
    }

    /** n complete trials of f: half uniform, half a Gaussian step from the best so far (scores are minus f). */
    static List<Trial> history(ClassicFunction f, SearchSpace space, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int d = f.dimensions();
        List<Trial> out = new ArrayList<>();
        double[] best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double[] u = new double[d];
            boolean local = best != null && rng.nextBoolean();
            for (int k = 0; k < d; k++) u[k] = local ? Math.clamp(best[k] + 0.05 * rng.nextGaussian(), 0.0, 1.0) : rng.nextDouble();
            Map<String, Object> cfg = space.decode(u);
            double score = -f.value(cfg);
            if (score > bestScore) {
                bestScore = score;
                best = space.encode(cfg);
            }
            out.add(new Trial(i, cfg, TrialState.COMPLETE, score, Map.of()));
        }
        return List.copyOf(out);
    }
}
