package dev.tuna.cli;

import picocli.CommandLine.Option;

/** Flags every subcommand takes: device, precision, seed, verbosity. */
public final class CommonOptions {
    @Option(names = "--device", description = "cpu, cuda:N, cuda:all or auto (default: ${DEFAULT-VALUE})", defaultValue = "auto")
    String device;

    @Option(names = "--precision", description = "float32, mixed_float16 or mixed_bfloat16 (default: ${DEFAULT-VALUE})", defaultValue = "float32")
    String precision;

    @Option(names = "--seed", description = "random seed; overrides train.seed in the spec")
    Long seed;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;
}
