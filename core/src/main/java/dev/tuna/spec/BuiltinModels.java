package dev.tuna.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The built-in hypermodels: a model section without {@code layers:} describes an MLP or a CNN by its shape,
 * each setting a plain value (fixed) or a hyperparameter form (searched):
 *
 * <pre>
 * model: {type: mlp, num_layers: {int: [1, 3]} (0: a linear model), units: {int: [32, 512], step: 32}, activation: relu,
 *         dropout: {float: [0, 0.5], step: 0.1}, batch_norm: {bool: false}, residual: false}
 * model: {type: cnn, num_blocks: {int: [1, 3]}, filters: {choice: [16, 32, 64]}, kernel_size: 3,
 *         dense_units: 128, dropout: 0.3, batch_norm: false, residual: false}
 * </pre>
 *
 * Widths are per layer: a searched {@code units} becomes units_0, units_1, ..., each existing only when
 * num_layers is large enough, as KerasTuner's examples write it; a fixed CNN {@code filters} doubles per block.
 * The result is an ordinary layer list, so `tuna train` and the tuner build it the same way.
 */
final class BuiltinModels {
    private BuiltinModels() {}

    static final Set<String> MLP_KEYS = Set.of("num_layers", "units", "activation", "dropout", "batch_norm", "residual");
    static final Set<String> CNN_KEYS = Set.of("num_blocks", "filters", "kernel_size", "activation", "dropout", "batch_norm", "residual", "dense_units");

    static List<SpecNode> layers(SpecNode model, String type) {
        return type.equals("mlp") ? mlp(model) : cnn(model);
    }

    private static List<SpecNode> mlp(SpecNode m) {
        // 0 hidden layers is a linear model (logistic regression for a classifier): on small tabular data often the
        // one to beat, so a search should be able to reach it.
        int n = m.get("num_layers").isNull() ? 1 : m.get("num_layers").read(c -> {
            int v = c.asInt();
            if (v < 0) throw c.error("expected 0 (a linear model) or a positive integer");
            return v;
        });
        String act = m.get("activation").asString("relu");
        double dropout = rate(m.get("dropout"));
        boolean bn = m.get("batch_norm").asBool(false);
        boolean residual = m.get("residual").asBool(false);
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int units = perLayer(m, "units", "num_layers", i, 64).asPositiveInt();
            List<Object> block = new ArrayList<>();
            block.add(Map.of("dense", Map.of("units", units, "activation", bn ? "linear" : act)));
            if (bn) {
                block.add(single("batch_norm", null));
                block.add(Map.of("activation", act));
            }
            if (residual) out.add(Map.of("residual", Map.of("layers", block)));
            else out.addAll(block);
            if (dropout > 0) out.add(Map.of("dropout", dropout));
        }
        return wrap(m, out);
    }

    private static List<SpecNode> cnn(SpecNode m) {
        int n = m.get("num_blocks").asPositiveInt(2);
        int kernel = m.get("kernel_size").asPositiveInt(3);
        String act = m.get("activation").asString("relu");
        double dropout = rate(m.get("dropout"));
        boolean bn = m.get("batch_norm").asBool(false);
        boolean residual = m.get("residual").asBool(false);
        int dense = m.get("dense_units").isNull() ? 128 : m.get("dense_units").read(d -> {
            int v = d.asInt();
            if (v < 0) throw d.error("expected 0 (no hidden dense layer) or a positive integer");
            return v;
        });
        boolean searched = HyperForm.isForm(m.unresolved("filters"));
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int filters = perLayer(m, "filters", "num_blocks", i, 32).asPositiveInt() << (searched ? 0 : i);
            List<Object> block = new ArrayList<>();
            int convs = residual ? 2 : 1;
            for (int c = 0; c < convs; c++) {
                block.add(Map.of("conv2d", Map.of("filters", filters, "kernel_size", kernel, "padding", "same", "activation", bn ? "linear" : act)));
                if (bn) {
                    block.add(single("batch_norm", null));
                    block.add(Map.of("activation", act));
                }
            }
            if (residual) out.add(Map.of("residual", Map.of("layers", block)));
            else out.addAll(block);
            out.add(Map.of("max_pool2d", Map.of("pool_size", 2)));
        }
        out.add(single("flatten", null));
        if (dropout > 0) out.add(Map.of("dropout", dropout));
        if (dense > 0) out.add(Map.of("dense", Map.of("units", dense, "activation", act)));
        return wrap(m, out);
    }

    private static double rate(SpecNode n) { return n.asDouble(0, dev.tuna.nn.Dropout.RATE); }

    /**
     * Layer i's value of a per-layer setting: a plain value as is; a form becomes its own hyperparameter KEY_i
     * (or NAME_i), existing only when the count hyperparameter (when searched) is above i.
     */
    @SuppressWarnings("unchecked")
    private static SpecNode perLayer(SpecNode m, String key, String countKey, int i, int dflt) {
        Object raw = m.unresolved(key);
        String path = m.path().isEmpty() ? key : m.path() + "." + key;
        if (raw == null) return m.derived(path, dflt);
        if (!HyperForm.isForm(raw)) return m.get(key);
        Map<String, Object> form = new LinkedHashMap<>((Map<String, Object>) raw);
        String base = form.containsKey("name") ? String.valueOf(form.get("name")) : key;
        form.put("name", base + "_" + i);
        Object count = m.unresolved(countKey);
        if (HyperForm.isForm(count) && !form.containsKey("when")) {
            HyperForm c = HyperForm.parse(m.derived(m.path() + "." + countKey, null), count);
            if (c.kind() != HyperForm.Kind.INT) throw m.get(countKey).error("expected an integer or an {int: [lo, hi]} form");
            List<Object> values = new ArrayList<>();
            for (long v = (long) c.lo(); v <= c.hi(); v += (long) Math.max(1, c.step())) if (v > i) values.add(v);
            form.put("when", Map.of(c.name(), values));
        }
        return m.derived(path, form);
    }

    private static Map<String, Object> single(String k, Object v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k, v);
        return m;
    }

    private static List<SpecNode> wrap(SpecNode m, List<Object> layers) {
        List<SpecNode> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) out.add(m.derived(m.path() + ".layers(generated)[" + i + "]", layers.get(i)));
        return out;
    }
}
