package dev.lifeboat.cli;

import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.Recovery;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", description = {"Verify a backup: the manifest (and its signature) and every part's presence and size;",
    "with --content, re-read and re-hash every part (and decrypt it with --identity). Exit 3 on any finding."})
final class VerifyCommand extends StoreCommand {
    @Parameters(paramLabel = "ID", description = "a backup id, or 'latest'")
    String id;

    @Option(names = "--content", description = "read back and re-hash every part (default: structure only)")
    boolean content;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        Progress progress = new Progress(err, main.json);
        // with --store, that store's copy and no other: a copy missing or unreadable there must not pass as checked
        // because another store holds a good one
        LifeboatProperties p = properties();
        Recovery recovery;
        if (options.store == null) {
            recovery = options.recovery(p, progress);
        } else {
            List<Problem> problems = new ArrayList<>();
            StoreOptions.PerStore selected = options.perStore(p, problems);
            StoreOptions.report(problems);
            recovery = selected.recovery().apply(selected.stores().get(options.store)).withListener(progress);
        }
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
            out.printf("%s %s: %s (%d parts, %s read in %s, in %s)%n", r.level(), r.backupId(),
                    r.ok() ? "OK" : r.findings().size() + " findings", r.partsChecked(), Output.bytes(r.bytesRead()),
                    Output.duration(r.duration()), r.store());
            for (Finding f : r.findings()) {
                out.println("  " + Output.printable(f));
            }
        }
        return r.ok() ? Main.OK : Main.FINDINGS;
    }
}
