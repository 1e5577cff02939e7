package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.data.Split;
import dev.tuna.errors.BadInputException;
import dev.tuna.metrics.Metric;
import dev.tuna.spec.JobSpec;
import dev.tuna.task.Task;
import dev.tuna.train.Evaluation;
import dev.tuna.train.ProgressListener;
import dev.tuna.tune.HyperModel;
import dev.tuna.tune.Objective;
import dev.tuna.tune.Retrainer;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.study.RetrainRow;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Retrains a study's best configurations as the seed notebook does (best epoch by val_loss, then training +
 * validation data for int(1.2 x best epoch) epochs) and scores each once on the test set.
 */
@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = "Retrain the best configurations: find the best epoch, train on training + validation data for 1.2x that, score on the test set.")
public final class RetrainCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    StudyOptions study;

    @Option(names = "--top", paramLabel = "N", description = "how many of the best configurations (default: ${DEFAULT-VALUE})", defaultValue = "1")
    int top;

    @Option(names = "--max-epochs", paramLabel = "N", description = "epoch limit while finding the best epoch (default: ${DEFAULT-VALUE})", defaultValue = "50")
    int maxEpochs;

    @Option(names = "--patience", paramLabel = "N", description = "early-stopping patience on val_loss while finding the best epoch (default: ${DEFAULT-VALUE})", defaultValue = "10")
    int patience;

    /**
     * Trees in the same two phases (boosting rounds for epochs), scored the same way: the loss, accuracy and the job's
     * metrics. They train on the data's tree view (tabular data's raw columns), whose rows and labels are the split's.
     */
    private static Retrainer.Result retrainTrees(dev.tuna.trees.TreeSpec trees, long seed, DataBundle data, List<String> metrics,
                                                 List<Metric> job, Path file) {
        dev.tuna.task.Task task = data.task();
        DataBundle.Trees view = data.trees();
        Split split = view.split();
        dev.tuna.ensemble.MemberFit.Result m = dev.tuna.ensemble.MemberFit.trees(trees, task, seed, split.train(), split.validation(), view.full(),
                view.test(), view.columns(), file, null);
        dev.tuna.task.Labels yVal = split.validation().labels(), yTest = view.test().labels();
        double accuracy = task.classifies() ? dev.tuna.task.Scores.accuracy(m.test(), yTest.classes()) : Double.NaN;
        Map<String, Double> scores = new LinkedHashMap<>();
        for (Metric x : job) if (metrics.contains(x.name())) scores.put(x.name(), x.compute(m.test(), yTest));
        return new Retrainer.Result(m.bestEpoch(), dev.tuna.task.Scores.loss(m.validation(), yVal), m.finalEpochs(),
                new dev.tuna.train.Evaluation(dev.tuna.task.Scores.loss(m.test(), yTest), accuracy, yTest.rows(), scores), file);
    }

    /**
     * The test figures after "test": accuracy and the loss for a classifier, the loss alone for a regressor, then the
     * job's other metrics as the trainer names them (rmse, mae; auc for binary).
     */
    static String testFigures(Evaluation t, Task task, List<String> metrics) {
        StringBuilder b = new StringBuilder(task.classifies() ? String.format("test accuracy %.4f, loss %.4f", t.accuracy(), t.loss())
                : String.format("test loss %.4f", t.loss()));
        for (String m : metrics) b.append(String.format(", %s %.4f", m, t.metrics().getOrDefault(m, Double.NaN)));
        return b.toString();
    }

    /**
     * The metrics the test line and table show beyond accuracy and the loss: the job's metrics but accuracy, which
     * the trainer counts apart (Evaluation.accuracy) and a classifier shows first.
     */
    static List<String> shownMetrics(List<Metric> job) {
        return job.stream().map(Metric::name).filter(n -> !n.equals("accuracy")).distinct().toList();
    }

    @Override
    public Integer call() {
        if (top <= 0) throw new BadInputException("--top " + top + ": expected a positive integer");
        if (maxEpochs <= 0) throw new BadInputException("--max-epochs " + maxEpochs + ": expected a positive integer");
        if (patience < 0) throw new BadInputException("--patience " + patience + ": expected 0 or more");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (StudyStore store = study.open()) {
            Objective objective = Objective.of(store);
            StudySpec job = StudySpec.of(store, study.dir());
            JobSpec base = job.base();
            String name = job.name();
            List<TrialRow> best = objective.best(store.trials(), top);
            if (best.isEmpty()) throw new BadInputException("--study " + study.shown() + ": no complete trial to retrain yet");
            Backend backend = DeviceChoice.backend(common.device, common.precision, err);
            HyperModel hm = job.hyperModel();
            Path models = study.dir().resolve("models");
            try (DataBundle data = DataBundle.load(base)) {
                data.checkSameAs(store, study.dir(), data.fingerprint());
                SearchSpace space = job.space(store.trials(), data);
                if (data.test() == null) throw new BadInputException(name + ": data: retrain scores on a test set; give data.test");
                Split split = data.split();
                Files.createDirectories(models);
                Retrainer retrainer = new Retrainer(hm, base, space, backend, maxEpochs, patience);
                retrainer.setReplicas(DeviceChoice.replicas(common.device, common.precision, spec.commandLine().getErr()));
                List<Metric> jobMetrics = data.metrics(base);
                retrainer.setTask(data.task(), jobMetrics);
                data.prepare(hm);
                List<List<String>> cells = new ArrayList<>();
                List<String> shown = shownMetrics(jobMetrics);
                Task task = data.task();
                List<String> head = new ArrayList<>(List.of("rank", "trial", objective.metric(), "best epoch", "val_loss", "epochs on train+val"));
                if (task.classifies()) head.add("test accuracy");
                head.add("test loss");
                for (String m : shown) head.add("test " + m);
                head.add("model");
                cells.add(head);
                boolean live = System.console() != null && System.console().isTerminal();
                for (int i = 0; i < best.size(); i++) {
                    TrialRow r = best.get(i);
                    out.printf("Retraining trial %d (rank %d, %s %.4f): %s%n", r.number() + 1, i + 1, objective.metric(), r.objective(), r.values());
                    out.flush();
                    Map<String, String> meta = new LinkedHashMap<>();
                    meta.put("spec", name);
                    meta.put("trial", String.valueOf(r.number()));
                    meta.put("task", data.task().id());
                    if (data.preprocessor() != null) meta.put("preprocessor", data.preprocessor().toJson());
                    long t0 = System.nanoTime();
                    dev.tuna.trees.TreeSpec trees = hm.trees(new dev.tuna.tune.HyperParameters(space, space.normalize(r.values())));
                    Path file = models.resolve(dev.tuna.tune.Tuner.fileName(r.number()) + (trees != null ? ".ubj" : ".safetensors"));
                    Retrainer.Result res = trees != null
                            ? retrainTrees(trees, r.seed(), data, shown, jobMetrics, file)
                            : retrainer.retrain(r.values(), r.seed(), split.train(), split.validation(), data.full(), data.test(),
                                    data.inputShape(), data.outputs(), file, meta, live ? new KerasProgress(out, true) : ProgressListener.SILENT);
                    TrainCommand.requireFinite("best val_loss", res.bestValLoss());
                    TrainCommand.requireFinite("test loss", res.test().loss());
                    out.printf("  best epoch %d (val_loss %.4f); trained on training + validation data for %d epochs; %s [%.0fs]%n",
                            res.bestEpoch(), res.bestValLoss(), res.finalEpochs(), testFigures(res.test(), task, shown), (System.nanoTime() - t0) / 1e9);
                    out.flush();
                    Map<String, Object> extra = new LinkedHashMap<>();
                    extra.put("val_loss_at_best", res.bestValLoss());
                    extra.put("objective", r.objective());
                    extra.put("values", r.values());
                    // A regressor has no test accuracy (stored as null): its figures are these, by the trainer's names.
                    Map<String, Double> testMetrics = new LinkedHashMap<>();
                    for (String m : shown) testMetrics.put(m, res.test().metrics().getOrDefault(m, Double.NaN));
                    if (!testMetrics.isEmpty()) extra.put("test_metrics", testMetrics);
                    store.putRetrain(new RetrainRow(r.number(), i + 1, res.bestEpoch(), res.finalEpochs(), res.test().accuracy(), res.test().loss(),
                            file.toString(), extra));
                    List<String> row = new ArrayList<>(List.of(String.valueOf(i + 1), String.valueOf(r.number() + 1), TunerOutput.fmt4(r.objective()),
                            String.valueOf(res.bestEpoch()), TunerOutput.fmt4(res.bestValLoss()), String.valueOf(res.finalEpochs())));
                    if (task.classifies()) row.add(TunerOutput.fmt4(res.test().accuracy()));
                    row.add(TunerOutput.fmt4(res.test().loss()));
                    for (String m : shown) row.add(TunerOutput.fmt4(res.test().metrics().getOrDefault(m, Double.NaN)));
                    row.add(file.toString());
                    cells.add(row);
                }
                out.println();
                out.print(TextTable.render(cells));
            } catch (java.io.IOException e) {
                throw new BadInputException(models + ": cannot create: " + e.getMessage());
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
