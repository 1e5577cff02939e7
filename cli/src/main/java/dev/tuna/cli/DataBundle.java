package dev.tuna.cli;

import dev.tuna.data.DataSources;
import dev.tuna.data.Fingerprint;
import dev.tuna.errors.BadInputException;
import dev.tuna.data.Dataset;
import dev.tuna.data.Split;
import dev.tuna.spec.JobSpec;
import dev.tuna.tensor.Shape;
import dev.tuna.data.tabular.CsvLayout;
import dev.tuna.data.tabular.LabelKind;
import dev.tuna.data.tabular.TabularPreprocessor;
import dev.tuna.data.tabular.TabularTable;
import dev.tuna.data.tabular.TreeFeatures;
import dev.tuna.trees.TreeColumns;
import dev.tuna.metrics.Metric;
import dev.tuna.metrics.Metrics;
import dev.tuna.task.Task;
import dev.tuna.task.TaskChoice;
import dev.tuna.tune.Tuner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's data: the training set split into train and validation, the test set when there is one, and the task
 * (named by the job file or inferred from the training labels, with the reason, which the commands print).
 * {@code trees} is what tree models train and predict on: for tabular data the raw columns, else the same data sets.
 */
record DataBundle(Dataset full, Split split, Dataset test, TaskChoice.Chosen chosen, TabularPreprocessor preprocessor, Trees trees)
        implements AutoCloseable {

    /**
     * The rows as trees take them best. For tabular data: {@link TabularPreprocessor#treeFeatures} of the training
     * file and the test file (numbers unscaled with NaN where missing, categorical columns as level codes with
     * XGBoost's type "c"), split as the networks' rows are; the columns' names and types go on every DMatrix.
     * Otherwise the networks' own data sets, with no columns (plain numeric features).
     */
    record Trees(Dataset full, Split split, Dataset test, TreeColumns columns) {
        /** The cross-validation folds of validation: {folds: K} over these rows, row for row those of {@link DataBundle#folds(JobSpec)}. */
        List<Split> folds(JobSpec job) { return foldsOf(full, job); }
    }

    /** The K splits of validation: {folds: K} over d; none without folds. Close each split's training set. */
    private static List<Split> foldsOf(Dataset d, JobSpec job) {
        int k = job.validation().folds();
        return k == 0 ? List.of() : dev.tuna.data.Folds.of(d, k);
    }

    static DataBundle load(JobSpec job) {
        JobSpec.DataSpec d = job.data();
        if (d.tabular() != null) return loadTabular(job);
        Dataset full;
        Dataset test = null;
        TaskChoice.Chosen chosen;
        if (d.builtin() != null) {
            Path dir = DataSources.findFashionMnist();
            full = DataSources.fashionMnist(true, dir);
            test = DataSources.fashionMnist(false, dir);
            chosen = TaskChoice.choose(job.task(), full, "data: fashion-mnist");
        } else {
            full = DataSources.fromFiles(Path.of(d.train()), d.trainLabels() == null ? null : Path.of(d.trainLabels()), d.format(), d.label());
            try {
                chosen = TaskChoice.choose(job.task(), full, d.train());
                full = asTask(chosen.task(), full);
                if (d.test() != null) {
                    // The test labels are mapped onto the training set's classes, so class i means the same in both; a
                    // regression's values need no mapping (a test value need not occur in training).
                    Path tl = d.testLabels() == null ? null : Path.of(d.testLabels());
                    test = chosen.task() == Task.REGRESSION
                            ? asTask(Task.REGRESSION, DataSources.fromFiles(Path.of(d.test()), tl, d.format(), d.label()), d.test())
                            : DataSources.fromFiles(Path.of(d.test()), tl, d.format(), d.label(), full.classNames());
                }
            } catch (RuntimeException e) {
                full.close();
                throw e;
            }
        }
        if (test != null && !test.featureShape().equals(full.featureShape())) {
            Shape a = test.featureShape(), b = full.featureShape();
            full.close();
            test.close();
            throw new BadInputException((d.test() != null ? d.test() : "data.test") + ": examples of shape " + a + " (" + a.size()
                    + " features) but the training data " + d.train() + " has shape " + b + " (" + b.size() + " features); the test set must match it");
        }
        Split split = job.validation().split(full);
        return new DataBundle(full, split, test, chosen, null, new Trees(full, split, test, null));
    }

    /**
     * A tabular CSV: the table read with the job's column types, the validation rows held out as the validation
     * section says, the preprocessing fitted on the remaining training rows only and applied unchanged to all rows and
     * to the test file (whose unseen levels go to each column's unknown bucket).
     */
    private static DataBundle loadTabular(JobSpec job) {
        JobSpec.DataSpec d = job.data();
        JobSpec.TabularSpec ts = d.tabular();
        TabularTable table = TabularTable.read(Path.of(d.train()), CsvLayout.DEFAULT, d.label(), ts.readTypes());
        int trainRows = trainingRows(job, table.rows());
        TabularTable fitRows = table.slice(0, trainRows);
        // The labels' classes as the preprocessing will name them, so the task is judged on the same classes.
        List<String> present = new ArrayList<>(java.util.Arrays.asList(fitRows.labels()));
        present.removeIf(s -> s == null || TabularTable.isMissing(s));
        TaskChoice.Chosen chosen = TaskChoice.choose(job.task(), TabularPreprocessor.classNames(present), d.train());
        TabularPreprocessor pre = TabularPreprocessor.fit(fitRows, LabelKind.of(chosen.task().classifies()), ts.options());
        List<Dataset> made = new ArrayList<>(); // closed if anything after them fails
        try {
            Dataset full = add(made, pre.transform(table));
            if (chosen.task() == Task.BINARY && full.numClasses() != 2) {
                throw new BadInputException(d.train() + ": a binary task needs 2 classes in the training rows, got " + full.numClasses());
            }
            TreeFeatures treeFull = pre.treeFeatures(table);
            add(made, treeFull.data());
            Dataset test = null, treeTest = null;
            if (d.test() != null) {
                TabularTable testTable = pre.read(Path.of(d.test()), CsvLayout.DEFAULT);
                test = add(made, pre.transform(testTable));
                treeTest = add(made, pre.treeFeatures(testTable).data());
            }
            Trees trees = new Trees(treeFull.data(), job.validation().split(treeFull.data()), treeTest, new TreeColumns(treeFull.names(), treeFull.types()));
            return new DataBundle(full, job.validation().split(full), test, chosen, pre, trees);
        } catch (RuntimeException e) {
            for (Dataset x : made) x.close();
            throw e;
        }
    }

    private static Dataset add(List<Dataset> made, Dataset d) {
        made.add(d);
        return d;
    }

    /** The training rows the job's validation section leaves of n, with its errors (a stand-in of n rows is split). */
    private static int trainingRows(JobSpec job, int n) {
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            dev.tuna.tensor.Tensor x = dev.tuna.tensor.Tensor.empty(Shape.of(n, 1), dev.tuna.tensor.DType.F32, a);
            dev.tuna.tensor.Tensor y = dev.tuna.tensor.Tensor.empty(Shape.of(n), dev.tuna.tensor.DType.F32, a);
            Dataset stand = new Dataset(x, y, 0, List.of(), null);
            return job.validation().split(stand).train().size();
        }
    }

    /** The data set with the task's labels, closing the one read when a new one replaces it. */
    private static Dataset asTask(Task task, Dataset read) {
        Dataset d = TaskChoice.labelsFor(task, read);
        if (d != read) read.close();
        return d;
    }

    /**
     * A data set read with class labels, as the task wants its labels (a regression's values), the file named when a
     * label cannot serve; read is closed whenever it is not what is returned (tuna predict reads its rows so too).
     */
    static Dataset asTask(Task task, Dataset read, String file) {
        try {
            if (!read.hasValueLabels()) TaskChoice.choose(task, read, file); // says which test label is not a number
            return asTask(task, read);
        } catch (RuntimeException e) {
            read.close();
            throw e;
        }
    }

    Task task() { return chosen.task(); }

    /**
     * A regression's training labels' mean and standard deviation (population; 1 when the labels are constant), for
     * the models' {@link dev.tuna.nn.TargetScale}; null for a classifier.
     */
    dev.tuna.nn.TargetScale targetScale() {
        if (task() != Task.REGRESSION) return null;
        float[] y = split.train().labels().values();
        double mean = 0;
        for (float v : y) mean += v;
        mean /= y.length;
        double ss = 0;
        for (float v : y) ss += (v - mean) * (v - mean);
        double std = Math.sqrt(ss / y.length);
        return new dev.tuna.nn.TargetScale(mean, std > 0 ? std : 1);
    }

    /** Tells a hypermodel what the data needs of the models it builds: embedded columns, a regression's target scale. */
    void prepare(dev.tuna.tune.HyperModel hm) {
        hm.useInputEmbeddings(embeddings());
        dev.tuna.nn.TargetScale t = targetScale();
        if (t != null) hm.useTargetScale(t.mean(), t.std());
    }

    /** The input columns the model embeds (tabular embedding columns), each as wide as fast.ai's rule suggests. */
    List<dev.tuna.nn.CategoryEmbedding.Column> embeddings() { return embeddings(preprocessor); }

    /** A preprocessing's embedded columns as the model's first layer takes them (none without a preprocessing). */
    static List<dev.tuna.nn.CategoryEmbedding.Column> embeddings(TabularPreprocessor preprocessor) {
        if (preprocessor == null) return List.of();
        return preprocessor.embeddingColumns().stream()
                .map(c -> new dev.tuna.nn.CategoryEmbedding.Column(c.feature(), c.levels(), dev.tuna.nn.CategoryEmbedding.suggestedWidth(c.levels()))).toList();
    }

    /**
     * The metrics trained models log: the job's metrics: (the task's defaults when absent), and those the objective
     * and early stopping need; one that does not apply to the task is refused naming it.
     */
    List<Metric> metrics(JobSpec job) {
        try {
            dev.tuna.train.loss.Losses.parse(job.train().loss(), task()); // a loss the task cannot train on is said before any training
        } catch (IllegalArgumentException e) {
            throw new BadInputException(job.root().file() + ": train.loss: " + e.getMessage() + " (" + chosen.describe() + ")");
        }
        List<Metric> out = new ArrayList<>();
        if (job.metrics() == null) {
            out.addAll(Metrics.defaultsFor(task()));
        } else {
            for (String name : job.metrics()) {
                Metric m = Metrics.named(name);
                if (!m.appliesTo(task())) {
                    throw new BadInputException("metrics: " + name + " does not apply to a " + task().id() + " task (" + chosen.describe() + ")");
                }
                out.add(m);
            }
        }
        List<String> needed = new ArrayList<>();
        if (!job.root().get("tune").isNull()) needed.add(dev.tuna.tune.TuneSpec.from(job.root()).objective().metric());
        if (job.train().earlyStopping() != null) needed.add(job.train().earlyStopping().monitor());
        for (String logged : needed) {
            String base = logged.startsWith(Metrics.VALIDATION_PREFIX) ? logged.substring(Metrics.VALIDATION_PREFIX.length()) : logged;
            if (base.equals("loss") || base.equals("accuracy") || out.stream().anyMatch(m -> m.name().equals(base))) continue;
            Metric m = Metrics.named(base);
            if (!m.appliesTo(task())) {
                throw new BadInputException(logged + " (the objective or early-stopping monitor) does not apply to a " + task().id() + " task (" + chosen.describe() + ")");
            }
            out.add(m);
        }
        if (!task().classifies()) {
            for (String logged : needed) {
                if (logged.endsWith("accuracy") && !logged.contains("top")) {
                    throw new BadInputException(logged + " (the objective or early-stopping monitor): a " + task().id() + " task has no accuracy; use val_loss or a metric such as val_rmse");
                }
            }
        }
        return out;
    }

    /**
     * The cross-validation folds of validation: {folds: K} over the whole training file, each as a search sees it;
     * empty without folds. The caller closes each fold's training set (some are copies).
     */
    List<Split> folds(JobSpec job) { return foldsOf(full, job); }

    /** The data as a search sees it: train, validation, the model's outputs, the task and its metrics, and the trees' view. */
    Tuner.Data tunerData(JobSpec job) { return tunerData(job, split, trees.split()); }

    /**
     * One split as a search sees it (the job's, or a cross-validation fold's): the networks' rows, and for tabular
     * data treeSplit, the same rows as {@link Trees}, for tree trials.
     */
    Tuner.Data tunerData(JobSpec job, Split netSplit, Split treeSplit) {
        Tuner.TreeView view = preprocessor == null ? null : new Tuner.TreeView(treeSplit.train(), treeSplit.validation(), trees.columns());
        return new Tuner.Data(netSplit.train(), netSplit.validation(), inputShape(), outputs(), task(), metrics(job), view);
    }

    /**
     * The cross-validation folds of validation: {folds: K} as a search sees them: each fold's networks' rows and, for
     * tabular data, the same rows as trees take them (empty without folds). Closing it closes the folds' copied rows.
     */
    SearchFolds searchFolds(JobSpec job) {
        FoldSplits splits = foldSplits(job);
        try {
            List<Tuner.Data> each = new ArrayList<>();
            for (int k = 0; k < splits.nets().size(); k++) each.add(tunerData(job, splits.nets().get(k), splits.trees().get(k)));
            return new SearchFolds(each, splits);
        } catch (RuntimeException e) {
            splits.close();
            throw e;
        }
    }

    /** Folds for {@link Tuner#setFolds}, with the splits whose copied training rows close with it. */
    record SearchFolds(List<Tuner.Data> data, FoldSplits splits) implements AutoCloseable {
        @Override
        public void close() { splits.close(); }
    }

    /**
     * The cross-validation folds of validation: {folds: K}: the networks' rows and, row for row, the trees' (the very
     * same splits unless the data is tabular); none without folds. Closing it closes the folds' copied rows.
     */
    FoldSplits foldSplits(JobSpec job) {
        List<Split> nets = folds(job);
        try {
            return new FoldSplits(nets, preprocessor == null ? nets : trees.folds(job));
        } catch (RuntimeException e) {
            for (Split s : nets) s.train().close();
            throw e;
        }
    }

    /** A job's folds as networks and as trees take them; see {@link #foldSplits}. */
    record FoldSplits(List<Split> nets, List<Split> trees) implements AutoCloseable {
        @Override
        public void close() {
            for (Split s : nets) s.train().close();
            if (trees != nets) for (Split s : trees) s.train().close();
        }
    }

    /** A fingerprint of the training and validation splits: what every trial of a study must be trained and scored on. */
    String fingerprint() { return Fingerprint.of(split.train(), split.validation()); }

    /**
     * Refuses data whose {@link #fingerprint()} (passed in, as callers also store it) differs from what the study was
     * tuned on. Studies made before fingerprints were stored have none and are taken as they are.
     */
    void checkSameAs(dev.tuna.tune.study.StudyStore store, Object dir, String fingerprint) {
        String old = store.meta(DATA_KEY);
        if (old != null && !old.equals(fingerprint)) {
            throw new BadInputException("--study " + dir + ": the training data or its validation split differs from what the study was tuned on"
                    + " (its examples' fingerprint changed); restore the data, or tune a new study (--overwrite starts this one afresh)");
        }
    }

    /** The study metadata key holding {@link #fingerprint()}. */
    static final String DATA_KEY = "data_fingerprint";

    Shape inputShape() {
        int[] dims = full.x().shape().dims();
        return Shape.of(java.util.Arrays.copyOfRange(dims, 1, dims.length));
    }

    int numClasses() { return Math.max(full.numClasses(), test == null ? 0 : test.numClasses()); }

    /** "10 classes", or "value labels" for a regression. */
    String describeLabels() { return task() == Task.REGRESSION ? "value labels" : numClasses() + " classes"; }

    /** The model's outputs: one logit per class for a classifier, one output for a binary or regression task. */
    int outputs() { return task().outputs(numClasses()); }

    @Override
    public void close() {
        full.close();
        if (test != null) test.close();
        if (preprocessor != null) {
            trees.full().close();
            if (trees.test() != null) trees.test().close();
        }
    }
}
