package dev.tuna.bench;

import dev.tuna.tune.Oracle;
import dev.tuna.tune.Proposal;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.Trial;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.oracle.Oracles;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Drives tuna's oracles in memory on the classic black-box functions of {@link ClassicFunction}: for every oracle,
 * function and seed, a sequential run of N evaluations (propose, evaluate, record a complete trial whose score is
 * minus the function value), and one JSON line with the best (lowest) value found, read by
 * {@code bench/blackbox_vs_optuna.sh}.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.tuna.bench.BlackBoxRun ORACLES FUNCTIONS EVALUATIONS SEEDS [THREADS]
 * java -cp bench/target/benchmarks.jar dev.tuna.bench.BlackBoxRun random,bayesian,genetic branin,hartmann6 200 10 2
 * </pre>
 *
 * Seeds are 0 .. SEEDS-1. The runs are independent (each oracle is a pure function of its inputs), so THREADS of
 * them (default 1) run at once; the lines are printed in a fixed order whatever the thread count.
 */
public final class BlackBoxRun {
    private BlackBoxRun() {}

    /** The outcome of one run. */
    record Result(String oracle, ClassicFunction function, long seed, int evaluations, double best, int bestAt, double seconds) {
        String json() {
            return String.format(Locale.ROOT,
                    "{\"tool\": \"tuna\", \"method\": \"%s\", \"function\": \"%s\", \"seed\": %d, \"evaluations\": %d, \"best\": %.6f, \"best_at\": %d, \"seconds\": %.2f}",
                    oracle, function.id(), seed, evaluations, best, bestAt, seconds);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4 || args.length > 5) {
            System.err.println("usage: BlackBoxRun ORACLES FUNCTIONS EVALUATIONS SEEDS [THREADS]  (comma-separated lists, e.g. random,bayesian branin,hartmann6 200 10 2)");
            System.exit(2);
        }
        List<String> oracles = List.of(args[0].split(","));
        List<ClassicFunction> functions = new ArrayList<>();
        for (String f : args[1].split(",")) functions.add(ClassicFunction.byId(f));
        int evaluations = Integer.parseInt(args[2]), seeds = Integer.parseInt(args[3]);
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Result>> runs = new ArrayList<>();
            for (ClassicFunction f : functions) {
                for (String o : oracles) {
                    for (long s = 0; s < seeds; s++) {
                        long seed = s;
                        runs.add(pool.submit(() -> run(o, f, seed, evaluations)));
                    }
                }
            }
            for (Future<Result> r : runs) System.out.println(r.get().json());
        } finally {
            pool.shutdown();
        }
    }

    /** One sequential run: the oracle proposes from the complete trials so far, the function is evaluated, and so on. */
    static Result run(String oracleName, ClassicFunction f, long seed, int evaluations) {
        Oracle oracle = Oracles.create(oracleName, seed, Map.of(), 1);
        SearchSpace space = f.space();
        List<Trial> trials = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        int bestAt = -1;
        long t0 = System.nanoTime();
        for (int i = 0; i < evaluations; i++) {
            Proposal p = oracle.propose(space, List.copyOf(trials), i);
            if (p.kind() != Proposal.Kind.TRY) throw new IllegalStateException(oracleName + " on " + f.id() + " said " + p.kind() + " at evaluation " + i);
            double v = f.value(p.values());
            if (v < best) {
                best = v;
                bestAt = i + 1;
            }
            trials.add(new Trial(i, p.values(), TrialState.COMPLETE, -v, p.meta()));
        }
        return new Result(oracleName, f, seed, evaluations, best, bestAt, (System.nanoTime() - t0) / 1e9);
    }
}
