package dev.tuna.cli;

import dev.tuna.backend.Backend;
import dev.tuna.data.Json;
import dev.tuna.data.Split;
import dev.tuna.ensemble.EnsembleManifest;
import dev.tuna.ensemble.EnsembleWeights;
import dev.tuna.ensemble.MemberFit;
import dev.tuna.ensemble.Probabilities;
import dev.tuna.errors.BadInputException;
import dev.tuna.spec.SpecNode;
import dev.tuna.train.ProgressListener;
import dev.tuna.trees.TreeSpec;
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
 * Pools a study's best configurations (and, with --gbt, XGBoost's boosted trees and random forest) into one
 * weighted ensemble. Members train on the training split; their validation predictions choose the weights; the
 * members retrained on training + validation data, blended with those weights, are scored once on the test set.
 * Every member's predictions are kept in the study, so another --method reweights without retraining.
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

    @Option(names = "--gbt", description = "add XGBoost's gradient-boosted trees and random forest as members (settings: ensemble.gbt and ensemble.random_forest in the spec)")
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
    private record Plan(String name, String kind, String key, String ext, Map<String, Object> recipe, Fitter fitter) {}

    @FunctionalInterface
    private interface Fitter {
        MemberFit.Result fit(Path modelFile);
    }

    /** A fitted (or remembered) member. */
    private record Fitted(Plan plan, Probabilities validation, Probabilities test, Path file, int bestEpoch, int finalEpochs) {}

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

        try (DataBundle data = DataBundle.load(first.base())) {
            data.checkSameAs(home, homeDir, data.fingerprint());
            if (data.test() == null) throw new BadInputException(first.name() + ": data: an ensemble is scored on a test set; give data.test");
            Split split = data.split();
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
                String study = storage.shared() ? studies.get(s) : Path.of(studies.get(s)).toAbsolutePath().normalize().getFileName().toString();
                for (TrialRow r : best) plans.add(trialPlan(study, job, space, retrainer, r, epochLimit, pat, split, data, progress));
            }
            if (gbt) {
                for (String kind : TreeSpec.KINDS) {
                    TreeSpec ts = TreeSpec.from(kind, section.isNull() ? section : section.get(kind));
                    plans.add(treePlan(kind, ts, seed, first, split, data, o));
                }
            }

            int[] yVal = split.validation().y().toIntArray();
            int[] yTest = data.test().y().toIntArray();
            List<Fitted> fitted = new ArrayList<>();
            for (int i = 0; i < plans.size(); i++) {
                Plan p = plans.get(i);
                fitted.add(fitOrRecall(home, p, memberDir, i, plans.size(), yVal, o));
            }

            List<Probabilities> val = new ArrayList<>(), test = new ArrayList<>();
            for (Fitted f : fitted) {
                val.add(f.validation);
                test.add(f.test);
            }
            double[] w = EnsembleWeights.fit(how, val, yVal, seed);
            Probabilities ensVal = Probabilities.blend(val, w), ensTest = Probabilities.blend(test, w);
            double[] avg = EnsembleWeights.average(val.size());
            Probabilities avgVal = Probabilities.blend(val, avg), avgTest = Probabilities.blend(test, avg);

            // Each score once: for the table, the best single member, the gains and the summary kept in the study.
            List<Scores> memberScores = new ArrayList<>();
            for (Fitted f : fitted) memberScores.add(Scores.of(f.validation, f.test, yVal, yTest));
            Scores avgScores = Scores.of(avgVal, avgTest, yVal, yTest), ensScores = Scores.of(ensVal, ensTest, yVal, yTest);
            List<List<String>> cells = new ArrayList<>();
            cells.add(List.of("member", "kind", "weight", "val accuracy", "val log-loss", "test accuracy", "test log-loss"));
            List<Object> memberJson = new ArrayList<>();
            int bestSingle = 0;
            for (int i = 0; i < fitted.size(); i++) {
                Fitted f = fitted.get(i);
                Scores sc = memberScores.get(i);
                cells.add(sc.row(f.plan.name, f.plan.kind, String.format("%.3f", w[i])));
                Map<String, Object> mj = sc.toMap();
                mj.put("name", f.plan.name);
                mj.put("kind", f.plan.kind);
                mj.put("weight", w[i]);
                mj.put("best_epoch", f.bestEpoch);
                mj.put("final_epochs", f.finalEpochs);
                memberJson.add(mj);
                if (sc.testAccuracy() > memberScores.get(bestSingle).testAccuracy()) bestSingle = i;
            }
            cells.add(avgScores.row("average", "", ""));
            cells.add(ensScores.row("ensemble (" + how.id() + ")", "", "1.000"));
            o.println();
            o.print(TextTable.render(cells));
            Fitted bs = fitted.get(bestSingle);
            Scores bss = memberScores.get(bestSingle);
            o.printf("Ensemble (%s) against the best single member on test (%s): accuracy %+.4f, log-loss %+.4f; against the plain average: accuracy %+.4f%n",
                    how.id(), bs.plan.name, ensScores.testAccuracy() - bss.testAccuracy(), ensScores.testLoss() - bss.testLoss(),
                    ensScores.testAccuracy() - avgScores.testAccuracy());

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
            new EnsembleManifest(how.id(), data.full().classNames(), shape, ms).write(dest);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("method", how.id());
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

    private Plan trialPlan(String study, StudySpec job, SearchSpace space, Retrainer retrainer, TrialRow r, int epochLimit, int pat, Split split,
                           DataBundle data, ProgressListener progress) {
        Map<String, Object> values = space.normalize(r.values());
        TreeSpec trees = job.hyperModel().trees(new HyperParameters(space, values));
        String name = study + " trial " + (r.number() + 1);
        Map<String, Object> recipe = new LinkedHashMap<>();
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("data", job.base().data().toString() + job.base().validation());
        identity.put("seed", r.seed());
        if (trees != null) {
            recipe.put("params", trees.toMap());
            identity.put("kind", trees.kind());
            identity.put("params", trees.toMap());
            return new Plan(name, trees.kind(), key(identity), ".ubj", recipe,
                    file -> MemberFit.trees(trees, r.seed(), split.train(), split.validation(), data.full(), data.test(), file, null));
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
                file -> MemberFit.neural(retrainer, values, r.seed(), split.train(), split.validation(), data.full(), data.test(), data.inputShape(),
                        data.outputs(), file, Map.of("trial", String.valueOf(r.number())), progress));
    }

    private Plan treePlan(String kind, TreeSpec ts, long seed, StudySpec first, Split split, DataBundle data, PrintWriter o) {
        Map<String, Object> identity = new LinkedHashMap<>();
        identity.put("data", first.base().data().toString() + first.base().validation());
        identity.put("seed", seed);
        identity.put("kind", kind);
        identity.put("params", ts.toMap());
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("params", ts.toMap());
        MemberFit.RoundProgress rounds = (phase, r, total, logs) -> {
            if (total > 1 && (r + 1) % 10 != 0 && r + 1 != total) return;
            o.printf("  %s round %d/%d: loss %.4f, accuracy %.4f%s%n", phase, r + 1, total, logs.get("loss"), logs.get("accuracy"),
                    logs.containsKey("val_loss") ? String.format(", val_loss %.4f, val_accuracy %.4f", logs.get("val_loss"), logs.get("val_accuracy")) : "");
            o.flush();
        };
        return new Plan(kind, kind, key(identity), ".ubj", recipe,
                file -> MemberFit.trees(ts, seed, split.train(), split.validation(), data.full(), data.test(), file, rounds));
    }

    /** Fits a member, or takes its predictions from the study when the same member was fitted before and its model file is there. */
    @SuppressWarnings("unchecked")
    private Fitted fitOrRecall(StudyStore home, Plan p, Path memberDir, int i, int count, int[] yVal, PrintWriter o) {
        String blobKey = "member:" + p.key;
        Path file = memberDir.resolve(p.key.substring(0, 16) + p.ext);
        Optional<byte[]> kept = refit ? Optional.empty() : home.blob(blobKey);
        if (kept.isPresent() && Files.isRegularFile(file)) {
            Map<String, Object> m = (Map<String, Object>) Json.parse(new String(kept.get(), StandardCharsets.UTF_8));
            Probabilities v = decode((Map<String, Object>) m.get("validation"));
            Probabilities t = decode((Map<String, Object>) m.get("test"));
            o.printf("Member %d/%d: %s (%s): fitted before, predictions from the study (val accuracy %.4f)%n", i + 1, count, p.name, p.kind, v.accuracy(yVal));
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
        o.printf("  best %s %d; %d on training + validation data; val accuracy %.4f [%.0fs]%n", p.kind.equals("neural") ? "epoch" : "round",
                r.bestEpoch(), r.finalEpochs(), r.validation().accuracy(yVal), (System.nanoTime() - t0) / 1e9);
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

    private static Map<String, Object> encode(Probabilities p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", p.rows());
        m.put("classes", p.classes());
        m.put("float32_le_base64", p.encode());
        return m;
    }

    private static Probabilities decode(Map<String, Object> m) {
        return Probabilities.decode(((Number) m.get("rows")).intValue(), ((Number) m.get("classes")).intValue(), (String) m.get("float32_le_base64"));
    }

    /** Validation and test accuracy and log-loss of one member, the average or the ensemble. */
    private record Scores(double valAccuracy, double valLoss, double testAccuracy, double testLoss) {
        static Scores of(Probabilities val, Probabilities test, int[] yVal, int[] yTest) {
            return new Scores(val.accuracy(yVal), val.logLoss(yVal), test.accuracy(yTest), test.logLoss(yTest));
        }

        List<String> row(String name, String kind, String weight) {
            return List.of(name, kind, weight, f4(valAccuracy), f4(valLoss), f4(testAccuracy), f4(testLoss));
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("val_accuracy", valAccuracy);
            m.put("val_loss", valLoss);
            m.put("test_accuracy", testAccuracy);
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
