package dev.lifeboat.cli;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.catalog.PartInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "backup", description = {"Run a backup of every configured source to every store; prints the backup id.",
    "Exit 0 when SUCCESS, 3 when INCOMPLETE (published, but see its issues), 1 when it failed (nothing published)."})
final class BackupCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = new Progress(err, main.json);
        Lifeboat lifeboat = main.properties(err).toBuilder().listener(progress).build();
        BackupResult r;
        try {
            r = lifeboat.backupNow();
        } finally {
            progress.done();
        }
        if (main.json) {
            out.println(Output.json(Output.backup(r)));
        } else {
            out.println(r.id());
            err.printf("%s: %d parts, %s stored in %s%n", r.status(), r.parts().size(), Output.bytes(r.storedBytes()),
                    Output.duration(r.duration()));
            for (PartInfo p : r.parts()) {
                err.printf("  %-28s %10s%s%n", p.fileName(), Output.bytes(p.size()), p.encrypted() ? "  encrypted" : "");
            }
            r.manifest().issues().forEach(i -> err.println("  " + i));
        }
        return r.status() == BackupStatus.SUCCESS ? Main.OK : Main.FINDINGS;
    }

}
