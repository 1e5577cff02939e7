package dev.tuna.cli;

import dev.tuna.tune.Objective;
import dev.tuna.tune.study.TrialRow;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Prints a study's ranked trials ({@link Objective#best}) as a table. */
final class Ranking {
    private Ranking() {}

    /** Every hyperparameter name met in these trials, in order of appearance. */
    static List<String> names(List<TrialRow> trials) {
        Set<String> names = new LinkedHashSet<>();
        for (TrialRow r : trials) names.addAll(r.values().keySet());
        return new ArrayList<>(names);
    }

    static String table(List<TrialRow> rows, Objective objective) {
        List<String> names = names(rows);
        List<List<String>> cells = new ArrayList<>();
        List<String> head = new ArrayList<>(List.of("rank", "trial", objective.metric()));
        head.addAll(names);
        cells.add(head);
        for (int i = 0; i < rows.size(); i++) {
            TrialRow r = rows.get(i);
            List<String> c = new ArrayList<>(List.of(String.valueOf(i + 1), String.valueOf(r.number() + 1), TunerOutput.fmt4(r.objective())));
            for (String n : names) c.add(TunerOutput.fmt(r.values().get(n)));
            cells.add(c);
        }
        return TextTable.render(cells);
    }
}
