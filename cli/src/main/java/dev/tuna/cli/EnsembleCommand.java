package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.data.Json;
import dev.tuna.data.Split;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.ensemble.EnsembleWeights;
import dev.tuna.ensemble.MemberFit;
import dev.tuna.errors.BadInputException;
import dev.tuna.spec.SpecNode;
import dev.tuna.task.Labels;
import dev.tuna.task.Predictions;
import dev.tuna.task.Scores;
import dev.tuna.task.Task;
import dev.tuna.train.ProgressListener;
import dev.tuna.trees.TreeSpec;
import dev.tuna.trees.XgbModel;
import dev.tuna.tune.HyperParameters;
import dev.tuna.tune.Objective;
import dev.tuna.tune.Retrainer;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Pools a study's best configurations (and, with --gbt, XGBoost's boosted trees, and a random forest when the spec
 * configures one) into one weighted ensemble for the job's task. Members train on the training split; their
 * validation predictions choose the weights on the task's loss; the members retrained on training + validation
 * data, blended with those weights, are scored once on the test set. Every member's predictions are kept in the
 * study, so another --method reweights without retraining. A member left at weight 0 gets a line saying why.
 */
@Command(name = "ensemble", mixinStandardHelpOptions = true,
        description = "Pool the best configurations (and XGBoost trees) with weights learned on validation data; score once on the test set.")
