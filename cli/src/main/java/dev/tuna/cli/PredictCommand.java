package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.data.CsvReader;
import dev.tuna.data.DataSources;
import dev.tuna.data.Dataset;
import dev.tuna.data.Safetensors;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.ensemble.MemberFit;
import dev.tuna.errors.BadInputException;
import dev.tuna.nn.Model;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import dev.tuna.tensor.Shape;
import dev.tuna.train.Trainer;
import dev.tuna.trees.XgbModel;
import dev.tuna.tune.HyperParameters;
import dev.tuna.tune.SearchSpace;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Predicts with a saved ensemble: every member rebuilt from its recipe and model file, the members' predictions
 * (class probabilities, p(1) for binary, values for regression) blended with the ensemble's weights, one CSV row
 * per example. Labelled data is also scored with the task's figures.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict with a saved ensemble (made by tuna ensemble): classes and their probabilities, or values for regression; writes CSV.")
public final class PredictCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--model", paramLabel = "ENSEMBLE", required = true, description = "an ensemble folder (or its ensemble.json)")
    Path model;

    @Option(names = "--data", paramLabel = "FILE", required = true,
            description = "examples to predict: a CSV file (with or without a label column), IDX or NPY features (with --labels to score them), or fashion-mnist for its test set")
    String data;

    @Option(names = "--labels", paramLabel = "FILE", description = "labels for IDX or NPY features, to score the predictions (optional)")
    Path labels;

    @Option(names = "--format", description = "csv, idx or npy (default: from the file name)")
    String format;

    @Option(names = "--label", paramLabel = "COLUMN", description = "the CSV label column, by header name or 0-based index (default: the column named label, else the first)")
    String label;

    @Option(names = "--out", paramLabel = "FILE", description = "where to write the predictions (default: ${DEFAULT-VALUE})", defaultValue = "predictions.csv")
    Path out;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OutputPaths.checkFile("--out", out);
        EnsembleManifest m = EnsembleManifest.read(model);
        Path dir = EnsembleManifest.folder(model);
        int[] dims = m.featureShape().stream().mapToInt(Integer::intValue).toArray();
        Shape inputShape = Shape.of(dims);
        int classes = m.classNames().size();
        Task task = m.task();
        if (label == null && m.label() != null) {
            label = m.label(); // the training data's label column, unless --label names another
            labelFromManifest = true;
        }
        // An ensemble of tabular data keeps its preprocessing beside ensemble.json: new rows get exactly the training
        // split's treatment (its means, scales and levels).
        Path prep = dir.resolve(PREPROCESSOR_FILE);
        preprocessor = Files.isRegularFile(prep) ? dev.tuna.data.tabular.TabularPreprocessor.load(prep) : null;
        try (Dataset d = preprocessor != null ? loadTabular() : load(Math.toIntExact(inputShape.size()), task, m.classNames())) {
            if (d.x().shape().rowSize() != inputShape.size()) {
                throw new BadInputException("--data " + data + ": " + d.x().shape().rowSize() + " features per example; the ensemble was trained on "
                        + inputShape.size() + " " + inputShape);
            }
            int[] batch = new int[dims.length + 1];
            batch[0] = d.size();
            System.arraycopy(dims, 0, batch, 1, dims.length);
            var x = d.x().reshape(Shape.of(batch));
            Backend backend = DeviceChoice.backend(common.device, common.precision, err);
            List<Predictions> preds = new ArrayList<>();
            int width = task.outputs(classes);
            double[] w = new double[m.members().size()];
            for (int i = 0; i < w.length; i++) {
                EnsembleManifest.Member mem = m.members().get(i);
                w[i] = mem.weight();
                if (w[i] == 0) {
                    preds.add(new Predictions(task, d.size(), width, new float[d.size() * width]));
                    continue;
                }
                // EnsembleManifest.read has checked the file is inside the folder and exists.
                Path file = dir.resolve(mem.file());
                if (mem.kind().equals("neural")) preds.add(neural(mem, file, x, inputShape, task, classes, backend, DataBundle.embeddings(preprocessor)));
                else if (EnsembleCommand.RAW_COLUMNS.equals(mem.recipe().get("features"))) preds.add(rawColumnTrees(mem, file, task, classes));
                else preds.add(trees(file, x, task, classes));
            }
            Predictions p = Predictions.blend(preds, w);
            write(p, m.classNames());
            o.printf("Wrote %d predictions to %s%n", p.rows(), out);
            if (hasLabels) {
                List<String> figures = new ArrayList<>();
                for (Map.Entry<String, Double> e : Scores.summary(p, d.labels()).entrySet()) {
                    figures.add(String.format("%s %.4f", Scores.label(e.getKey()), e.getValue()));
                }
                o.printf("%s on %d labelled examples%n", String.join(", ", figures), d.size());
            }
        } finally {
            if (treeFeatures != null) treeFeatures.data().close();
        }
        o.flush();
        return Main.EXIT_OK;
    }

    private boolean hasLabels = true;

    /** The --data rows of a tabular ensemble as read, for the trees' raw columns. */
    private dev.tuna.data.tabular.TabularTable table;

    /** {@code preprocessor.treeFeatures(table)}, made once for the first tree member on raw columns. */
    private dev.tuna.data.tabular.TreeFeatures treeFeatures;

    /**
     * A tree member trained on tabular data's raw columns predicts from them: the --data rows' numbers unscaled, their
     * categorical codes typed "c" (unseen levels and missing values NaN, which the trees route as in training).
     */
    private Predictions rawColumnTrees(EnsembleManifest.Member mem, Path file, Task task, int classes) {
        if (preprocessor == null) {
            throw new BadInputException(file + ": member '" + mem.name() + "' takes tabular columns, but the ensemble has no " + PREPROCESSOR_FILE);
        }
        if (treeFeatures == null) treeFeatures = preprocessor.treeFeatures(table);
        dev.tuna.trees.TreeColumns columns = new dev.tuna.trees.TreeColumns(treeFeatures.names(), treeFeatures.types());
        try (XgbModel t = XgbModel.load(file, task, columns.size(), classes, columns)) {
            return t.predict(treeFeatures.data().x());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": member '" + mem.name() + "': " + e.getMessage());
        }
    }

    /** Whether the label column is the manifest's (a file without it is features alone) rather than --label's. */
    private boolean labelFromManifest;

    /** The file beside ensemble.json holding the tabular preprocessing of the data the members were trained on. */
    static final String PREPROCESSOR_FILE = "preprocessor.json";

    private dev.tuna.data.tabular.TabularPreprocessor preprocessor;

    /** Rows of a CSV through the ensemble's preprocessing; the label column, when the file has it, scores them. */
    private Dataset loadTabular() {
        Path p = Path.of(data);
        if (!Files.isRegularFile(p)) throw new BadInputException("--data " + data + ": no such file (this ensemble predicts from tabular CSV rows)");
        if (labels != null) throw new BadInputException("--labels " + labels + ": this ensemble reads its label column from the --data CSV");
        table = preprocessor.read(p, dev.tuna.data.tabular.CsvLayout.DEFAULT);
        hasLabels = table.hasLabel();
        return hasLabels ? preprocessor.transform(table) : preprocessor.transformFeatures(table);
    }

    private Dataset load(int features, Task task, List<String> classNames) {
        if (data.equals("fashion-mnist")) {
            if (task == Task.REGRESSION) throw new BadInputException("--data fashion-mnist: has class labels; this ensemble is a regressor");
            return DataSources.fashionMnist(false, DataSources.findFashionMnist());
        }
        Path p = Path.of(data);
        if (Files.isDirectory(p)) {
            throw new BadInputException("--data " + data + ": is a folder: expected a CSV, IDX or NPY file of examples (or fashion-mnist)");
        }
        if (!Files.isRegularFile(p)) throw new BadInputException("--data " + data + ": no such file");
        if (labels != null && Files.isDirectory(labels)) throw new BadInputException("--labels " + labels + ": is a folder: expected an IDX or NPY file of labels");
        if (labels != null && !Files.isRegularFile(labels)) throw new BadInputException("--labels " + labels + ": no such file");
        String fmt = format != null ? format.trim().toLowerCase(java.util.Locale.ROOT) : DataSources.inferFormat(p);
        if (labelFromManifest && !"csv".equals(fmt)) label = null; // a column name means nothing to IDX or NPY
        if (("idx".equals(fmt) || "npy".equals(fmt)) && labels == null) {
            // Features alone are what prediction needs; --labels only adds a score.
            hasLabels = false;
            return DataSources.unlabeledFeatures(p, fmt);
        }
        if ("csv".equals(fmt)) {
            String[] head = CsvReader.firstLine(p);
            boolean labelHeader = CsvReader.hasLabelColumn(head);
            // A CSV with exactly the model's feature count is unlabelled, unless its header names the default label
            // column "label": then that column is the label (as tuna train reads it) and never a feature.
            boolean manifestLabelAbsent = labelFromManifest && !java.util.Arrays.asList(head).contains(label);
            if ((label == null || manifestLabelAbsent) && !labelHeader && head.length == features) {
                hasLabels = false;
                return CsvReader.readUnlabeled(p);
            }
            // Labelled: every column but the label is a feature. Checked on the first line, before the file is read,
            // so the user hears about the column count rather than about a label that is not a known class.
            if (head.length > 0 && head.length - 1 != features) {
                String which = label != null ? "'" + label + "'" : labelHeader ? "'label'" : "(the first, as there is no column named label)";
                throw new BadInputException("--data " + data + ": " + (head.length - 1) + " features per example; the ensemble was trained on "
                        + features + " (the file has " + head.length + " columns, one of them the label column " + which + ")");
            }
        }
        if (task == Task.REGRESSION) {
            // Read as classes named by their strings, then the values those spell (as tuna train reads a regression).
            return DataBundle.asTask(Task.REGRESSION, DataSources.fromFiles(p, labels, fmt, label), data);
        }
        return DataSources.fromFiles(p, labels, fmt, label, classNames);
    }

    private static Predictions neural(EnsembleManifest.Member mem, Path file, dev.tuna.tensor.Tensor x, Shape inputShape, Task task, int classes,
                                      Backend backend, List<dev.tuna.nn.CategoryEmbedding.Column> embeddings) {
        Map<String, Object> r = mem.recipe();
        @SuppressWarnings("unchecked")
        StudySpec job = StudySpec.of((String) r.get("spec_file"), (String) r.get("spec"), (List<String>) r.get("overrides"), (String) r.get("hypermodel"));
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) r.get("values");
        SearchSpace space = new SearchSpace();
        int outputs = task.outputs(classes);
        job.hyperModel().declare(space, values, inputShape, outputs, job.base().train());
        job.hyperModel().useInputEmbeddings(embeddings);
        // A regressor ends with its training labels' scale: the layer is built here and its numbers come from the file.
        if (task == Task.REGRESSION) job.hyperModel().useTargetScale(0, 1);
        HyperParameters hp = new HyperParameters(space, space.normalize(values));
        try (Model net = job.hyperModel().build(hp, inputShape, outputs, 0);
             Trainer t = new Trainer(net, null, backend, 0).setTask(dev.tuna.train.TaskSetup.of(task, null, List.of()));
             Arena a = Arena.ofConfined()) {
            net.loadStateDict(Safetensors.read(file, a));
            return MemberFit.predict(t, x, task);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(file + ": member '" + mem.name() + "': " + e.getMessage());
        }
    }

    private static Predictions trees(Path file, dev.tuna.tensor.Tensor x, Task task, int classes) {
        try (XgbModel t = XgbModel.load(file, task, Math.toIntExact(x.shape().rowSize()), classes)) {
            return t.predict(x);
        }
    }

    /**
     * One RFC 4180 field: quoted when it holds a comma, a quote, CR or LF (quotes doubled), so class names come
     * back exactly as in ensemble.json. Leading or trailing spaces are quoted too, as many readers trim them.
     */
    static String csvField(String s) {
        boolean quote = !s.isEmpty() && (s.charAt(0) == ' ' || s.charAt(s.length() - 1) == ' ');
        for (int i = 0; i < s.length() && !quote; i++) {
            char c = s.charAt(i);
            quote = c == ',' || c == '"' || c == '\r' || c == '\n';
        }
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }

    /**
     * The CSV: row and prediction (the predicted class's name, or the value for regression), then the probabilities:
     * p_CLASS for every class, or for binary only p_ of class 1 (class 0's is 1 minus it).
     */
    private void write(Predictions p, List<String> classNames) {
        try {
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                w.write(header(p.task(), classNames) + "\n");
                StringBuilder s = new StringBuilder();
                for (int i = 0; i < p.rows(); i++) {
                    s.setLength(0);
                    s.append(i).append(',');
                    if (p.task() == Task.REGRESSION) s.append(p.p()[i]);
                    else s.append(csvField(classNames.get(p.predictedClass(i))));
                    if (p.task().classifies()) for (int c = 0; c < p.width(); c++) s.append(',').append(String.format("%.6f", p.get(i, c)));
                    w.write(s.append('\n').toString());
                }
            }
        } catch (IOException e) {
            throw new BadInputException("--out " + out + ": cannot write: " + e.getMessage());
        }
    }

    /** row,prediction,p_CLASS... for classification; row,prediction,p_CLASS1 for binary; row,prediction for regression. */
    static String header(Task task, List<String> classNames) {
        StringBuilder h = new StringBuilder("row,prediction");
        switch (task) {
            case CLASSIFICATION -> { for (String c : classNames) h.append(',').append(csvField("p_" + c)); }
            case BINARY -> h.append(',').append(csvField("p_" + classNames.get(1)));
            case REGRESSION -> { }
        }
        return h.toString();
    }
}
