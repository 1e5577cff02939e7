package dev.tuna.trees;

import java.util.List;

/**
 * The names and XGBoost feature types of the columns a booster sees, set on every DMatrix it trains, validates and
 * predicts on: "q" (quantitative) or "c" (categorical, whose codes XGBoost's hist method splits on as sets). A
 * booster trained with categorical columns must predict on matrices that say so too, or the codes would be read as
 * numbers.
 */
public record TreeColumns(List<String> names, List<String> types) {
    public TreeColumns {
        names = List.copyOf(names);
        types = List.copyOf(types);
        if (names.size() != types.size()) throw new IllegalArgumentException(names.size() + " feature names for " + types.size() + " feature types");
        for (String t : types) {
            if (!t.equals("q") && !t.equals("c")) throw new IllegalArgumentException("feature type '" + t + "': expected q or c");
        }
    }

    public int size() { return names.size(); }

    /** Whether any column is categorical. */
    public boolean hasCategorical() { return types.contains("c"); }
}
