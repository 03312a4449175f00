package dev.lifeboat.cli;

import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.source.SourceKind;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = "Show a backup's manifest: parts, sizes, hashes, tool versions, row counts, issues.")
final class ShowCommand extends StoreCommand {
    @Parameters(paramLabel = "ID", description = "a backup id, or 'latest'")
    String id;

    @Override
    public Integer call() {
        PrintWriter out = out();
        Manifest m = StoreOptions.resolve(options.recovery(properties(), null), id);
        if (main.json) {
            out.println(Output.json(Output.manifest(m)));
            return Main.OK;
        }
        out.printf("Backup       %s%n", m.backupId());
        out.printf("Application  %s%n", Output.printable(m.application()));
        out.printf("Status       %s%n", m.status());
        out.printf("Started      %s (took %s)%n", Output.time(m.startedAt()), Output.duration(Duration.between(m.startedAt(), m.finishedAt())));
        out.printf("Host         %s, Lifeboat %s%n", Output.printable(m.host()), Output.printable(m.lifeboatVersion()));
        out.printf("Size         %s in %d parts%n", Output.bytes(Output.size(m)), m.parts().size());
        List<String> copies = Output.copyLines(m);
        for (int i = 0; i < copies.size(); i++) {
            out.printf("%-13s%s%n", i == 0 ? "Stores" : "", copies.get(i));
        }
        for (PartInfo p : m.parts()) {
            out.println();
            out.printf("  %s  (%s%s)%n", Output.printable(p.key()), Output.printable(p.format()),
                    p.encrypted() ? ", age-encrypted" : "");
            out.printf("    size %s, sha256 %s%n", Output.bytes(p.size()), Output.printable(p.sha256()));
            if (!p.tools().isEmpty()) {
                out.printf("    tools %s%n", Output.printable(p.tools()));
            }
            if (p.tree() != null && p.kind() == SourceKind.DATABASE) {
                out.printf("    database file of %s%n", Output.bytes(p.tree().bytes()));
            } else if (p.tree() != null) {
                out.printf("    %d files, %d directories, %d symlinks, %s%n", p.tree().files(), p.tree().directories(),
                        p.tree().symlinks(), Output.bytes(p.tree().bytes()));
            }
            for (Map.Entry<String, Long> e : p.rowCounts().entrySet()) {
                out.printf("    %-40s %,d rows%n", Output.printable(e.getKey()), e.getValue());
            }
            for (Issue i : p.issues()) {
                out.printf("    %s%n", Output.printable(i));
            }
        }
        return Main.OK;
    }
}
