package dev.tuna.cli;

import java.util.List;

/** Left-aligned columns separated by two spaces, first row as the header, a rule under it. */
final class TextTable {
    private TextTable() {}

    static String render(List<List<String>> rows) {
        int cols = rows.stream().mapToInt(List::size).max().orElse(0);
        int[] w = new int[cols];
        for (List<String> r : rows) for (int i = 0; i < r.size(); i++) w[i] = Math.max(w[i], r.get(i).length());
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < rows.size(); k++) {
            List<String> r = rows.get(k);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(r.get(i));
                if (i < r.size() - 1) line.append(" ".repeat(w[i] - r.get(i).length() + 2));
            }
            b.append(line.toString().stripTrailing()).append('\n');
            if (k == 0) {
                int total = 0;
                for (int x : w) total += x + 2;
                b.append("-".repeat(Math.max(0, total - 2))).append('\n');
            }
        }
        return b.toString();
    }
}
