package dev.tuna.data.tabular;

import dev.tuna.data.Dataset;
import java.util.List;

/**
 * The raw columns as gradient-boosted trees take them best: numbers unscaled with NaN where missing (XGBoost learns
 * where missing values go), categorical columns as level codes 0..L-1 (NaN for missing and for levels unseen in
 * training), one feature per column. {@code types} holds XGBoost's feature types, "q" (quantitative) or "c"
 * (categorical), for {@code DMatrix.setFeatureTypes}; with them XGBoost 3 (hist) splits on sets of categories.
 */
public record TreeFeatures(Dataset data, List<String> names, List<String> types) {
    public TreeFeatures {
        names = List.copyOf(names);
        types = List.copyOf(types);
    }
}
