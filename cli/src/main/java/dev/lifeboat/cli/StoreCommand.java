package dev.lifeboat.cli;

import picocli.CommandLine.Mixin;

/** A command that reads the stores ({@code --store}, and {@code --identity} where parts are encrypted). */
abstract class StoreCommand extends Subcommand {
    @Mixin
    StoreOptions options;
}
