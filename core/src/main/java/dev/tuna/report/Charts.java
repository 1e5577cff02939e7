package dev.tuna.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/**
 * The report's charts (JFreeChart) and their files: each drawing is written as NAME.png (for viewers and
 * slides) and NAME.svg (scalable, inlined into report.html). The builders take plain data so that the study
 * reading stays in {@link StudyReport}. Charts are drawn headless: no display is needed or touched.
 */
public final class Charts {
    static {
        // Before any AWT class initialises: reports are made on servers and in CI, without a display.
        System.setProperty("java.awt.headless", "true");
    }

    /** Tableau's ten colours: distinct, colour-blind friendly enough, and the same in every chart. */
    static final Color[] PALETTE = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2),
            new Color(0x59A14F), new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F), new Color(0xBAB0AC)};
    private static final Color GRID = new Color(0xDDDDDD);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 13);

    private Charts() {}

    /** A point of a chart series. */
    public record Point(double x, double y) {}

    /** One line of a learning-curve chart: a label (trial and objective) and per metric the values by epoch. */
    public record Curve(String label, Map<String, List<Point>> byMetric) {}

    /** One bar of a bar chart; kind picks its colour. */
    public record Bar(String label, double value, String kind) {}

    // ---- builders ----------------------------------------------------------------------------------------

    /**
     * The search: each complete trial's objective by trial number, failed trials as crosses along the bottom,
     * and the best value so far as a step line (best meaning higher or lower as the objective says).
     */
    public static JFreeChart search(String metric, boolean maximize, List<Point> complete, List<Integer> failedNumbers) {
        XYSeries points = new XYSeries("complete trial");
        XYSeries best = new XYSeries("best so far (" + (maximize ? "max" : "min") + ")");
        double bestY = Double.NaN, lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Point p : complete) {
            points.add(p.x(), p.y());
            if (Double.isNaN(bestY) || (maximize ? p.y() > bestY : p.y() < bestY)) bestY = p.y();
            best.add(p.x(), bestY);
            lo = Math.min(lo, p.y());
            hi = Math.max(hi, p.y());
        }
        double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.01, 1e-3);
        XYSeries failed = new XYSeries("failed trial");
        for (int n : failedNumbers) failed.add(n, lo - pad * 0.5);

        NumberAxis x = integerAxis("trial");
        NumberAxis y = valueAxis(metric);
        y.setRange(lo - pad, hi + pad);
        XYPlot plot = new XYPlot(new XYSeriesCollection(best), x, y, null);
        XYStepRenderer step = new XYStepRenderer();
        step.setSeriesPaint(0, PALETTE[1]);
        step.setSeriesStroke(0, new BasicStroke(2f));
        plot.setRenderer(0, step);
        plot.setDataset(1, new XYSeriesCollection(points));
        plot.setRenderer(1, dots(PALETTE[0], new Ellipse2D.Double(-4, -4, 8, 8)));
        if (!failedNumbers.isEmpty()) {
            plot.setDataset(2, new XYSeriesCollection(failed));
            plot.setRenderer(2, dots(PALETTE[2], cross(5)));
        }
        return chart("Search: " + metric + " per trial (" + complete.size() + " complete, " + failedNumbers.size() + " failed)", plot, true);
    }

    /** Learning curves: one subplot per metric sharing the epoch axis, one coloured line per trial in all of them. */
    public static JFreeChart learningCurves(List<String> metrics, List<Curve> curves) {
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(integerAxis("epoch"));
        combined.setGap(12);
        for (int m = 0; m < metrics.size(); m++) {
            String metric = metrics.get(m);
            XYSeriesCollection data = new XYSeriesCollection();
            XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
            for (int c = 0; c < curves.size(); c++) {
                XYSeries s = new XYSeries(curves.get(c).label(), false, true);
                for (Point p : curves.get(c).byMetric().getOrDefault(metric, List.of())) if (Double.isFinite(p.y())) s.add(p.x(), p.y());
                data.addSeries(s);
                r.setSeriesPaint(c, PALETTE[c % PALETTE.length]);
                r.setSeriesShape(c, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
                r.setSeriesStroke(c, new BasicStroke(1.6f));
            }
            r.setDefaultSeriesVisibleInLegend(m == 0); // the same trials in every subplot: one legend entry each
            XYPlot sub = new XYPlot(data, null, valueAxis(metric), r);
            style(sub);
            combined.add(sub, 1);
        }
        return chart("Learning curves of the best " + curves.size() + " trials (mean over executions)", combined, true);
    }

    /**
     * One hyperparameter against the objective. Numeric values are a scatter (log axis when logScale); categories
     * (non-null) are a jittered scatter over named positions. The best trial's point is drawn in red.
     */
    public static JFreeChart parameter(String name, String metric, List<Object> values, List<Double> objective, int bestIndex,
                                       List<String> categories, boolean logScale, int inactive) {
        XYSeries all = new XYSeries("trial", false, true);
        XYSeries best = new XYSeries("best", false, true);
        SplittableRandom jitter = new SplittableRandom(name.hashCode());
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            if (v == null) continue;
            double x = categories != null ? categories.indexOf(String.valueOf(v)) + (jitter.nextDouble() - 0.5) * 0.3
                    : ((Number) v).doubleValue();
            (i == bestIndex ? best : all).add(x, objective.get(i));
        }
        ValueAxis xAxis;
        if (categories != null) {
            SymbolAxis s = new SymbolAxis(null, categories.toArray(String[]::new));
            s.setGridBandsVisible(false);
            s.setRange(-0.6, categories.size() - 0.4);
            xAxis = s;
        } else if (logScale) {
            LogAxis l = new LogAxis(null);
            l.setBase(10);
            l.setSmallestValue(1e-300);
            // Ticks at whole decades (1E-4, 1E-3, ...): the default picks unreadable ones such as 3.16E-4.
            l.setTickUnit(new NumberTickUnit(1.0), false, true);
            l.setNumberFormatOverride(new DecimalFormat("0E0"));
            xAxis = l;
        } else {
            NumberAxis n = new NumberAxis(null);
            n.setAutoRangeIncludesZero(false);
            boolean integers = values.stream().allMatch(v -> v == null || v instanceof Long || v instanceof Integer);
            if (integers) n.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            xAxis = n;
        }
        xAxis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        NumberAxis y = valueAxis(metric);
        XYSeriesCollection data = new XYSeriesCollection(all);
        data.addSeries(best);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        r.setSeriesPaint(0, new Color(0x4E, 0x79, 0xA7, 170));
        r.setSeriesShape(0, new Ellipse2D.Double(-3.5, -3.5, 7, 7));
        r.setSeriesPaint(1, PALETTE[2]);
        r.setSeriesShape(1, new Ellipse2D.Double(-5, -5, 10, 10));
        XYPlot plot = new XYPlot(data, xAxis, y, r);
        String title = name + (logScale ? " (log scale)" : "") + (inactive > 0 ? " [" + inactive + " inactive]" : "");
        JFreeChart c = chart(title, plot, false);
        c.getTitle().setFont(PANEL_TITLE);
        return c;
    }

    /** Importance shares as horizontal bars, largest at the top, labelled in percent. */
    public static JFreeChart importance(Map<String, Double> shares, boolean signal) {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        shares.forEach((k, v) -> ds.addValue(v, "share", k));
        CategoryPlot plot = barPlot(ds, "hyperparameter", "share of importance", List.of(), new DecimalFormat("0%"));
        double max = shares.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        plot.getRangeAxis().setRange(0, max * 1.12 + 0.02); // room for the label of the longest bar
        ((NumberAxis) plot.getRangeAxis()).setNumberFormatOverride(new DecimalFormat("0%"));
        return chart(signal ? "Hyperparameter importance (random-forest permutation importance)"
                : "Hyperparameter importance: no parameter stood out (equal shares)", plot, false);
    }

    /** Horizontal bars, one colour per kind (see {@link #kindColor}), with values printed at the bar ends. */
    public static JFreeChart bars(String title, String valueLabel, List<Bar> bars, DecimalFormat format, double lower, double upper) {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (Bar b : bars) ds.addValue(b.value(), "value", b.label());
        CategoryPlot plot = barPlot(ds, null, valueLabel, bars.stream().map(b -> kindColor(b.kind())).toList(), format);
        plot.getRangeAxis().setRange(lower, upper);
        return chart(title, plot, false);
    }

    /** The bar colour of a member kind or a summary row. */
    static Color kindColor(String kind) {
        return switch (kind == null ? "" : kind) {
            case "neural" -> PALETTE[0];
            case "gbt" -> PALETTE[4];
            case "random_forest" -> PALETTE[3];
            case "average" -> PALETTE[9];
            case "ensemble" -> PALETTE[1];
            default -> PALETTE[6];
        };
    }

    // ---- files ---------------------------------------------------------------------------------------------

    /** Writes one chart as dir/NAME.png and dir/NAME.svg, w x h pixels; returns both paths. */
    public static List<Path> write(JFreeChart chart, int w, int h, Path dir, String name) {
        try {
            Path png = dir.resolve(name + ".png");
            ChartUtils.saveChartAsPNG(png.toFile(), chart, w, h);
            return List.of(png, writeSvg(dir, name, w, h, g -> chart.draw(g, new Rectangle(0, 0, w, h))));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes several charts as one image, a grid of cols columns of panelW x panelH panels (row by row), as
     * dir/NAME.png and dir/NAME.svg; returns both paths.
     */
    public static List<Path> writeGrid(List<JFreeChart> charts, int cols, int panelW, int panelH, Path dir, String name) {
        int rows = (charts.size() + cols - 1) / cols;
        int w = cols * panelW, h = rows * panelH;
        Painter paint = g -> {
            g.setPaint(Color.WHITE);
            g.fillRect(0, 0, w, h);
            for (int i = 0; i < charts.size(); i++) {
                charts.get(i).draw(g, new Rectangle((i % cols) * panelW, (i / cols) * panelH, panelW, panelH));
            }
        };
        try {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            paint.draw(g);
            g.dispose();
            Path png = dir.resolve(name + ".png");
            if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer");
            return List.of(png, writeSvg(dir, name, w, h, paint));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write " + name + ": " + e.getMessage(), e);
        }
    }

    private interface Painter {
        void draw(Graphics2D g);
    }

    /**
     * An SVG with a viewBox, so that report.html can scale it to the page width; element ids get the file name
     * as prefix, so that several SVGs inlined in one page do not share clip-path ids.
     */
    private static Path writeSvg(Path dir, String name, int w, int h, Painter paint) throws IOException {
        SVGGraphics2D g = new SVGGraphics2D(w, h);
        g.setDefsKeyPrefix(name.replaceAll("[^A-Za-z0-9_-]", "_") + "-");
        paint.draw(g);
        String svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + g.getSVGElement(null, true, new ViewBox(0, 0, w, h), null, null) + "\n";
        Path file = dir.resolve(name + ".svg");
        Files.writeString(file, svg, StandardCharsets.UTF_8);
        return file;
    }

    // ---- styling -------------------------------------------------------------------------------------------

    private static JFreeChart chart(String title, org.jfree.chart.plot.Plot plot, boolean legend) {
        if (plot instanceof XYPlot xy) style(xy);
        JFreeChart c = new JFreeChart(title, TITLE, plot, legend);
        c.setBackgroundPaint(Color.WHITE);
        c.setPadding(new RectangleInsets(6, 6, 6, 10));
        if (legend) c.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
        ((TextTitle) c.getTitle()).setPaint(new Color(0x333333));
        return c;
    }

    private static void style(XYPlot p) {
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(GRID);
        p.setRangeGridlinePaint(GRID);
        p.setOutlinePaint(new Color(0xAAAAAA));
    }

    private static CategoryPlot barPlot(DefaultCategoryDataset ds, String categoryLabel, String valueLabel, List<Color> colors, DecimalFormat format) {
        CategoryAxis cat = new CategoryAxis(categoryLabel);
        cat.setCategoryMargin(0.25);
        cat.setMaximumCategoryLabelWidthRatio(0.45f); // long member names wrap instead of squeezing the bars
        NumberAxis val = new NumberAxis(valueLabel);
        BarRenderer r = new BarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return column < colors.size() ? colors.get(column) : PALETTE[0];
            }
        };
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setMaximumBarWidth(0.12);
        r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", format));
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        // Values just after the bar's end, rather than floating over its middle.
        r.setDefaultPositiveItemLabelPosition(new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        r.setItemLabelAnchorOffset(4);
        CategoryPlot plot = new CategoryPlot(ds, cat, val, r);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlinePaint(new Color(0xAAAAAA));
        return plot;
    }

    private static XYLineAndShapeRenderer dots(Color c, Shape shape) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        r.setSeriesPaint(0, c);
        r.setSeriesShape(0, shape);
        return r;
    }

    private static Shape cross(double s) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(-s, -s);
        p.lineTo(s, s);
        p.moveTo(-s, s);
        p.lineTo(s, -s);
        return new BasicStroke(2f).createStrokedShape(p);
    }

    private static NumberAxis integerAxis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        a.setAutoRangeIncludesZero(false);
        return a;
    }

    private static NumberAxis valueAxis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setAutoRangeIncludesZero(false);
        return a;
    }
}
