package dev.lifeboat.cli;

import dev.lifeboat.LifeboatProperties;
import dev.lifeboat.Recovery;
import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.ClockSkewException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.api.verify.VerifyLevel;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

@Command(name = "status", description = {"Backup age against the RPO (lifeboat.rpo), the latest result, and each store's state.",
    "The age is that of the newest successful backup whose parts are all in the store with their recorded sizes;",
    "newer ones that are not are reported as damaged.",
    "Exit 0 when that backup is within the RPO in every store and none is damaged, 1 otherwise."})
final class StatusCommand extends StoreCommand {
    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        LifeboatProperties p = properties();
        // read before any store is, all at once: a bad value is a usage error in every mode, not a store's failure
        List<Problem> problems = new ArrayList<>();
        Optional<Duration> rpo = Optional.ofNullable(StoreOptions.collect(p::rpo, problems)).flatMap(d -> d);
        Optional<Duration> rto = Optional.ofNullable(StoreOptions.collect(p::rto, problems)).flatMap(d -> d);
        StoreOptions.PerStore selected = options.perStore(p, problems);
        StoreOptions.report(problems);
        Instant now = Instant.now();
        boolean healthy = true;
        List<Object> storesJson = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Store> s : selected.stores().entrySet()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("store", s.getKey());
            o.put("location", s.getValue().describe());
            try {
                Recovery r = selected.recovery().apply(s.getValue());
                List<Manifest> all = r.list();
                Optional<Manifest> latest = all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
                // the newest successful backup whose parts are all there with their recorded sizes (a stat each):
                // a part deleted or truncated in the store must not count as a recent backup
                Optional<Manifest> lastGood = Optional.empty();
                List<Map<String, Object>> damaged = new ArrayList<>();
                List<String> damagedLines = new ArrayList<>();
                List<Manifest> successes = all.stream().filter(m -> m.status() == BackupStatus.SUCCESS).toList();
                for (int i = successes.size() - 1; i >= 0 && lastGood.isEmpty(); i--) {
                    Manifest m = successes.get(i);
                    VerificationReport v = r.verify(m.backupId(), VerifyLevel.STRUCTURE);
                    if (v.ok()) {
                        lastGood = Optional.of(m);
                    } else {
                        damaged(m.backupId(), v, damaged, damagedLines);
                    }
                }
                // a newer backup whose manifest does not read or verify (corrupt, unsigned, signed by a key this
                // machine does not trust) is missing from the list above; it must not leave an older one looking fine
                Set<BackupId> listed = all.stream().map(Manifest::backupId).collect(Collectors.toSet());
                for (BackupId id : r.ids()) {
                    if (!listed.contains(id) && (lastGood.isEmpty() || id.compareTo(lastGood.get().backupId()) > 0)) {
                        VerificationReport v = r.verify(id, VerifyLevel.STRUCTURE);
                        if (!v.ok()) {
                            damaged(id, v, damaged, damagedLines);
                        }
                    }
                }
                o.put("reachable", true);
                o.put("backups", all.size());
                latest.ifPresent(m -> {
                    o.put("latestBackupId", m.backupId().value());
                    o.put("latestStatus", m.status().name());
                    o.put("latestFinishedAt", m.finishedAt().toString());
                });
                // the data is as old as the backup's start (a dump's snapshot is taken then), whenever it finished
                Duration age = lastGood.map(m -> Duration.between(m.startedAt(), now)).map(d -> d.isNegative() ? Duration.ZERO : d)
                        .orElse(null);
                // a backup dated in the future says nothing about how recent the data is, and stops new backups
                // (LB-303): the clock of this machine or of the one that made it is wrong
                Instant furthest = null;
                if (latest.isPresent()) {
                    furthest = max(latest.get().backupId().timestamp(), latest.get().finishedAt());
                }
                if (lastGood.isPresent()) {
                    furthest = max(furthest, lastGood.get().finishedAt());
                }
                boolean future = furthest != null && furthest.isAfter(now.plus(ClockSkewException.TOLERANCE));
                boolean fresh = age != null && !future && (rpo.isEmpty() || age.compareTo(rpo.get()) <= 0);
                lastGood.ifPresent(m -> o.put("lastSuccessId", m.backupId().value()));
                o.put("lastSuccessAgeSeconds", age == null ? null : age.getSeconds());
                o.put("withinRpo", fresh);
                o.put("futureDated", future);
                o.put("damaged", damaged);
                healthy &= fresh && damaged.isEmpty();
                String state = future ? "SKEW" : !damaged.isEmpty() ? "DAMAGED" : fresh ? "OK" : "STALE";
                lines.add(String.format("  %-12s %-7s %s; %s", s.getKey(), state,
                        latest.map(m -> "latest " + m.backupId() + " " + m.status()).orElse("no backups"),
                        future ? "dated " + Output.duration(Duration.between(now, furthest))
                                + " in the future: a clock is wrong, and no backup is made until it is set right (LB-303)"
                        : age == null ? "no successful backup" : "last success " + Output.duration(age) + " ago"
                                + rpo.map(x -> " (RPO " + Output.duration(x) + ")").orElse("")));
                for (String d : damagedLines) {
                    lines.add(String.format("  %-12s %-7s %s; verify it, and restore from an older backup or another"
                            + " store", "", "", d));
                }
            } catch (RuntimeException e) { // a bug in one store's client still leaves the others reported
                healthy = false;
                o.put("reachable", false);
                o.put("error", Main.message(e));
                lines.add(String.format("  %-12s %-7s %s", s.getKey(), "DOWN", Output.printable(Main.message(e))));
            }
            storesJson.add(o);
        }
        if (main.json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("healthy", healthy);
            o.put("rpoSeconds", rpo.map(Duration::getSeconds).orElse(null));
            o.put("rtoSeconds", rto.map(Duration::getSeconds).orElse(null));
            o.put("stores", storesJson);
            out.println(Output.json(o));
        } else {
            out.println((healthy ? "OK" : "ATTENTION") + ": backups " + (healthy ? "are" : "are not") + " within the RPO"
                    + rpo.map(x -> " of " + Output.duration(x)).orElse(" (no lifeboat.rpo set: any successful backup counts)"));
            lines.forEach(out::println);
        }
        return healthy ? Main.OK : Main.FAILURE;
    }

    private static void damaged(BackupId id, VerificationReport v, List<Map<String, Object>> damaged, List<String> lines) {
        List<String> findings = v.findings().stream().map(f -> f.subject() + ": " + f.message()).toList();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("backupId", id.value());
        d.put("findings", findings);
        damaged.add(d);
        lines.add(id + " is damaged: " + Output.printable(String.join("; ", findings)));
    }

    private static Instant max(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }
}
