package dev.tuna.data.tabular;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Dataset;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import ml.dmlc.xgboost4j.java.util.BigDenseMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The XGBoost in the pom (3.4.0) takes the tree features' types: with "c" it splits on a set of categories, which no
 * single threshold on the codes can do. The class of a row is 1 for the levels coded 0, 2, 4 and 0 for 1, 3; one tree
 * of depth 1 separates them only when the column is categorical.
 */
class TreeFeaturesXgboostTest {
    @TempDir
    Path dir;

    @Test
    void oneCategoricalSplitSeparatesInterleavedLevels() throws IOException, XGBoostError {
        String[] levels = {"a", "b", "c", "d", "e"};
        StringBuilder s = new StringBuilder("c,n,y\n");
        for (int i = 0; i < 200; i++) {
            int k = i % 5;
            s.append(levels[k]).append(',').append(i % 7 == 0 ? "" : Integer.toString(i % 13)).append(',').append(k % 2 == 0 ? 1 : 0).append('\n');
        }
        Path p = dir.resolve("t.csv");
        Files.writeString(p, s.toString());
        TabularTable t = TabularTable.read(p, "y");
        TabularPreprocessor pre = TabularPreprocessor.fit(t, LabelKind.CLASSES, TabularPreprocessor.Options.DEFAULT);
        TreeFeatures tf = pre.treeFeatures(t);
        assertEquals(List.of("c", "q"), tf.types());
        try (Dataset d = tf.data()) {
            assertTrue(Float.isNaN(d.x().getFloat(1)), "row 0's missing n is NaN for XGBoost");
            float[] labels = new float[d.size()];
            int[] y = d.y().toIntArray();
            for (int i = 0; i < y.length; i++) labels[i] = y[i];
            float categorical = accuracy(d, labels, tf, true), numeric = accuracy(d, labels, tf, false);
            assertEquals(1f, categorical, "a categorical stump puts {a, c, e} on one side");
            assertTrue(numeric < 0.9f, "a threshold on the codes cannot: " + numeric);
        }
    }

    private static float accuracy(Dataset d, float[] labels, TreeFeatures tf, boolean typed) throws XGBoostError {
        int n = d.size(), f = tf.names().size();
        BigDenseMatrix dense = new BigDenseMatrix(n, f);
        DMatrix m;
        try {
            long bytes = (long) n * f * Float.BYTES;
            MemorySegment.copy(d.x().data(), 0, MemorySegment.ofAddress(dense.address).reinterpret(bytes), 0, bytes);
            m = new DMatrix(dense, Float.NaN);
        } finally {
            dense.dispose();
        }
        try {
            m.setLabel(labels);
            m.setFeatureNames(tf.names().toArray(new String[0]));
            if (typed) m.setFeatureTypes(tf.types().toArray(new String[0]));
            if (typed) assertArrayEquals(new String[] {"c", "q"}, m.getFeatureTypes());
            Map<String, Object> params = new HashMap<>();
            params.put("objective", "binary:logistic");
            params.put("max_depth", 1);
            params.put("eta", 1.0);
            params.put("tree_method", "hist");
            params.put("nthread", 1);
            params.put("seed", 0);
            Booster b = XGBoost.train(m, params, 1, Map.of(), null, null);
            try {
                float[][] pred = b.predict(m);
                int right = 0;
                for (int i = 0; i < n; i++) if ((pred[i][0] > 0.5f ? 1 : 0) == (int) labels[i]) right++;
                return right / (float) n;
            } finally {
                b.dispose();
            }
        } finally {
            m.dispose();
        }
    }
}
