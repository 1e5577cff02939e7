package dev.tuna.cli;

import dev.tuna.tune.Objective;
import dev.tuna.tune.TrialState;
import dev.tuna.tune.study.TrialRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Orders a study's complete trials by objective and prints them as a table. */
final class Ranking {
    private Ranking() {}

    static List<TrialRow> best(List<TrialRow> trials, Objective objective, int top) {
        Comparator<TrialRow> byObjective = Comparator.comparingDouble(TrialRow::objective);
        if (objective.maximize()) byObjective = byObjective.reversed();
        return trials.stream().filter(r -> r.state() == TrialState.COMPLETE && !Double.isNaN(r.objective()))
                .sorted(byObjective.thenComparingInt(TrialRow::number)).limit(top).toList();
    }

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
