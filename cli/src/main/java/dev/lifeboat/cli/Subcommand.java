package dev.lifeboat.cli;

import dev.lifeboat.LifeboatProperties;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every {@code lifeboat} command has: the global options ({@link Main}), its own output streams, and
 * {@code -h}/{@code --help} (the usage hints after a mistake promise it) and {@code -V}/{@code --version}, which picocli
 * inherits from this annotation.
 */
@Command(mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class)
abstract class Subcommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The {@code --config} file's properties; warnings (unknown keys) go to stderr. */
    LifeboatProperties properties() {
        return main.properties(err());
    }
}
