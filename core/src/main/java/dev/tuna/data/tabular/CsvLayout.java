package dev.tuna.data.tabular;

import java.util.List;

/**
 * How a delimited text file lays out its table: lines to skip before it, whether its first line is a header, the
 * column names when it has none, and the delimiter.
 *
 * <p>scikit-learn's bundled files need this: {@code breast_cancer.csv}, {@code wine_data.csv} and {@code iris.csv}
 * open with a line of counts and class names, not a header ({@code skipLines 1, header false} and the names);
 * {@code boston_house_prices.csv} has the counts line, then a header ({@code skipLines 1}); {@code
 * diabetes_data_raw.csv.gz} is gzipped, space-separated and headerless ({@code delimiter ' '}).
 *
 * @param skipLines lines read and ignored before the header or the first row (blank lines among them count)
 * @param header whether the first line after them names the columns
 * @param names the column names of a file without a header; null there names them {@code c0, c1, ...}
 * @param delimiter the field separator; a space means any run of spaces and tabs (fields then cannot be quoted)
 */
public record CsvLayout(int skipLines, boolean header, List<String> names, char delimiter) {
    /** A comma-separated file whose first line is its header. */
    public static final CsvLayout DEFAULT = new CsvLayout(0, true, null, ',');

    public CsvLayout {
        if (skipLines < 0) throw new IllegalArgumentException("skip_lines " + skipLines + ": expected a number >= 0");
        if (header && names != null) throw new IllegalArgumentException("column names are for a file without a header");
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("delimiter " + (int) delimiter + ": a quote or line break cannot separate fields");
        }
        names = names == null ? null : List.copyOf(names);
    }

    public CsvLayout withSkipLines(int n) { return new CsvLayout(n, header, names, delimiter); }

    /** No header line: the columns take these names (null: c0, c1, ...). */
    public CsvLayout withoutHeader(List<String> columnNames) { return new CsvLayout(skipLines, false, columnNames, delimiter); }

    public CsvLayout withDelimiter(char d) { return new CsvLayout(skipLines, header, names, d); }
}
