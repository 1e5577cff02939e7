package dev.tuna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tuna.data.Safetensors;
import dev.tuna.tensor.Tensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tuna train --device cpu:0,1 (mirrored CPU replicas) against the same training on one replica. */
class MirroredCliTest {
    @TempDir
    Path tmp;

    private Path job() throws Exception {
        long seed = 11;
        StringBuilder s = new StringBuilder("f0,f1,f2,f3,f4,label\n");
        SplittableRandom rng = new SplittableRandom(seed);
        for (int r = 0; r < 500; r++) {
            int label = rng.nextInt(3);
            for (int j = 0; j < 5; j++) s.append(String.format("%.4f,", (label - 1) * (j == label ? 1.2 : 0.4) + rng.nextGaussian() * 0.6));
            s.append(label).append('\n');
        }
        Path csv = Files.writeString(tmp.resolve("data.csv"), s);
        return Files.writeString(tmp.resolve("job.yaml"), """
                data: {train: %s, test: %s, format: csv}
                validation: {fraction: 0.2}
                model:
                  type: mlp
                  layers:
                    - dense: {units: 32, activation: relu}
                    - dropout: 0.2
                    - dense: {units: 16, activation: relu}
                  optimizer: adam
                train: {epochs: 3, batch_size: 30, seed: 3}
                """.formatted(csv, csv));
    }

    /** The largest difference between two saved models' weights, which must have the same tensors. */
    private static double largestWeightDifference(Path a, Path b) {
        double worst = 0;
        try (Arena arena = Arena.ofConfined()) {
            Map<String, Tensor> wa = Safetensors.read(a, arena), wb = Safetensors.read(b, arena);
            assertEquals(wa.keySet(), wb.keySet());
            for (String k : wa.keySet()) {
                float[] x = wa.get(k).toFloatArray(), y = wb.get(k).toFloatArray();
                assertEquals(x.length, y.length, k);
                for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
            }
        }
        return worst;
    }

    private static double[] testScore(String out) {
        Matcher m = Pattern.compile("Test: accuracy ([0-9.]+) - loss ([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }

    @Test
    void twoAndThreeCpuReplicasTrainTheModelOneReplicaTrains() throws Exception {
        Path job = job();
        Path one = tmp.resolve("one.safetensors"), two = tmp.resolve("two.safetensors");
        CliTest.Run a = CliTest.run("train", job.toString(), "--device", "cpu", "--save", one.toString());
        assertEquals(0, a.code(), a.err());
        CliTest.Run b = CliTest.run("train", job.toString(), "--device", "cpu:0,1", "--save", two.toString(), "--bucket-mb", "0.001");
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("Mirrored: 2 CPU replicas"), b.out());
        // Printed once (rank 0), not once per replica.
        assertEquals(1, b.out().split("Test: accuracy", -1).length - 1, b.out());
        double[] sa = testScore(a.out()), sb = testScore(b.out());
        assertEquals(sa[1], sb[1], 1e-3, "test loss");
        assertEquals(0.0, largestWeightDifference(one, two), 1e-3, "every weight of 2 replicas against 1");
        CliTest.Run c = CliTest.run("train", job.toString(), "--device", "cpu:0,1,2");
        assertEquals(0, c.code(), c.err());
        assertEquals(sa[1], testScore(c.out())[1], 1e-3, "three replicas' test loss");
    }

    @Test
    void replicaSpellingsThatCannotWorkAreRefused() throws Exception {
        Path job = job();
        for (String[] bad : new String[][] {{"cpu:0,0", "listed twice"}, {"cpu:x", "cpu:0,1"}}) {
            CliTest.Run r = CliTest.run("train", job.toString(), "--device", bad[0]);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("--device " + bad[0]) && r.err().contains(bad[1]), r.err());
        }
        CliTest.Run small = CliTest.run("train", job.toString(), "--device", "cpu:0,1,2", "--set", "train.batch_size=2");
        assertEquals(2, small.code(), small.err());
        assertTrue(small.err().contains("train.batch_size 2 is smaller than the 3 replicas"), small.err());
        CliTest.Run bucket = CliTest.run("train", job.toString(), "--device", "cpu:0,1", "--bucket-mb", "0");
        assertEquals(2, bucket.code(), bucket.err());
        assertTrue(bucket.err().contains("--bucket-mb"), bucket.err());
    }

