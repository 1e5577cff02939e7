package dev.tuna.data.tabular;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a small table shaped like UCI Adult: numeric columns (one with missing values spelled "?" and "NA"), string
 * columns (one with missing values, one quoted with commas inside), and a two-class string label that depends on the
 * features, so a model can learn it.
 */
final class AdultLikeCsv {
    static final String[] WORKCLASS = {"Private", "Self-emp", "Federal-gov", "Local-gov"};
    static final String[] EDUCATION = {"Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"};
    static final String[] COUNTRY = {"United-States", "Mexico", "Korea, South", "Germany"};

    private AdultLikeCsv() {}

    static Path write(Path file, int rows, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder b = new StringBuilder("age,workclass,education,hours_per_week,country,income\n");
        for (int i = 0; i < rows; i++) {
            int age = 17 + rng.nextInt(60);
            String ageText = rng.nextInt(10) == 0 ? (rng.nextBoolean() ? "?" : "NA") : Integer.toString(age);
            String work = rng.nextInt(12) == 0 ? "?" : WORKCLASS[rng.nextInt(WORKCLASS.length)];
            int edu = rng.nextInt(EDUCATION.length);
            double hours = Math.round(rng.nextDouble(10, 80) * 10) / 10.0;
            String country = COUNTRY[rng.nextInt(COUNTRY.length)];
            double score = (age - 40) / 10.0 + (edu == 2 || edu == 3 ? 1.5 : 0) + (hours - 40) / 20.0 + rng.nextGaussian() * 0.5;
            b.append(ageText).append(',').append(work).append(',').append(EDUCATION[edu]).append(',').append(hours).append(',')
                    .append('"').append(country).append('"').append(',').append(score > 0.5 ? ">50K" : "<=50K").append('\n');
        }
        Files.writeString(file, b.toString());
        return file;
    }
}
