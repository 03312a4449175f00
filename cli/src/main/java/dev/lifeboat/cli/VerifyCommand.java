package dev.lifeboat.cli;

import dev.lifeboat.Recovery;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "verify", description = {"Verify a backup: the manifest (and its signature) and every part's presence and size;",
    "with --content, re-read and re-hash every part (and decrypt it with --identity). Exit 3 on any finding."})
final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions options;

    @Parameters(paramLabel = "ID", description = "a backup id, or 'latest'")
    String id;

    @Option(names = "--content", description = "read back and re-hash every part (default: structure only)")
    boolean content;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err, main.json);
        Recovery recovery = options.recovery(main.properties(err), progress);
        Manifest m = StoreOptions.resolve(recovery, id);
        VerificationReport r;
        try {
            r = recovery.verify(m.backupId(), content ? VerifyLevel.CONTENT : VerifyLevel.STRUCTURE);
        } finally {
            progress.done();
        }
        if (main.json) {
            out.println(Output.json(Output.verification(r)));
        } else {
            out.printf("%s %s: %s (%d parts, %s read in %s)%n", r.level(), r.backupId(), r.ok() ? "OK" : r.findings().size() + " findings",
                    r.partsChecked(), Output.bytes(r.bytesRead()), Output.duration(r.duration()));
            for (Finding f : r.findings()) {
                out.println("  " + f);
            }
        }
        return r.ok() ? Main.OK : Main.FINDINGS;
    }
}
