package dev.tuna.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.tune.study.StudyStore;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class StudyReportTest {
    @TempDir
    Path tmp;

    /** Chart name -> expected PNG size (the grids: hyperparameters has 4 panels of 400x300 in 3 columns). */
    private static final Map<String, int[]> SIZES = Map.of(
            "search", new int[] {900, 450},
            "learning_curves", new int[] {900, 760},
            "hyperparameters", new int[] {1200, 600},
            "importance", new int[] {800, 150 + 42 * 4},
            "ensemble", new int[] {900, 2 * (140 + 38 * 6)});

    @Test
    void writesEveryChartAsPngAndSvgAndOneSelfContainedPage() throws Exception {
        Path dir = tmp.resolve("study");
        ReportFixtures.study(dir, 25, 7, true);
        Path out = tmp.resolve("out");
        List<Path> files;
        try (StudyStore s = StudyStore.open(dir, false)) {
            files = StudyReport.write(s, out, 5);
        }
        assertEquals(out.resolve("report.html"), files.getLast());
        assertEquals(2 * SIZES.size() + 1, files.size(), files.toString());
        for (var e : SIZES.entrySet()) {
            Path png = out.resolve(e.getKey() + ".png");
            assertTrue(files.contains(png), png.toString());
            BufferedImage img = ImageIO.read(png.toFile());
            assertNotNull(img, png.toString());
            assertEquals(e.getValue()[0], img.getWidth(), png.toString());
            assertEquals(e.getValue()[1], img.getHeight(), png.toString());
            assertTrue(colours(img) > 3, png + " is (nearly) one colour");
            Path svg = out.resolve(e.getKey() + ".svg");
            assertTrue(files.contains(svg), svg.toString());
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
            assertEquals("svg", doc.getDocumentElement().getLocalName() == null ? doc.getDocumentElement().getTagName()
                    : doc.getDocumentElement().getLocalName());
        }
        String html = Files.readString(out.resolve("report.html"));
        assertFalse(html.contains("src=\"http"), "external image");
        assertFalse(html.contains("href=\"http"), "external link");
        assertFalse(html.contains("<?xml"), "an XML prolog inside the page");
        // Each chart inlined once: JFreeSVG prefixes its ids with the file name.
        for (String name : SIZES.keySet()) assertTrue(html.contains("id='" + name + "-clip-"), name + " not inlined");
        assertEquals(SIZES.size(), html.split("<svg", -1).length - 1);
        assertTrue(html.contains("&lt;fixture&gt; &amp; co.yaml"), "the spec file name, escaped");
        assertTrue(html.contains("xgboost &lt;depth 6&gt;"), "the ensemble member, escaped");
        assertTrue(html.contains("<th>test log-loss</th>") && html.contains("plain average") && html.contains("(best single)"));
        assertTrue(html.contains("+0.0150"), "the ensemble's gain over trial 3's 0.870");
        assertTrue(html.contains(StudyReport.esc(ParameterImportance.METHOD)), "the importance method");
        assertTrue(html.contains("<th>learning_rate</th>") && html.contains("<th>momentum</th>"));
    }

    @Test
    void withoutEnsembleTheSectionSaysHowToMakeOneAndNoChartIsDrawn() throws Exception {
        Path dir = tmp.resolve("study");
        ReportFixtures.study(dir, 6, 3, false);
        Path out = tmp.resolve("out");
        try (StudyStore s = StudyStore.open(dir, false)) {
            StudyReport.write(s, out, 3);
        }
        assertFalse(Files.exists(out.resolve("ensemble.png")));
        assertFalse(Files.exists(out.resolve("ensemble.svg")));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("No ensemble yet: run tuna ensemble --study"), html);
        assertTrue(Files.exists(out.resolve("importance.png")), "4 complete trials are enough for the importance");
    }

    @Test
    void tooFewTrialsForImportanceSaysWhy() throws Exception {
        Path dir = tmp.resolve("study");
        ReportFixtures.study(dir, 3, 3, false);
        Path out = tmp.resolve("out");
        try (StudyStore s = StudyStore.open(dir, false)) {
            StudyReport.write(s, out, 5);
        }
        assertFalse(Files.exists(out.resolve("importance.png")));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("Not computed: needs at least 4 complete trials, the study has 3"), html);
        assertTrue(Files.exists(out.resolve("search.png")) && Files.exists(out.resolve("learning_curves.svg")));
    }

    /** Distinct colours among a sample of pixels (capped): a chart has at least background, axes, data and text. */
    private static int colours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) seen.add(img.getRGB(x, y));
        return seen.size();
    }
}