    @Test
    void tuneTrainsEachTrialOnMirroredReplicasWithDevicesPerTrial() throws Exception {
        Path job = job();
        String spec = Files.readString(job).replace("units: 32", "units: {int: [8, 32], step: 8}") + "tune: {oracle: random, max_trials: 2, objective: val_loss}\n";
        Files.writeString(job, spec);
        Path alone = tmp.resolve("alone"), mirrored = tmp.resolve("mirrored");
        CliTest.Run a = CliTest.run("tune", job.toString(), "--study", alone.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, a.code(), a.err());
        CliTest.Run b = CliTest.run("tune", job.toString(), "--study", mirrored.toString(), "--device", "cpu", "--devices-per-trial", "2");
        assertEquals(0, b.code(), b.err());
        try (var sa = dev.tuna.tune.study.StudyStore.open(alone, false); var sb = dev.tuna.tune.study.StudyStore.open(mirrored, false)) {
            var ta = sa.trials();
            var tb = sb.trials();
            assertEquals(2, tb.size());
            for (int i = 0; i < 2; i++) {
                assertEquals(ta.get(i).values(), tb.get(i).values());
                assertEquals(ta.get(i).objective(), tb.get(i).objective(), 1e-3, "trial " + (i + 1) + "'s val_loss");
                assertEquals(sa.epochs(i).size(), sb.epochs(i).size(), "epochs recorded once, by rank 0");
            }
        }
        CliTest.Run bad = CliTest.run("tune", job.toString(), "--study", tmp.resolve("bad").toString(), "--device", "cpu", "--devices-per-trial", "0");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--devices-per-trial 0"), bad.err());
    }

