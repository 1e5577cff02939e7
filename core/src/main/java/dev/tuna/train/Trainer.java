package dev.tuna.train;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Tape;
import dev.tuna.autograd.Var;
import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.data.BatchIterator;
import dev.tuna.data.Dataset;
import dev.tuna.nn.Context;
import dev.tuna.nn.Model;
import dev.tuna.nn.Parameter;
import dev.tuna.optim.Optimizer;
import dev.tuna.tensor.DType;
import dev.tuna.tensor.MemoryScope;
import dev.tuna.tensor.StepArena;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.SegmentAllocator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras-style training of a model for its task (its loss, its metrics, its outputs' activation: see {@link TaskSetup}):
 * fit, evaluate, predict. Every step runs in a step scope over one reusable arena, so training allocates nothing after its first
 * step; the shuffle and dropout derive from the seed, so a seeded CPU run is reproducible bit for bit.
 */
public final class Trainer implements AutoCloseable {
    private final Model model;
    private final Optimizer optimizer;
    private final Backend backend;
    private final long seed;
    private final StepArena arena = new StepArena(8L << 20);
    private long globalStep;
    private boolean stopRequested;
    /** Present when the backend computes in float16 (see {@link LossScaler}). */
    private final LossScaler lossScaler;
    /** Whether the backend computes on a device, where the model is moved for this trainer's lifetime. */
    private final boolean onDevice;
    /** Training sets up to this size are copied to a device once per fit (1 GiB: Fashion-MNIST is 188 MB). */
    static final long RESIDENT_BYTES = 1L << 30;

    /** Null for a lone trainer; else this trainer is one replica of a mirrored group. */
    private final GradientSync sync;
    private TaskSetup setup = TaskSetup.classification();
    /** While fit runs with metrics that need them: the epoch's predictions, and where the current step's rows go. */
    private EpochPredictions current;
    private int stepRow;

    public Trainer(Model model, Optimizer optimizer, Backend backend, long seed) { this(model, optimizer, backend, seed, null); }

    /**
     * A trainer that is one replica of a mirrored group when sync is not null: it trains on its share of every
     * global batch of {@code batchSize} rows, its gradients merged with the others' before each update, and its
     * metrics are the group's.
     */
    public Trainer(Model model, Optimizer optimizer, Backend backend, long seed, GradientSync sync) {
        this.sync = sync;
        this.model = model;
        this.optimizer = optimizer;
        this.backend = backend;
        this.seed = seed;
        this.lossScaler = backend.precision().lossScaling() ? new LossScaler() : null;
        this.onDevice = backend.device().kind() != dev.tuna.tensor.Device.Kind.CPU;
        if (onDevice) {
            // The model trains where the backend computes: its parameters and state go to the device for the
            // trainer's lifetime (made in an owned scope, so they outlive every step) and come back on close.
            try (MemoryScope s = MemoryScope.owned(model.arena())) {
                model.moveTo(backend::fromHost);
                if (optimizer != null) optimizer.moveSlots(backend::fromHost);
            }
        }
    }

    /** Sets the task, loss and metrics (a classifier with softmax cross-entropy until set); returns this trainer. */
    public Trainer setTask(TaskSetup setup) {
        this.setup = java.util.Objects.requireNonNull(setup, "setup");
        return this;
    }

    public TaskSetup task() { return setup; }

    /** The backend this trainer computes on. */
    public Backend backend() { return backend; }

    /** The model's weights and state as host tensors (copies in the current scope when the model is on a device). */
    public LinkedHashMap<String, Tensor> hostStateDict() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        for (var e : model.stateDict().entrySet()) m.put(e.getKey(), backend.toHost(e.getValue()));
        return m;
    }

    /** The dynamic loss scaler of a float16 policy, or null. */
    public LossScaler lossScaler() { return lossScaler; }

    public Model model() { return model; }

    public Optimizer optimizer() { return optimizer; }

    /** Asks fit to stop after the current epoch (early stopping, interrupts). */
    public void requestStop() { stopRequested = true; }

    /** Native bytes held by the step arena: flat after the first step of the largest batch. */
    public long stepMemoryBytes() { return arena.reservedBytes(); }

    public History fit(Dataset train, Dataset validation, int epochs, int batchSize, List<Callback> callbacks,
                       ProgressListener progress) {
        if (epochs <= 0) throw new IllegalArgumentException("epochs " + epochs + ": expected a positive integer");
        if (batchSize <= 0) throw new IllegalArgumentException("batch_size " + batchSize + ": expected a positive integer");
        checkData(train, "training");
        if (validation != null) checkData(validation, "validation");
        History history = new History();
        stopRequested = false;
        for (Callback c : callbacks) c.onTrainBegin(this);
        int n = train.size();
        int steps = (n + batchSize - 1) / batchSize;
        // Every mirrored replica needs rows in every batch (synchronised batch norm sums over all of them): a last
        // batch with fewer rows than replicas joins the batch before it.
        int remainder = n % batchSize;
        boolean mergeLast = sync != null && remainder != 0 && remainder < sync.replicas() && steps > 1;
        if (mergeLast) steps--;
        int[] order = new int[n];
        // On a device, a training set that fits goes over once and batches are gathered there, instead of a copy
        // of every batch across the bus each step.
        Tensor xs = train.x(), ys = train.y();
        boolean resident = onDevice && train.x().data().byteSize() + train.y().data().byteSize() <= RESIDENT_BYTES;
        if (resident) {
            try (MemoryScope s = MemoryScope.owned(model.arena())) {
                xs = backend.fromHost(train.x());
                ys = backend.fromHost(train.y());
            }
        }
        if (sync != null) {
            // Replicas start from rank 0's weights (and state), whatever each built.
            sync.broadcast(new java.util.ArrayList<>(model.stateDict().values()));
        }
        // Metrics beyond accuracy need every prediction of the epoch: kept on the heap in visiting order, with the
        // labels in the same order, and scored at the epoch's end (as Keras does, over weights that moved meanwhile).
        List<dev.tuna.metrics.Metric> collected = setup.collected();
        EpochPredictions seenPredictions = collected.isEmpty() ? null : new EpochPredictions(train.labels(), n, outputWidth());
        try {
            for (int epoch = 0; epoch < epochs && !stopRequested; epoch++) {
                long t0 = System.nanoTime();
                progress.onEpochBegin(epoch, epochs, steps);
                BatchIterator.permutation(order, seed, epoch);
                double lossSum = 0;
                long correct = 0, seen = 0;
                if (seenPredictions != null) seenPredictions.startEpoch(order);
                current = seenPredictions;
                for (int s = 0; s < steps; s++) {
                    int from = s * batchSize, count = mergeLast && s == steps - 1 ? n - from : Math.min(batchSize, n - from);
                    try (MemoryScope scope = MemoryScope.step(arena)) {
                        StepResult r;
                        if (sync == null) {
                            Tensor xb = backend.gatherRows(xs, order, from, count);
                            Tensor yb = backend.gatherRows(ys, order, from, count);
                            stepRow = from;
                            r = step(xb, yb);
                        } else {
                            // This replica's rows of the global batch: the same split on every replica.
                            int lo = share(count, sync.rank()), hi = share(count, sync.rank() + 1);
                            Tensor xb = hi > lo ? backend.gatherRows(xs, order, from + lo, hi - lo) : null;
                            Tensor yb = hi > lo ? backend.gatherRows(ys, order, from + lo, hi - lo) : null;
                            stepRow = from + lo;
                            r = replicaStep(xb, yb, lo, count);
                        }
                        if (!Double.isFinite(r.loss())) {
                            throw new TrainingDivergedException("loss became " + r.loss() + " at epoch " + (epoch + 1) + ", step " + (s + 1));
                        }
                        lossSum += r.loss() * count;
                        correct += r.correct();
                        seen += count;
                    }
                    progress.onBatchEnd(s + 1, steps, lossSum / seen, setup.task().classifies() ? (double) correct / seen : Double.NaN);
                }
                current = null;
                Map<String, Double> logs = new LinkedHashMap<>();
                logs.put("loss", lossSum / seen);
                if (setup.task().classifies()) logs.put("accuracy", (double) correct / seen);
                if (seenPredictions != null) {
                    if (sync != null) seenPredictions.gather(sync);
                    logs.putAll(seenPredictions.score(setup.task(), collected, ""));
                }
                if (validation != null) {
                    Evaluation v = evaluate(validation, Math.max(batchSize, 256));
                    logs.put("val_loss", v.loss());
                    if (setup.task().classifies()) logs.put("val_accuracy", v.accuracy());
                    for (var m : v.metrics().entrySet()) logs.put("val_" + m.getKey(), m.getValue());
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                logs.put("time", seconds);
                history.add(logs);
                progress.onEpochEnd(epoch, epochs, logs, seconds);
                for (Callback c : callbacks) c.onEpochEnd(epoch, logs, this);
            }
            if (sync != null) syncBuffers(); // replicas end with one model, whatever rank saves it
            history.setStoppedEarly(stopRequested);
            for (Callback c : callbacks) c.onTrainEnd(this, history);
            return history;
        } finally {
            if (resident) {
                backend.release(xs);
                backend.release(ys);
            }
        }
    }

    private void checkData(Dataset d, String what) {
        if (d.size() == 0) throw new IllegalArgumentException("the " + what + " data is empty");
        if (d.x().size() / d.size() != model.inputShape().size()) {
            throw new IllegalArgumentException("the " + what + " data has " + d.x().size() / d.size()
                    + " features per example, the model expects " + model.inputShape());
        }
    }

    /** Where replica k's rows of a global batch of {@code count} rows start (k = replicas gives the end). */
    private int share(int count, int k) { return (int) ((long) count * k / sync.replicas()); }

    /**
     * One step of a mirrored replica on its rows (none when the global batch has fewer rows than replicas): backward,
     * with each gradient handed to the sync as it is completed, and the update from the merged gradients; a
     * non-finite loss on any replica skips the update on all of them.
     */
    private StepResult replicaStep(Tensor xb, Tensor yb, int rowOffset, int globalRows) {
        List<Parameter> params = model.parameters();
        int local = xb == null ? 0 : xb.dim(0);
        try (Backends.Use use = Backends.use(backend); Tape tape = Tape.record()) {
            long step = globalStep++;
            Var loss = null;
            double[] sums = new double[3];
            if (local > 0) {
                Var logits = model.forward(Var.constant(xb), Context.replica(seed, step, rowOffset, globalRows, sync::sumStatistics));
                loss = setup.loss().compute(logits, yb);
                float l = backend.toHost(loss.value()).getFloat(0);
                sums[0] = (double) l * local;
                sums[1] = correct(logits.value(), yb);
                sums[2] = Float.isFinite(l) ? 0 : 1;
                if (current != null) current.put(stepRow, local, backend.toHost(activate(logits.value())));
            }
            // The sums travel with the gradients: one exchange per step. A non-finite loss anywhere is known to
            // every replica once it arrives, and every replica then skips the update.
            float scale = lossScaler == null ? 1f : lossScaler.scale();
            sync.beginStep(params, local, globalRows, sums);
            if (loss != null && sums[2] == 0) tape.backward(loss, scale, backend, leaf -> { if (leaf instanceof Parameter p) sync.ready(p); });
            sync.finishStep(sums);
            double globalLoss = sums[2] > 0 ? Double.NaN : sums[0] / globalRows;
            if (sums[2] == 0) {
                if (lossScaler == null) {
                    optimizer.step(backend, params);
                } else {
                    // Merged gradients are the same on every replica, so every replica decides the same.
                    boolean finite = true;
                    for (Parameter p : params) if (p.grad() != null && !backend.allFinite(p.grad())) finite = false;
                    if (lossScaler.update(finite)) {
                        for (Parameter p : params) if (p.grad() != null) backend.scaleInPlace(p.grad(), 1f / scale);
                        optimizer.step(backend, params);
                    }
                }
            }
            for (Parameter p : params) p.zeroGrad();
            return new StepResult(globalLoss, (int) Math.round(sums[1]));
        }
    }

    /** Loss and correct predictions of one training step. */
    public record StepResult(double loss, int correct) {}

    /**
     * One optimisation step on a batch already on the device: forward, backward, update. Everything it
     * allocates lives in the caller's memory scope. A non-finite loss skips the update.
     */
    public StepResult step(Tensor xb, Tensor yb) {
        List<Parameter> params = model.parameters();
        try (Backends.Use use = Backends.use(backend); Tape tape = Tape.record()) {
            Var logits = model.forward(Var.constant(xb), Context.training(seed, globalStep++));
            Var loss = setup.loss().compute(logits, yb);
            float l = backend.toHost(loss.value()).getFloat(0);
            if (Float.isFinite(l)) {
                if (lossScaler == null) {
                    tape.backward(loss, backend);
                    optimizer.step(backend, params);
                } else {
                    scaledUpdate(tape, loss, params);
                }
            }
            for (Parameter p : params) p.zeroGrad();
            if (current != null) current.put(stepRow, xb.dim(0), backend.toHost(activate(logits.value())));
            return new StepResult(l, correct(logits.value(), yb));
        }
    }

    /** float16: backward from the scaled loss; skip the update if any gradient overflowed, else unscale and apply it. */
    private void scaledUpdate(Tape tape, Var loss, List<Parameter> params) {
        float scale = lossScaler.scale();
        tape.backward(loss, scale, backend);
        boolean finite = true;
        for (Parameter p : params) if (p.grad() != null && !backend.allFinite(p.grad())) finite = false;
        if (lossScaler.update(finite)) {
            for (Parameter p : params) if (p.grad() != null) backend.scaleInPlace(p.grad(), 1f / scale);
            optimizer.step(backend, params);
        }
    }

    /**
     * Mean loss and accuracy in inference mode (dropout off, batch norm on running statistics). A mirrored replica
     * first takes rank 0's batch-norm statistics (each replica's moved with its own rows), evaluates its share of
     * the rows, and returns the group's figures.
     */
    public Evaluation evaluate(Dataset data, int batchSize) {
        // Metrics beyond accuracy score every row's prediction, kept in row order.
        List<dev.tuna.metrics.Metric> collected = setup.collected();
        EpochPredictions all = collected.isEmpty() ? null : new EpochPredictions(data.labels(), data.size(), outputWidth());
        if (all != null) all.startInOrder();
        if (sync == null) {
            Evaluation e = evaluate(data, 0, data.size(), batchSize, all);
            return all == null ? e : new Evaluation(e.loss(), e.accuracy(), e.samples(), all.score(setup.task(), collected, ""));
        }
        syncBuffers();
        int n = data.size();
        int lo = (int) ((long) n * sync.rank() / sync.replicas()), hi = (int) ((long) n * (sync.rank() + 1) / sync.replicas());
        Evaluation mine = hi > lo ? evaluate(data, lo, hi, batchSize, all) : new Evaluation(0, 0, 0);
        double[] sums = {mine.loss() * mine.samples(), mine.accuracy() * mine.samples(), mine.samples()};
        sync.sum(sums);
        Map<String, Double> metrics = Map.of();
        if (all != null) {
            all.gather(sync);
            metrics = all.score(setup.task(), collected, "");
        }
        return new Evaluation(sums[0] / sums[2], sums[1] / sums[2], (int) sums[2], metrics);
    }

    /** Makes this replica's model state that is not a parameter (batch-norm statistics) rank 0's. */
    private void syncBuffers() {
        java.util.Set<Tensor> params = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Parameter p : model.parameters()) params.add(p.value());
        List<Tensor> buffers = new java.util.ArrayList<>();
        for (Tensor t : model.stateDict().values()) if (!params.contains(t)) buffers.add(t);
        if (!buffers.isEmpty()) sync.broadcast(buffers);
    }

    private Evaluation evaluate(Dataset data, int start, int end, int batchSize, EpochPredictions keep) {
        int n = end - start;
        double lossSum = 0;
        long correct = 0;
        for (int from = start; from < end; from += batchSize) {
            int count = Math.min(batchSize, end - from);
            try (MemoryScope scope = MemoryScope.step(arena); Backends.Use use = Backends.use(backend)) {
                Tensor xb = backend.fromHost(data.x().rows(from, count));
                Tensor yb = backend.fromHost(data.y().rows(from, count));
                Var logits = model.forward(Var.constant(xb), Context.INFERENCE);
                Var loss = setup.loss().compute(logits, yb);
                lossSum += (double) backend.toHost(loss.value()).getFloat(0) * count;
                correct += correct(logits.value(), yb);
                if (keep != null) keep.put(from, count, backend.toHost(activate(logits.value())));
            }
        }
        return new Evaluation(lossSum / n, setup.task().classifies() ? (double) correct / n : Double.NaN, n);
    }

    /** Outputs per row after the task's activation: class probabilities, p(class 1), or the value. */
    private Tensor activate(Tensor outputs) {
        return switch (setup.task()) {
            case CLASSIFICATION -> backend.softmax(outputs);
            case BINARY -> backend.sigmoid(outputs);
            case REGRESSION -> outputs;
        };
    }

    /** Predictions per row: the model's outputs (one per class for a classifier, one otherwise). */
    private int outputWidth() { return (int) model.outputShape().size(); }

    /** Rows of the batch predicted right (0 for regression); binary: a positive logit predicts class 1. */
    private int correct(Tensor outputs, Tensor labels) {
        return switch (setup.task()) {
            case CLASSIFICATION -> backend.countCorrect(outputs, labels);
            case BINARY -> {
                float[] z = backend.toHost(outputs).toFloatArray();
                int[] y = backend.toHost(labels).toIntArray();
                int c = 0;
                for (int i = 0; i < y.length; i++) if ((z[i] > 0) == (y[i] == 1)) c++;
                yield c;
            }
            case REGRESSION -> 0;
        };
    }

    /**
     * Predictions for every row, in the given allocator, after the task's activation: class probabilities [n, classes],
     * p(class 1) [n, 1] for binary, values [n, 1] for regression.
     */
    public Tensor predict(Tensor x, int batchSize, SegmentAllocator out) {
        int n = x.dim(0);
        int classes = (int) model.outputShape().size();
        Tensor probs = Tensor.empty(dev.tuna.tensor.Shape.of(n, classes), DType.F32, out);
        for (int from = 0; from < n; from += batchSize) {
            int count = Math.min(batchSize, n - from);
            try (MemoryScope scope = MemoryScope.step(arena); Backends.Use use = Backends.use(backend)) {
                Tensor xb = backend.fromHost(x.rows(from, count));
                Var logits = model.forward(Var.constant(xb), Context.INFERENCE);
                Tensor p = backend.toHost(activate(logits.value()));
                probs.rows(from, count).copyFrom(p.dtype() == DType.F32 ? p : p.to(DType.F32));
            }
        }
        return probs;
    }

    /** Brings a model trained on a device back to the host (with its optimizer's slots) and frees their device memory. */
    @Override
    public void close() {
        if (onDevice) {
            java.util.function.UnaryOperator<Tensor> back = t -> {
                if (t.device().kind() == dev.tuna.tensor.Device.Kind.CPU) return t;
                Tensor h = Tensor.empty(t.shape(), t.dtype(), model.arena());
                backend.copyInto(t, h);
                backend.release(t);
                return h;
            };
            model.moveTo(back);
            if (optimizer != null) optimizer.moveSlots(back);
        }
        arena.close();
    }
}
