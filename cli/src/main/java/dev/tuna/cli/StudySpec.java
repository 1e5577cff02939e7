package dev.tuna.cli;

import dev.tuna.data.Json;
import dev.tuna.spec.HyperResolver;
import dev.tuna.spec.JobSpec;
import dev.tuna.spec.SpecFile;
import dev.tuna.tune.HyperModel;
import dev.tuna.tune.SearchSpace;
import dev.tuna.tune.SpecHyperModel;
import dev.tuna.tune.study.StudyStore;
import dev.tuna.tune.study.TrialRow;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The job a study was made with, as the study recorded it (the spec's text and --set overrides, or the Java
 * hypermodel's class), so that retrain, ensemble and predict rebuild exactly the models the search trained.
 */
record StudySpec(String name, String text, List<String> overrides, String javaModel, JobSpec base, HyperModel hyperModel) {

    static StudySpec of(StudyStore store, Path dir) {
        String text = store.meta("spec");
        if (text == null) throw new dev.tuna.errors.BadInputException("--study " + dir + ": the study has no spec recorded; was it made by tuna tune?");
        String name = store.meta("spec_file") == null ? dir.resolve("spec.yaml").toString() : store.meta("spec_file");
        @SuppressWarnings("unchecked")
        List<String> overrides = store.meta("overrides") == null ? List.of() : (List<String>) Json.parse(store.meta("overrides"));
        String javaModel = store.meta("hypermodel") == null ? "" : store.meta("hypermodel");
        return of(name, text, overrides, javaModel);
    }

    static StudySpec of(String name, String text, List<String> overrides, String javaModel) {
        JobSpec base = JobSpec.from(SpecFile.parse(name, text, overrides, HyperResolver.defaults()));
        HyperModel hm = javaModel.isEmpty() ? new SpecHyperModel(name, text, overrides) : HyperModels.load(javaModel);
        return new StudySpec(name, text, overrides, javaModel, base, hm);
    }

    /** The search space with every hyperparameter of the default configuration and of these trials declared. */
    SearchSpace space(List<TrialRow> trials, DataBundle data) {
        SearchSpace space = new SearchSpace();
        hyperModel.declare(space, Map.of(), data.inputShape(), data.outputs(), base.train());
        for (TrialRow r : trials) hyperModel.declare(space, r.values(), data.inputShape(), data.outputs(), base.train());
        return space;
    }
}