public final class EnsembleCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--study", paramLabel = "DIR|NAME", required = true,
            description = "a study folder (made by tuna tune), or with --storage a study's name; repeat it to pool several studies on the same data")
    List<String> studies;

    /** --storage for every study; --artifacts for the first, where the ensemble is written (the others: studies/NAME). */
    @Mixin
    StorageOptions storage = new StorageOptions();

    /** Where each --study is. */
    private List<dev.tuna.tune.study.StudyLocation> places;

    @Option(names = "--top", paramLabel = "N", description = "best configurations taken from each study (default: ensemble.top in that study's spec, else 3)")
    Integer top;

    @Option(names = "--gbt", description = "add XGBoost's gradient-boosted trees as a member (settings: ensemble.gbt in the spec), and a random forest when the spec has ensemble.random_forest")
    boolean gbt;

    @Option(names = "--method", description = "average, caruana (greedy ensemble selection) or random (search over the weight simplex) (default: ensemble.method in the spec, else caruana)")
    String method;

    @Option(names = "--max-epochs", paramLabel = "N", description = "epoch limit for a network member's first phase (default: ensemble.max_epochs in its study's spec, else 50)")
    Integer maxEpochs;

    @Option(names = "--patience", paramLabel = "N", description = "early-stopping patience on val_loss in the first phase (default: ensemble.patience in its study's spec, else 10)")
    Integer patience;

    @Option(names = "--out", paramLabel = "DIR", description = "where to save the ensemble (default: the first study's ensemble/ folder)")
    Path out;

    @Option(names = "--refit", description = "train every member again instead of reusing the predictions kept in the study")
    boolean refit;

    private static final java.util.Set<String> SECTION_KEYS = java.util.Set.of("top", "method", "max_epochs", "patience", "gbt", "random_forest");

    /** One member to fit: its name, kind, the key its predictions are kept under, and how to fit it. */
    private record Plan(String name, String kind, String key, String ext, Map<String, Object> recipe, Fitter fitter, FoldFitter foldFitter) {}

    @FunctionalInterface
    private interface Fitter {
        MemberFit.Result fit(Path modelFile);
    }

    /** Phase one on fold k's split (in the member's own view of the rows): that fold's held-out predictions. */
    @FunctionalInterface
    private interface FoldFitter {
        Predictions fit(int k);
    }

    /**
     * With a cross-validated study (validation: {folds: K}): the folds, whose held-out predictions, joined in row
     * order, are every member's out-of-fold predictions of all training rows; the weights are fitted on those rather
     * than on one fold's rows. Empty otherwise.
     */
    private List<Split> folds = List.of();

    /** The same folds of the trees' view of the rows (tabular data's raw columns); the very same splits otherwise. */
    private List<Split> treeFolds = List.of();

    /**
     * The recipe value of "features" for trees trained on tabular data's raw columns: tuna predict gives them
     * TabularPreprocessor.treeFeatures of its rows, where trees without it (older ensembles) get the networks' features.
     */
    static final String RAW_COLUMNS = "raw_columns";

    /** A fitted (or remembered) member. */
    private record Fitted(Plan plan, Predictions validation, Predictions test, Path file, int bestEpoch, int finalEpochs) {}

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<StudyStore> stores = new ArrayList<>();
        places = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : studies) {
            places.add(places.isEmpty() ? storage.location(name) : storage.location(name, null));
            String key;
            if (storage.shared()) key = name;
            else {
                try {
                    key = Path.of(name).toRealPath().toString();
                } catch (java.io.IOException e) {
                    key = Path.of(name).toAbsolutePath().normalize().toString();
                }
            }
            // The same study twice would pool each of its members twice, as if two searches had found them.
            if (!seen.add(key)) throw new BadInputException("--study " + name + ": given twice; each study's members join the ensemble once");
        }
        try {
            for (int i = 0; i < places.size(); i++) stores.add(StudyOptions.open(places.get(i), studies.get(i)));
            return run(stores, o, err);
        } finally {
            for (StudyStore s : stores) s.close();
        }
    }

    private int run(List<StudyStore> stores, PrintWriter o, PrintWriter err) {
        StudyStore home = stores.getFirst();
        Path homeDir = home.dir();
        List<StudySpec> specs = new ArrayList<>();
        for (int i = 0; i < stores.size(); i++) specs.add(StudySpec.of(stores.get(i), stores.get(i).dir()));
        StudySpec first = specs.getFirst();
        for (int i = 1; i < specs.size(); i++) {
            StudySpec s = specs.get(i);
            // Studies compare what they were trained on (the stored fingerprint of every training and validation
            // example), not how their specs spell it; studies made before fingerprints compare their specs.
            String fa = home.meta(DataBundle.DATA_KEY), fb = stores.get(i).meta(DataBundle.DATA_KEY);
            boolean differ = fa != null && fb != null ? !fa.equals(fb)
                    : !s.base().data().equals(first.base().data()) || !s.base().validation().equals(first.base().validation());
            if (differ) {
                throw new BadInputException("--study " + StudyOptions.shown(places.get(i), studies.get(i)) + ": its data or validation split differs from "
                        + StudyOptions.shown(places.getFirst(), studies.getFirst())
                        + "'s; an ensemble pools models trained on the same split");
            }
        }
        SpecNode section = first.base().root().get("ensemble");
        if (!section.isNull()) section.checkKeys(SECTION_KEYS);
        String methodName = method != null ? method : section.get("method").asString("caruana");
        EnsembleWeights.Method how;
        try {
            how = EnsembleWeights.Method.parse(methodName);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--method " + e.getMessage());
        }
        if (top != null && top <= 0) throw new BadInputException("--top " + top + ": expected a positive integer");
        if (maxEpochs != null && maxEpochs <= 0) throw new BadInputException("--max-epochs " + maxEpochs + ": expected a positive integer");
        if (patience != null && patience < 0) throw new BadInputException("--patience " + patience + ": expected 0 or more");
        long seed = common.seed != null ? common.seed : first.base().train().seed();
        Path dest = out != null ? out : homeDir.resolve("ensemble");
        Path memberDir = homeDir.resolve("ensemble").resolve("members");
        OutputPaths.checkFolder(out != null ? "--out" : "--study", dest);

        try (DataBundle data = DataBundle.load(first.base()); DataBundle.FoldSplits foldSplits = data.foldSplits(first.base())) {
            data.checkSameAs(home, homeDir, data.fingerprint());
            if (data.test() == null) throw new BadInputException(first.name() + ": data: an ensemble is scored on a test set; give data.test");
            Task task = task(data);
            Split split = data.split();
            folds = foldSplits.nets();
            treeFolds = foldSplits.trees();
            Backend backend = DeviceChoice.backend(common.device, common.precision, err);
            boolean live = System.console() != null && System.console().isTerminal();
            ProgressListener progress = live ? new KerasProgress(o, true) : ProgressListener.SILENT;

            List<Plan> plans = new ArrayList<>();
            for (int s = 0; s < stores.size(); s++) {
                StudySpec job = specs.get(s);
                StudyStore store = stores.get(s);
                // Each study's own ensemble section sets how many of its trials join and how long they train (a
                // CNN study on a CPU wants fewer epochs than an MLP study); the flags override every study.
                SpecNode own = job.base().root().get("ensemble");
                if (!own.isNull()) own.checkKeys(SECTION_KEYS);
                int n = top != null ? top : own.get("top").asPositiveInt(3);
                int epochLimit = maxEpochs != null ? maxEpochs : own.get("max_epochs").asPositiveInt(50);
                int pat = patience != null ? patience : own.get("patience").asInt(10);
                if (pat < 0) throw own.get("patience").error("expected 0 or more");
                Objective objective = Objective.of(store);
                List<TrialRow> best = objective.best(store.trials(), n);
                if (best.isEmpty()) throw new BadInputException("--study " + StudyOptions.shown(places.get(s), studies.get(s)) + ": no complete trial to pool yet");
                SearchSpace space = job.space(store.trials(), data);
                Retrainer retrainer = new Retrainer(job.hyperModel(), job.base(), space, backend, epochLimit, pat);
                retrainer.setReplicas(DeviceChoice.replicas(common.device, common.precision, spec.commandLine().getErr()));
                retrainer.setTask(data.task(), data.metrics(job.base()));
                data.prepare(job.hyperModel());
                String study = storage.shared() ? studies.get(s) : Path.of(studies.get(s)).toAbsolutePath().normalize().getFileName().toString();
                for (TrialRow r : best) plans.add(trialPlan(study, job, task, space, retrainer, r, epochLimit, pat, split, data, progress));
            }
            if (gbt) {
                // The forest joins only when the spec asks for it: on the README's Fashion-MNIST job it trained for
                // three minutes and ensemble selection gave it weight 0 every time.
                for (String kind : TreeSpec.KINDS) {
                    if (kind.equals("random_forest") && (section.isNull() || section.get(kind).isNull())) continue;
                    TreeSpec ts = TreeSpec.from(kind, section.isNull() ? section : section.get(kind));
                    plans.add(treePlan(kind, ts, task, seed, first, data, o));
                }
            }

            // Out-of-fold: the last fold is the split itself, so the joined held-out rows are the training file's rows in order.
            Labels yVal = folds.isEmpty() ? split.validation().labels() : data.full().labels();
            if (!folds.isEmpty()) {
                o.printf("Weights from out-of-fold predictions: each member trained once per fold of the study's %d, predicting the %d training rows it did not see%n",
                        folds.size(), data.full().size());
            }
            Labels yTest = data.test().labels();
            List<Fitted> fitted = new ArrayList<>();
            for (int i = 0; i < plans.size(); i++) {
                Plan p = plans.get(i);
                fitted.add(fitOrRecall(home, p, memberDir, i, plans.size(), yVal, o));
            }

            List<Predictions> val = new ArrayList<>(), test = new ArrayList<>();
            for (Fitted f : fitted) {
                val.add(f.validation);
                test.add(f.test);
            }
            EnsembleWeights.Selection selection = EnsembleWeights.select(how, val, yVal, seed);
            double[] w = selection.weights();
            Predictions ensVal = Predictions.blend(val, w), ensTest = Predictions.blend(test, w);
            double[] avg = EnsembleWeights.average(val.size());
            Predictions avgVal = Predictions.blend(val, avg), avgTest = Predictions.blend(test, avg);

            // Each score once: for the table, the best single member, the gains and the summary kept in the study.
            List<MemberScores> memberScores = new ArrayList<>();
            for (Fitted f : fitted) memberScores.add(MemberScores.of(f.validation, f.test, yVal, yTest));
            MemberScores avgScores = MemberScores.of(avgVal, avgTest, yVal, yTest), ensScores = MemberScores.of(ensVal, ensTest, yVal, yTest);
            List<String> keys = List.copyOf(ensScores.test().keySet());
            String headline = keys.getFirst();
            List<List<String>> cells = new ArrayList<>();
            List<String> header = new ArrayList<>(List.of("member", "kind", "weight"));
            for (String k : keys) header.add("val " + Scores.label(k));
            for (String k : keys) header.add("test " + Scores.label(k));
            cells.add(header);
            List<Object> memberJson = new ArrayList<>();
            int bestSingle = 0;
            for (int i = 0; i < fitted.size(); i++) {
                Fitted f = fitted.get(i);
                MemberScores sc = memberScores.get(i);
                cells.add(sc.row(f.plan.name, f.plan.kind, String.format("%.3f", w[i])));
                Map<String, Object> mj = sc.toMap();
                mj.put("name", f.plan.name);
                mj.put("kind", f.plan.kind);
                mj.put("weight", w[i]);
                mj.put("best_epoch", f.bestEpoch);
                mj.put("final_epochs", f.finalEpochs);
                memberJson.add(mj);
                if (better(headline, sc.test().get(headline), memberScores.get(bestSingle).test().get(headline))) bestSingle = i;
            }
            cells.add(avgScores.row("average", "", ""));
            cells.add(ensScores.row("ensemble (" + how.id() + ")", "", "1.000"));
            o.println();
            o.print(TextTable.render(cells));
            Fitted bs = fitted.get(bestSingle);
            MemberScores bss = memberScores.get(bestSingle);
            List<String> gains = new ArrayList<>();
            for (String k : keys) gains.add(String.format("%s %+.4f", Scores.label(k), ensScores.test().get(k) - bss.test().get(k)));
            o.printf("Ensemble (%s) against the best single member on test (%s): %s; against the plain average: %s %+.4f%n", how.id(), bs.plan.name,
                    String.join(", ", gains), Scores.label(headline), ensScores.test().get(headline) - avgScores.test().get(headline));
            for (EnsembleWeights.Dropped d : EnsembleWeights.dropped(val, yVal, selection)) o.println(whyDropped(d, how, task, fitted, val, yVal));

            // Save: the members' final models beside the manifest, then the summary for tuna report.
            List<EnsembleManifest.Member> ms = new ArrayList<>();
            Path files = dest.resolve("members");
            for (int i = 0; i < fitted.size(); i++) {
                Fitted f = fitted.get(i);
                Path target = files.resolve(f.file.getFileName());
                copy(f.file, target);
                ms.add(new EnsembleManifest.Member(f.plan.name, f.plan.kind, w[i], dest.relativize(target).toString(), f.plan.recipe));
            }
            List<Integer> shape = new ArrayList<>();
            for (int d : data.inputShape().dims()) shape.add(d);
            new EnsembleManifest(how.id(), task, task == Task.REGRESSION ? List.of() : data.full().classNames(), shape, ms,
                    first.base().data().label()).write(dest);
            if (data.preprocessor() != null) data.preprocessor().save(dest.resolve(PredictCommand.PREPROCESSOR_FILE));
            else deleteIfExists(dest.resolve(PredictCommand.PREPROCESSOR_FILE)); // an older ensemble's, in the same folder
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("method", how.id());
            summary.put("task", task.id()); // which figures the members' entries hold, for tuna report
            summary.put("members", memberJson);
            summary.put("ensemble", ensScores.toMap());
            summary.put("average", avgScores.toMap());
            summary.put("best_single", bs.plan.name);
            summary.put("saved", dest.toString());
            home.putBlob("ensemble.json", Json.write(summary).getBytes(StandardCharsets.UTF_8));
            o.println("Saved the ensemble to " + dest + " (tuna predict --model " + Shell.quote(dest) + " --data FILE)");
        }
        o.flush();
        return Main.EXIT_OK;
    }

    /**
     * The task every member predicts: the job's (named by task: or inferred from the training labels).
     */
    private static Task task(DataBundle data) { return data.task(); }

    private static void deleteIfExists(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (java.io.IOException e) {
            throw new BadInputException(p + ": cannot remove it (" + e.getMessage() + ")");
        }
    }

    /** Whether a of the summary key beats b. */
    private static boolean better(String key, double a, double b) { return Scores.larger(key) ? a > b : a < b; }

    /** One line on why a member has weight 0: its loss alone, and what one more pick of it would do to the blend's. */
    private static String whyDropped(EnsembleWeights.Dropped d, EnsembleWeights.Method how, Task task, List<Fitted> fitted, List<Predictions> val,
                                     Labels yVal) {
        String loss = "val " + Scores.lossName(task);
        int best = 0;
        double[] alone = new double[fitted.size()];
        for (int j = 0; j < alone.length; j++) {
            alone[j] = Scores.loss(val.get(j), yVal);
            if (alone[j] < alone[best]) best = j;
        }
        String why = how != EnsembleWeights.Method.CARUANA ? ""
                : d.withOneMorePick() >= d.blend() ? ", so ensemble selection left it out"
                : "; it would have lowered the loss, but all " + EnsembleWeights.DEFAULT_ROUNDS + " picks were taken";
        return String.format("%s: weight 0: %s alone %s (best alone: %s, %s); one more pick of it (1/%d of the weight) would take the blend's %s from %s to %s%s",
                fitted.get(d.member()).plan.name, loss, f4(d.alone()), fitted.get(best).plan.name, f4(alone[best]), Math.round(1 / d.share()), loss,
                f4(d.blend()), f4(d.withOneMorePick()), why);
    }

    private Plan trialPlan(String study, StudySpec job, Task task, SearchSpace space, Retrainer retrainer, TrialRow r, int epochLimit, int pat,
                           Split split, DataBundle data, ProgressListener progress) {
        Map<String, Object> values = space.normalize(r.values());
        TreeSpec trees = job.hyperModel().trees(new HyperParameters(space, values));
        String name = study + " trial " + (r.number() + 1);
        Map<String, Object> recipe = new LinkedHashMap<>();
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("data", job.base().data().toString() + job.base().validation());
        identity.put("seed", r.seed());
        // Classification adds nothing, so members kept before tasks are found again.
        if (task != Task.CLASSIFICATION) identity.put("task", task.id());
        if (!folds.isEmpty()) identity.put("out_of_fold", folds.size()); // kept validation predictions cover every training row
        if (trees != null) {
            recipe.put("params", trees.toMap());
            identity.put("kind", trees.kind());
            identity.put("params", trees.toMap());
            DataBundle.Trees view = treeView(data, recipe, identity);
            return new Plan(name, trees.kind(), key(identity), ".ubj", recipe,
                    file -> MemberFit.trees(trees, task, r.seed(), view.split().train(), view.split().validation(), view.full(), view.test(),
                            view.columns(), file, null),
                    k -> MemberFit.treesValidation(trees, task, r.seed(), treeFolds.get(k).train(), treeFolds.get(k).validation(), view.columns()));
        }
        recipe.put("spec_file", job.name());
        recipe.put("spec", job.text());
        recipe.put("overrides", job.overrides());
        recipe.put("hypermodel", job.javaModel());
        recipe.put("values", values);
        identity.put("kind", "neural");
        identity.put("recipe", recipe);
        identity.put("max_epochs", epochLimit);
        identity.put("patience", pat);
        return new Plan(name, "neural", key(identity), ".safetensors", recipe,
                file -> MemberFit.neural(retrainer, task, values, r.seed(), split.train(), split.validation(), data.full(), data.test(), data.inputShape(),
                        data.outputs(), file, Map.of("trial", String.valueOf(r.number())), progress),
                k -> MemberFit.neuralValidation(retrainer, task, values, r.seed(), folds.get(k).train(), folds.get(k).validation(), data.inputShape(),
                        data.outputs()));
    }

    private Plan treePlan(String kind, TreeSpec ts, Task task, long seed, StudySpec first, DataBundle data, PrintWriter o) {
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("data", first.base().data().toString() + first.base().validation());
        identity.put("seed", seed);
        if (task != Task.CLASSIFICATION) identity.put("task", task.id());
        if (!folds.isEmpty()) identity.put("out_of_fold", folds.size());
        identity.put("kind", kind);
        identity.put("params", ts.toMap());
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("params", ts.toMap());
        DataBundle.Trees view = treeView(data, recipe, identity);
        MemberFit.RoundProgress rounds = (phase, r, total, logs) -> {
            if (total > 1 && (r + 1) % 10 != 0 && r + 1 != total) return;
            String m = task.classifies() ? "accuracy" : "rmse";
            o.printf("  %s round %d/%d: loss %.4f, %s %.4f%s%n", phase, r + 1, total, logs.get("loss"), m, logs.get(m),
                    logs.containsKey("val_loss") ? String.format(", val_loss %.4f, val_%s %.4f", logs.get("val_loss"), m, logs.get("val_" + m)) : "");
            o.flush();
        };
        return new Plan(kind, kind, key(identity), ".ubj", recipe,
                file -> MemberFit.trees(ts, task, seed, view.split().train(), view.split().validation(), view.full(), view.test(), view.columns(), file,
                        rounds),
                k -> MemberFit.treesValidation(ts, task, seed, treeFolds.get(k).train(), treeFolds.get(k).validation(), view.columns()));
    }

    /**
     * What a tree member trains on: the data's tree view. On tabular data those are the raw columns, which the recipe
     * records for tuna predict and the identity for kept predictions (trees fitted on the networks' features before
     * are fitted again, not recalled).
     */
    private static DataBundle.Trees treeView(DataBundle data, Map<String, Object> recipe, Map<String, Object> identity) {
        if (data.trees().columns() != null) {
            recipe.put("features", RAW_COLUMNS);
            identity.put("features", RAW_COLUMNS);
        }
        return data.trees();
    }

    /** Fits a member, or takes its predictions from the study when the same member was fitted before and its model file is there. */
    @SuppressWarnings("unchecked")
    private Fitted fitOrRecall(StudyStore home, Plan p, Path memberDir, int i, int count, Labels yVal, PrintWriter o) {
        String blobKey = "member:" + p.key;
        Path file = memberDir.resolve(p.key.substring(0, 16) + p.ext);
        Optional<byte[]> kept = refit ? Optional.empty() : home.blob(blobKey);
        if (kept.isPresent() && Files.isRegularFile(file)) {
            Map<String, Object> m = (Map<String, Object>) Json.parse(new String(kept.get(), StandardCharsets.UTF_8));
            Predictions v = decode((Map<String, Object>) m.get("validation"));
            Predictions t = decode((Map<String, Object>) m.get("test"));
            o.printf("Member %d/%d: %s (%s): fitted before, predictions from the study (%s)%n", i + 1, count, p.name, p.kind, headline(v, yVal));
            o.flush();
            return new Fitted(p, v, t, file, ((Number) m.get("best_epoch")).intValue(), ((Number) m.get("final_epochs")).intValue());
        }
        o.printf("Member %d/%d: %s (%s): training on the training split, then on training + validation data%n", i + 1, count, p.name, p.kind);
        o.flush();
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(memberDir);
        } catch (IOException e) {
            throw new BadInputException(memberDir + ": cannot create: " + e.getMessage());
        }
        MemberFit.Result r = p.fitter.fit(file);
        if (!folds.isEmpty()) {
            // The other folds' phase one; the last fold's is the fit above.
            List<Predictions> parts = new ArrayList<>();
            for (int k = 0; k < folds.size() - 1; k++) parts.add(p.foldFitter.fit(k));
            parts.add(r.validation());
            r = new MemberFit.Result(Predictions.concat(parts), r.test(), r.bestEpoch(), r.finalEpochs());
        }
        o.printf("  best %s %d; %d on training + validation data; %s [%.0fs]%n", p.kind.equals("neural") ? "epoch" : "round",
                r.bestEpoch(), r.finalEpochs(), headline(r.validation(), yVal), (System.nanoTime() - t0) / 1e9);
        o.flush();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name);
        m.put("kind", p.kind);
        m.put("best_epoch", r.bestEpoch());
        m.put("final_epochs", r.finalEpochs());
        m.put("validation", encode(r.validation()));
        m.put("test", encode(r.test()));
        home.putBlob(blobKey, Json.write(m).getBytes(StandardCharsets.UTF_8));
        return new Fitted(p, r.validation(), r.test(), file, r.bestEpoch(), r.finalEpochs());
    }

    /** The task's first summary figure on validation, e.g. "val accuracy 0.8841" or "val RMSE 0.1234". */
    private static String headline(Predictions p, Labels y) {
        Map.Entry<String, Double> e = Scores.summary(p, y).entrySet().iterator().next();
        return String.format("val %s %.4f", Scores.label(e.getKey()), e.getValue());
    }

    private static Map<String, Object> encode(Predictions p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", p.task().id());
        m.put("rows", p.rows());
        m.put("width", p.width());
        m.put("float32_le_base64", p.encode());
        return m;
    }

    /** Kept predictions; those kept before tasks are class probabilities with their width under "classes". */
    private static Predictions decode(Map<String, Object> m) {
        Task task = m.containsKey("task") ? Task.parse((String) m.get("task"), "kept predictions' task") : Task.CLASSIFICATION;
        int width = ((Number) (m.containsKey("width") ? m.get("width") : m.get("classes"))).intValue();
        return Predictions.decode(task, ((Number) m.get("rows")).intValue(), width, (String) m.get("float32_le_base64"));
    }

    /**
     * The task's summary figures (Scores.summary) of one member, the average or the ensemble, on validation and test.
     * The study's JSON keeps them as val_KEY and test_KEY with log_loss as loss (what tuna report reads), and the
     * task's loss as val_loss and test_loss for every task.
     */
    private record MemberScores(Map<String, Double> val, Map<String, Double> test, double valLoss, double testLoss) {
        static MemberScores of(Predictions val, Predictions test, Labels yVal, Labels yTest) {
            return new MemberScores(Scores.summary(val, yVal), Scores.summary(test, yTest), Scores.loss(val, yVal), Scores.loss(test, yTest));
        }

        List<String> row(String name, String kind, String weight) {
            List<String> r = new ArrayList<>(List.of(name, kind, weight));
            for (double v : val.values()) r.add(f4(v));
            for (double v : test.values()) r.add(f4(v));
            return r;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, Double> e : val.entrySet()) m.put("val_" + (e.getKey().equals("log_loss") ? "loss" : e.getKey()), e.getValue());
            m.put("val_loss", valLoss);
            for (Map.Entry<String, Double> e : test.entrySet()) m.put("test_" + (e.getKey().equals("log_loss") ? "loss" : e.getKey()), e.getValue());
            m.put("test_loss", testLoss);
            return m;
        }
    }

    private static String key(Map<String, Object> identity) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(Json.write(identity).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            if (!Files.exists(to) || !Files.isSameFile(from, to)) Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new BadInputException(to + ": cannot write: " + e.getMessage());
        }
    }

    private static String f4(double v) { return TunerOutput.fmt4(v); }
}
