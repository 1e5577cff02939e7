package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.data.Dataset;
import dev.tuna.data.Safetensors;
import dev.tuna.data.Split;
import dev.tuna.distribute.BucketedGradientSync;
import dev.tuna.distribute.Communicator;
import dev.tuna.distribute.ReplicaGroup;
import dev.tuna.distribute.MpiCommunicator;
import dev.tuna.errors.BadInputException;
import dev.tuna.nn.Model;
import dev.tuna.optim.Optimizer;
import dev.tuna.optim.Optimizers;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.ModelFactory;
import dev.tuna.spec.SpecFile;
import dev.tuna.spec.SpecNode;
import dev.tuna.train.Callback;
import dev.tuna.train.EarlyStopping;
import dev.tuna.train.Evaluation;
import dev.tuna.train.History;
import dev.tuna.train.Trainer;
import dev.tuna.train.TrainingDivergedException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Trains one configuration from a YAML spec and scores it on the test set. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train one configuration, Keras-style epoch lines, then the test score.")
public final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "SPEC.yaml", description = "the job's YAML file")
    Path specFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a spec value, e.g. --set train.epochs=5")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--save", paramLabel = "FILE", description = "save the trained weights as a safetensors file")
    Path save;

    @Option(names = "--load", paramLabel = "FILE", description = "start from the weights in a safetensors file (from --save)")
    Path load;

    @Option(names = "--bucket-mb", paramLabel = "MiB", description = "mirrored training: gradients are all-reduced in buckets of this size (default: ${DEFAULT-VALUE})",
            defaultValue = "25")
    double bucketMb;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (save != null) OutputPaths.checkFile("--save", save);
        SpecNode root = SpecFile.load(specFile, overrides, HyperResolver.defaults());
        JobSpec job = JobSpec.from(root);
        Backend backend = DeviceChoice.backend(common.device, common.precision, spec.commandLine().getErr());
        long seed = common.seed != null ? common.seed : job.train().seed();
        try (DataBundle data = DataBundle.load(job)) {
            Split split = data.split();
            out.printf("Data: %d training, %d validation, %d test examples of shape %s, %s%n",
                    split.train().size(), split.validation().size(), data.test() == null ? 0 : data.test().size(),
                    data.inputShape(), data.describeLabels());
            out.println(data.chosen().describe());
            int replicas = DeviceChoice.cpuReplicas(common.device);
            if (job.model().isTrees()) {
                if (replicas > 1) throw new BadInputException("--device " + common.device + ": tree models train on XGBoost's own threads; CPU replicas are for networks");
                if (backend.device().kind() != dev.tuna.tensor.Device.Kind.CPU) throw new BadInputException("--device " + common.device + ": tree models train on the CPU (XGBoost); use --device cpu");
                trainTrees(job.model().trees(), data.trees(), data, seed, out);
                out.flush();
                return Main.EXIT_OK;
            }
            if (MpiCommunicator.launchedByMpirun()) {
                trainAcrossProcesses(job, data, split, backend, seed, out, replicas);
            } else {
                ReplicaGroup group = DeviceChoice.replicas(common.device, common.precision, spec.commandLine().getErr());
                if (group == null) {
                    trainNetwork(job, data, split, backend, seed, out, null);
                } else {
                    int n = group.size();
                    if (job.train().batchSize() < n) {
                        throw new BadInputException(job.root().file() + ": train.batch_size " + job.train().batchSize() + " is smaller than the " + n
                                + " replicas of --device " + common.device + "; each replica takes a share of every global batch");
                    }
                    out.printf("Mirrored: %s; each takes %s of every global batch of %d%n", group.describe(), n == 2 ? "half" : "1/" + n, job.train().batchSize());
                    bucketBytes(); // checked once, before any replica starts
                    PrintWriter quiet = new PrintWriter(java.io.Writer.nullWriter());
                    group.run((c, be) -> {
                        trainNetwork(job, data, split, be, seed, c.rank() == 0 ? out : quiet, c);
                        return null;
                    });
                }
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /**
     * XGBoost in place of a network: one line per boosting round with the four metrics, boosting stopped when val_loss
     * has not improved for early_stopping_rounds, then the test score; --save writes XGBoost's own format. The trees
     * train on the data's tree view (tabular data's raw columns, categorical ones typed as such).
     */
    private void trainTrees(dev.tuna.trees.TreeSpec ts, DataBundle.Trees trees, DataBundle data, long seed, PrintWriter out) {
        Split split = trees.split();
        if (load != null) throw new BadInputException("--load " + load + ": tree models train from scratch; --load is for network weights");
        out.printf("XGBoost %s: %s%n", ts.kind().equals("gbt") ? "gradient-boosted trees" : "random forest", ts.toMap());
        if (trees.columns() != null) {
            long categorical = trees.columns().types().stream().filter("c"::equals).count();
            out.printf("Trees see the %d raw columns: numbers unscaled with missing values left to XGBoost, %d categorical split on sets of levels%n",
                    trees.columns().size(), categorical);
        }
        int rounds = ts.rounds();
        long[] t0 = {System.nanoTime()};
        try (dev.tuna.trees.XgbModel m = dev.tuna.trees.XgbModel.fit(ts, data.task(), split.train(), split.validation(), trees.columns(), rounds, seed,
                (r, logs, pv, last) -> {
            StringBuilder line = new StringBuilder(String.format("Round %d/%d - %.1fs", r + 1, rounds, (System.nanoTime() - t0[0]) / 1e9));
            for (String k : List.of("loss", "accuracy", "rmse", "val_loss", "val_accuracy", "val_rmse")) {
                if (logs.get(k) != null) line.append(String.format(" - %s: %.4f", k, logs.get(k)));
            }
            out.println(line);
            out.flush();
            t0[0] = System.nanoTime();
            return true;
        })) {
            if (m.stoppedEarly()) out.printf("Early stopping after round %d (best round %d)%n", m.rounds(), m.bestRound());
            if (trees.test() != null) {
                dev.tuna.task.Predictions p = m.predict(trees.test().x());
                dev.tuna.task.Labels y = trees.test().labels();
                double loss = dev.tuna.task.Scores.loss(p, y);
                requireFinite("test loss", loss);
                Map<String, Double> scores = new java.util.LinkedHashMap<>(dev.tuna.task.Scores.summary(p, y));
                scores.remove("accuracy");
                scores.remove("log_loss");
                out.println(testLine(new Evaluation(loss, data.task().classifies() ? dev.tuna.task.Scores.accuracy(p, y.classes()) : Double.NaN,
                        y.rows(), scores), data.task()));
            }
            if (save != null) {
                m.save(save);
                out.println("Saved the trees to " + save + " (XGBoost's UBJSON format)");
            }
        }
    }

    /**
     * A loss that is not finite means the model diverged, and its scores mean nothing: stop with exit 1 instead of
     * printing "loss NaN" and succeeding. Which setting caused it is not known, so the message does not guess.
     */
    /** The test figures in Keras' words: loss, accuracy for a classifier, then the job's metrics. */
    static String testLine(Evaluation t, dev.tuna.task.Task task) {
        StringBuilder b = new StringBuilder("Test: ");
        if (task.classifies()) b.append(String.format("accuracy %.4f - ", t.accuracy()));
        b.append(String.format("loss %.4f", t.loss()));
        for (var m : t.metrics().entrySet()) b.append(String.format(" - %s %.4f", m.getKey(), m.getValue()));
        return b.append(String.format(" (%d examples)", t.samples())).toString();
    }

    static void requireFinite(String which, double loss) {
        if (!Double.isFinite(loss)) {
            throw new TrainingDivergedException("the model diverged: its " + which + " is " + loss + ", not a finite number");
        }
    }

    /**
     * Trains the network, alone (comm null) or as one replica of a mirrored group: every replica builds the model
     * and trains; the group's losses are every replica's, rank 0 prints and saves.
     */
    private void trainNetwork(JobSpec job, DataBundle data, Split split, Backend backend, long seed, PrintWriter out, Communicator comm) {
        try (Model model = ModelFactory.build(job.model(), data.inputShape(), data.outputs(), seed, data.embeddings(), data.targetScale())) {
            out.println(model.summary());
            if (load != null) {
                try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                    model.loadStateDict(Safetensors.read(load, a));
                } catch (IllegalArgumentException e) {
                    throw new BadInputException(load + ": " + e.getMessage());
                }
                out.println("Loaded weights from " + load);
            }
            Optimizer opt = optimizer(job, model);
            List<Callback> callbacks = new ArrayList<>();
            JobSpec.EarlyStop es = job.train().earlyStopping();
            if (es != null) callbacks.add(new EarlyStopping(es.monitor(), es.mode(), es.patience(), es.minDelta(), es.restoreBestWeights()));
            try (BucketedGradientSync sync = comm == null ? null : new BucketedGradientSync(comm, bucketBytes(), backend);
                 Trainer trainer = new Trainer(model, opt, backend, seed, sync)) {
                trainer.setTask(dev.tuna.train.TaskSetup.of(data.task(), job.train().loss(), data.metrics(job)));
                boolean live = System.console() != null && System.console().isTerminal();
                History h = trainer.fit(split.train(), split.validation(), job.train().epochs(), job.train().batchSize(),
                        callbacks, new KerasProgress(out, live));
                double[] valLoss = h.series("val_loss");
                if (split.validation().size() > 0 && valLoss.length > 0) requireFinite("final val_loss", valLoss[valLoss.length - 1]);
                if (h.stoppedEarly()) out.printf("Early stopping after epoch %d (best epoch %d)%n", h.epochCount(), h.bestEpoch() + 1);
                if (trainer.lossScaler() != null) {
                    out.printf("Loss scale %.0f (%d steps skipped for non-finite gradients)%n", trainer.lossScaler().scale(), trainer.lossScaler().skipped());
                }
                if (data.test() != null) {
                    Evaluation t = trainer.evaluate(data.test(), 512);
                    requireFinite("test loss", t.loss());
                    out.println(testLine(t, data.task()));
                }
                if (save != null && (comm == null || comm.rank() == 0)) {
                    Map<String, String> meta = new java.util.LinkedHashMap<>(Map.of("spec", specFile.toString(), "format", "tuna", "task", data.task().id()));
                    // Tabular data: the preprocessing goes with the weights, as the model means nothing without it.
                    if (data.preprocessor() != null) meta.put("preprocessor", data.preprocessor().toJson());
                    Safetensors.write(save, trainer.hostStateDict(), meta);
                    out.println("Saved weights to " + save);
                }
            }
        }
    }

    /**
     * Under mpirun: this process is one replica of the job, its gradients merged with the other ranks' over MPI.
     * Rank 0 prints and saves; a rank that fails aborts the job (mpirun then ends every rank and names the lost one).
     */
    private void trainAcrossProcesses(JobSpec job, DataBundle data, Split split, Backend backend, long seed, PrintWriter out, int replicas) {
        if (replicas > 1 || common.device.startsWith("cuda:") && common.device.contains(",")) {
            throw new BadInputException("--device " + common.device + ": under mpirun each process is one replica; use --device cpu, or cuda for one GPU per rank");
        }
        boolean gpu = backend.device().kind() != dev.tuna.tensor.Device.Kind.CPU;
        bucketBytes();
        MpiCommunicator c = MpiCommunicator.fromEnvironment();
        Communicator grads = c;
        try {
            if (job.train().batchSize() < c.size()) {
                throw new BadInputException(job.root().file() + ": train.batch_size " + job.train().batchSize() + " is smaller than the " + c.size() + " MPI ranks");
            }
            PrintWriter o = c.rank() == 0 ? out : new PrintWriter(java.io.Writer.nullWriter());
            String mpi = c.describe().replaceFirst(" rank 0 of \\d+$", "");
            if (gpu) {
                // GPU ranks merge device gradients over NCCL; MPI only hands every rank rank 0's NCCL id (as nccl-tests and
                // Horovod bootstrap), then keeps the final barrier and the abort that ends the job.
                grads = dev.tuna.distribute.NcclCommunicator.overProcesses(c, backend.device().index());
                o.printf("Mirrored: %d MPI ranks, one GPU each, gradients over %s (bootstrapped over %s); each takes 1/%d of every global batch of %d%n",
                        c.size(), grads.describe().replaceFirst(", rank 0 of \\d+ on cuda:\\d+$", ""), mpi, c.size(), job.train().batchSize());
            } else {
                o.printf("Mirrored: %d MPI ranks (%s); each takes 1/%d of every global batch of %d%n", c.size(), mpi, c.size(), job.train().batchSize());
            }
            Communicator g = grads;
            // Ranks that share a host share its cores: each keeps its parallel loops to one thread.
            String local = System.getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
            if (!gpu && local != null && !local.equals("1")) dev.tuna.backend.cpu.CpuParallel.serially(() -> trainNetwork(job, data, split, backend, seed, o, g));
            else trainNetwork(job, data, split, backend, seed, o, g);
            c.barrier();
        } catch (RuntimeException e) {
            // Even bad input: another rank may already wait in a collective, and only an abort ends its wait.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            if (grads != c) grads.abort(why);
            c.abort(why);
            throw e;
        }
        if (grads != c) grads.close();
        c.close();
    }

    private long bucketBytes() {
        if (bucketMb <= 0) throw new BadInputException("--bucket-mb " + bucketMb + ": expected a positive number of MiB");
        return Math.round(bucketMb * (1 << 20));
    }

    private static Optimizer optimizer(JobSpec job, Model model) {
        try {
            return Optimizers.create(job.model().optimizer(), job.model().optimizerOptions(), model.arena());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(job.root().file() + ": model.optimizer: " + e.getMessage());
        }
    }
}
