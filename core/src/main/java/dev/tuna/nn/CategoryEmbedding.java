package dev.tuna.nn;

import dev.tuna.autograd.F;
import dev.tuna.autograd.Var;
import dev.tuna.backend.Backend;
import dev.tuna.backend.Backends;
import dev.tuna.backend.BinaryOp;
import dev.tuna.backend.UnaryOp;
import dev.tuna.tensor.Shape;
import dev.tuna.tensor.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Learns a vector per level of categorical input columns (an embedding lookup) and passes the other columns through:
 * the input is a flat row whose given columns hold category indices 0..levels-1 (as TabularPreprocessor's embedding
 * treatment writes them), and the output is the row with each such column replaced by its level's vector.
 *
 * <p>Built from ops every backend has, so it runs on the device without kernels of its own: a column is sliced out,
 * turned into a one-hot block as relu(1 - (index - k)^2) over k = 0..levels-1 (exactly 1 at the index and 0 at every
 * other integer), and multiplied by the column's [levels, width] table; the blocks and the passed-through slices are
 * concatenated. The gradient reaches the tables through the matmul (the one-hot rows pick the rows that get it) and
 * the concat. The one-hot block is computed outside autograd, which is why the layer must read the data itself (be
 * the first layer): indices have no gradient. An index outside 0..levels-1 gives a zero vector.
 */
public final class CategoryEmbedding extends Layer {
    /** An input column that holds category indices: its position in the row, its number of levels, its vector width. */
    public record Column(int index, int levels, int width) {
        public Column {
            if (index < 0) throw new IllegalArgumentException("embedding column index " + index + ": expected >= 0");
            if (levels < 1) throw new IllegalArgumentException("embedding column " + index + ": levels " + levels + ", expected >= 1");
            if (width < 1) throw new IllegalArgumentException("embedding column " + index + ": width " + width + ", expected >= 1");
        }
    }

    private final List<Column> columns;
    private final Initializer init;
    private int inputWidth;
    private final List<Parameter> tables = new ArrayList<>();
    private final List<Tensor> grids = new ArrayList<>();
    private Tensor one;

    public CategoryEmbedding(List<Column> columns, Initializer init) {
        if (columns.isEmpty()) throw new IllegalArgumentException("an embedding layer needs at least one categorical column");
        List<Column> sorted = new ArrayList<>(columns);
        sorted.sort(Comparator.comparingInt(Column::index));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).index() == sorted.get(i - 1).index()) {
                throw new IllegalArgumentException("embedding column " + sorted.get(i).index() + " is given twice");
            }
        }
        this.columns = List.copyOf(sorted);
        this.init = init;
    }

    public CategoryEmbedding(List<Column> columns) { this(columns, Initializer.GLOROT_UNIFORM); }

    /** A width for a column of this many levels when the job gives none: fast.ai's rule, min(600, round(1.6 * levels^0.56)). */
    public static int suggestedWidth(int levels) {
        return (int) Math.max(1, Math.min(600, Math.round(1.6 * Math.pow(levels, 0.56))));
    }

    @Override
    public Shape build(Shape in, Builder b) {
        if (in.rank() != 1) throw new IllegalArgumentException(name() + " expects flat rows of features, got " + in);
        inputWidth = in.dim(0);
        int out = inputWidth;
        for (Column c : columns) {
            if (c.index() >= inputWidth) {
                throw new IllegalArgumentException(name() + ": embedding column " + c.index() + " is outside the " + inputWidth + " input features");
            }
            tables.add(b.parameter(name() + "/embeddings_" + c.index(), Shape.of(c.levels(), c.width()), init));
            Tensor grid = b.state(Shape.of(c.levels()), 0f);
            for (int k = 0; k < c.levels(); k++) grid.setFloat(k, k);
            grids.add(grid);
            out += c.width() - 1;
        }
        one = b.state(Shape.of(1), 1f);
        return Shape.of(out);
    }

    @Override
    public Var forward(Var x, Context ctx) {
        if (x.requiresGrad()) {
            throw new IllegalArgumentException(name() + " reads category indices from the data: it must be the model's first layer");
        }
        Tensor xv = x.value();
        Backend be = Backends.of(xv.device());
        List<Var> parts = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            if (c.index() > next) parts.add(Var.constant(be.slice(xv, 1, next, c.index() - next)));
            Tensor z = be.binary(BinaryOp.SUB, be.slice(xv, 1, c.index(), 1), grids.get(i));
            Tensor oneHot = be.unary(UnaryOp.RELU, be.binary(BinaryOp.SUB, one, be.unary(UnaryOp.SQUARE, z)));
            parts.add(F.matmul(Var.constant(oneHot), tables.get(i)));
            next = c.index() + 1;
        }
        if (next < inputWidth) parts.add(Var.constant(be.slice(xv, 1, next, inputWidth - next)));
        return parts.size() == 1 ? parts.get(0) : F.concat(parts, 1);
    }

    @Override
    public List<Parameter> parameters() { return List.copyOf(tables); }

    @Override
    public void moveState(java.util.function.UnaryOperator<Tensor> move) {
        // the level grids and the one are constants, not checkpoint state, but they must sit on the inputs' device
        grids.replaceAll(move);
        one = move.apply(one);
    }

    public List<Column> columns() { return columns; }

    @Override
    public String baseName() { return "category_embedding"; }

    @Override
    public String describe() {
        StringBuilder s = new StringBuilder("CategoryEmbedding(");
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            s.append(i == 0 ? "" : ", ").append('#').append(c.index()).append(": ").append(c.levels()).append('x').append(c.width());
        }
        return s.append(')').toString();
    }
}