    /**
     * mpirun -np 2 of tuna train on loopback against the same training on two in-process replicas. tuna is started
     * through a shell script, as ./tuna is: Open MPI rewrites the arguments of a java it launches directly (it adds
     * its own class path for its Java bindings).
     */
    @Test
    void mpirunTwoRanksTrainsTheModelTwoInProcessReplicasTrain() throws Exception {
        Path job = job();
        Path inproc = tmp.resolve("inproc.safetensors"), mpi = tmp.resolve("mpi.safetensors");
        CliTest.Run a = CliTest.run("train", job.toString(), "--device", "cpu:0,1", "--save", inproc.toString());
        assertEquals(0, a.code(), a.err());
        Path log = tmp.resolve("mpirun.log");
        Process p = mpirun(log, "train", job.toString(), "--device", "cpu", "--save", mpi.toString());
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "mpirun still running after 300 s: " + Files.readString(log));
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("Mirrored: 2 MPI ranks"), text);
        assertEquals(1, text.split("Test: accuracy", -1).length - 1, "rank 0 alone prints: " + text);
        assertEquals(testScore(a.out())[1], testScore(text)[1], 1e-6, "test loss");
        // Two summands are added in the same order over MPI as in one process, so the weights agree to the bit.
        double worst = largestWeightDifference(inproc, mpi);
        System.out.println("mpirun -np 2 against two in-process replicas: largest weight difference " + worst);
        assertEquals(0.0, worst, 1e-6);
    }

    @Test
    void retrainOnTwoReplicasScoresWhatOneTrainerScores() throws Exception {
        Path job = job();
        Files.writeString(job, Files.readString(job) + "tune: {oracle: random, max_trials: 1}\n");
        Path study = tmp.resolve("study");
        assertEquals(0, CliTest.run("tune", job.toString(), "--study", study.toString(), "--device", "cpu", "--workers", "1").code());
        CliTest.Run one = CliTest.run("retrain", "--study", study.toString(), "--device", "cpu", "--top", "1", "--max-epochs", "4", "--patience", "2");
        assertEquals(0, one.code(), one.err());
        String first = one.out();
        CliTest.Run two = CliTest.run("retrain", "--study", study.toString(), "--device", "cpu:0,1", "--top", "1", "--max-epochs", "4", "--patience", "2");
        assertEquals(0, two.code(), two.err());
        // The table's test loss (the second number after the trial's values) agrees within the replicas' rounding.
        Matcher a = Pattern.compile("\\n1\\s+1\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+(\\d+)\\s+([0-9.]+)\\s+([0-9.]+)").matcher(first);
        Matcher b = Pattern.compile("\\n1\\s+1\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+(\\d+)\\s+([0-9.]+)\\s+([0-9.]+)").matcher(two.out());
        assertTrue(a.find(), first);
        assertTrue(b.find(), two.out());
        assertEquals(a.group(1), b.group(1), "best epoch");
        assertEquals(Double.parseDouble(a.group(4)), Double.parseDouble(b.group(4)), 1e-3, "test loss: " + first + two.out());
    }

    @Test
    void syncBatchNormFromTheJobFileTrainsWhatOneTrainerTrains() throws Exception {
        Path job = job();
        Files.writeString(job, Files.readString(job).replace("    - dropout: 0.2\n", "    - batch_norm: {sync: true}\n"));
        assertTrue(Files.readString(job).contains("sync: true"));
        CliTest.Run one = CliTest.run("train", job.toString(), "--device", "cpu");
        assertEquals(0, one.code(), one.err());
        assertTrue(one.out().contains("BatchNormalization(sync)"), one.out());
        CliTest.Run two = CliTest.run("train", job.toString(), "--device", "cpu:0,1");
        assertEquals(0, two.code(), two.err());
        assertEquals(testScore(one.out())[1], testScore(two.out())[1], 1e-3, "test loss");
        CliTest.Run bad = CliTest.run("train", job.toString().replace("job", "job"), "--device", "cpu", "--set", "model.layers[1].batch_norm.sync=maybe");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("sync"), bad.err());
    }

    /** mpirun -np 2 of tuna on loopback (shared memory without single copy, as containers allow), through a script. */
    private Process mpirun(Path log, String... args) throws Exception {
        Path mpirun = Path.of("/usr/bin/mpirun");
        assertTrue(Files.isExecutable(mpirun), "mpirun is missing: install openmpi-bin (.ci/run does)");
        StringBuilder javaCmd = new StringBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access")) javaCmd.append(' ').append(arg);
        }
        Path script = tmp.resolve("tuna.sh");
        Files.writeString(script, "#!/bin/sh\nexec " + javaCmd + " -Xmx512m -cp '" + System.getProperty("java.class.path") + "' " + Main.class.getName() + " \"$@\"\n");
        assertTrue(script.toFile().setExecutable(true));
        List<String> cmd = new java.util.ArrayList<>(List.of(mpirun.toString(), "-np", "2", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
                "--mca", "btl_vader_single_copy_mechanism", "none", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
        pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        return pb.start();
    }

    @Test
    void benchAllreduceUnderMpirunTimesTheMpiCommunicator() throws Exception {
        Path log = tmp.resolve("bench.log");
        Process p = mpirun(log, "bench", "allreduce", "--repeats", "1");
        assertTrue(p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS), "mpirun still running after 300 s: " + Files.readString(log));
        String text = Files.readString(log);
        assertEquals(0, p.exitValue(), text);
        assertEquals(1, text.split("communicator  ranks", -1).length - 1, "rank 0 alone prints the table: " + text);
        assertEquals(4, text.lines().filter(l -> l.startsWith("MPI           2")).count(), text);
    }
}
