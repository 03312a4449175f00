package dev.lifeboat.cli;

import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.store.Store;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;

@Command(name = "list", description = "List restore points (every store), newest last: time, status, size, stores holding it.")
final class ListCommand extends StoreCommand {
    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        LifeboatProperties p = properties();
        List<Problem> problems = new ArrayList<>();
        StoreOptions.PerStore selected = options.perStore(p, problems);
        StoreOptions.report(problems);
        Map<BackupId, Manifest> manifests = new TreeMap<>();
        Map<BackupId, List<String>> where = new TreeMap<>();
        List<Object> storeErrors = new ArrayList<>();
        int failed = 0;
        for (Map.Entry<String, Store> s : selected.stores().entrySet()) {
            try {
                for (Manifest m : selected.recovery().apply(s.getValue()).list()) {
                    manifests.putIfAbsent(m.backupId(), m);
                    where.computeIfAbsent(m.backupId(), k -> new ArrayList<>()).add(s.getKey());
                }
            } catch (RuntimeException e) { // a bug in one store's client still leaves the others listed
                failed++;
                storeErrors.add(Map.of("store", s.getKey(), "message", Main.message(e)));
                err.println("lifeboat: store " + s.getKey() + ": " + Output.printable(Main.message(e)));
            }
        }
        if (main.json) {
            List<Object> list = new ArrayList<>();
            manifests.forEach((id, m) -> list.add(Output.summary(m, where.get(id))));
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("backups", list);
            o.put("storeErrors", storeErrors);
            out.println(Output.json(o));
        } else if (manifests.isEmpty()) {
            out.println("no backups");
        } else {
            out.printf("%-27s %-20s %-10s %10s  %s%n", "BACKUP", "STARTED (UTC)", "STATUS", "SIZE", "STORES");
            manifests.forEach((id, m) -> out.printf("%-27s %-20s %-10s %10s  %s%n", id, Output.time(m.startedAt()),
                    m.status(), Output.bytes(Output.size(m)), String.join(",", where.get(id))));
        }
        return failed > 0 && failed == selected.stores().size() ? Main.FAILURE : Main.OK;
    }
}
