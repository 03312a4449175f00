package dev.lifeboat.cli;

import dev.lifeboat.Lifeboat;
import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.catalog.PartInfo;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

@Command(name = "backup", description = {"Run a backup of every configured source to every store; prints the backup id.",
    "Exit 0 when SUCCESS, 3 when INCOMPLETE (published, but see its issues), 1 when it failed (nothing published)."})
final class BackupCommand extends Subcommand {
    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        Progress progress = new Progress(err, main.json);
        Lifeboat lifeboat = properties().toBuilder().listener(progress).build();
        BackupResult r;
        try (AbortOnSignal abort = new AbortOnSignal("backup", err)) {
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
            r.manifest().issues().forEach(i -> err.println("  " + Output.printable(i)));
        }
        return r.status() == BackupStatus.SUCCESS ? Main.OK : Main.FINDINGS;
    }

}
