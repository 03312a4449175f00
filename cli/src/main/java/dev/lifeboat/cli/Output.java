package dev.lifeboat.cli;

import dev.lifeboat.api.BackupResult;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreResult;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.verify.Finding;
import dev.lifeboat.api.verify.VerificationReport;
import dev.lifeboat.internal.Text;
import dev.lifeboat.internal.catalog.ManifestCodec;
import dev.lifeboat.internal.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Human and JSON renderings of Lifeboat's results. The JSON shapes are documented in docs/cli.md. */
final class Output {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private Output() {}

    static String json(Object value) {
        return Json.write(value).stripTrailing();
    }

    /**
     * {@code s} with control and format characters shown as {@code ?}: file and table names come from the
     * backed-up system, and manifests and error texts from the store, and neither an escape sequence (C0 or C1,
     * such as U+009B) nor a bidi override in one may reach the operator's terminal.
     */
    static String printable(Object s) {
        return Text.printable(String.valueOf(s));
    }

    static String time(Instant i) {
        return TIME.format(i);
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        double v = b;
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(Duration d) {
        long s = d.getSeconds();
        if (s < 60) {
            return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
        }
        if (s < 3600) {
            return (s / 60) + "m" + (s % 60 > 0 ? (s % 60) + "s" : "");
        }
        if (s < 172800) {
            return (s / 3600) + "h" + (s % 3600 >= 60 ? ((s % 3600) / 60) + "m" : "");
        }
        return (s / 86400) + "d" + (s % 86400 >= 3600 ? ((s % 86400) / 3600) + "h" : "");
    }

    static long size(Manifest m) {
        return m.parts().stream().mapToLong(PartInfo::size).sum();
    }

    /** A part as the manifest records it, less its checkpoints (a list that grows with the part's size). */
    static Map<String, Object> part(PartInfo p) {
        return ManifestCodec.part(p, false);
    }

    static Map<String, Object> summary(Manifest m, List<String> stores) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("backupId", m.backupId().value());
        o.put("application", m.application());
        o.put("status", m.status().name());
        o.put("startedAt", m.startedAt().toString());
        o.put("finishedAt", m.finishedAt().toString());
        o.put("size", size(m));
        o.put("parts", m.parts().size());
        if (stores != null) {
            o.put("stores", stores);
        }
        return o;
    }

    static Map<String, Object> manifest(Manifest m) {
        Map<String, Object> o = summary(m, null);
        o.put("host", m.host());
        o.put("lifeboatVersion", m.lifeboatVersion());
        List<Object> parts = new ArrayList<>();
        m.parts().forEach(p -> parts.add(part(p)));
        o.put("parts", parts);
        copies(m, o);
        return o;
    }

    static Map<String, Object> backup(BackupResult r) {
        Map<String, Object> o = summary(r.manifest(), null);
        o.put("durationMillis", r.duration().toMillis());
        List<Object> parts = new ArrayList<>();
        r.parts().forEach(p -> parts.add(part(p)));
        o.put("parts", parts);
        copies(r.manifest(), o);
        return o;
    }

    /** The outcome in each store, as the manifest records it (only backups made with named or several stores). */
    private static void copies(Manifest m, Map<String, Object> o) {
        if (!m.stores().isEmpty()) {
            o.put("copies", ManifestCodec.encodeStores(m.stores()));
        }
    }

    /** One line per store copy for the human form, e.g. {@code offsite      FAILED: …} or {@code local        complete}. */
    static List<String> copyLines(Manifest m) {
        List<String> lines = new ArrayList<>();
        for (StoreCopy c : m.stores()) {
            lines.add(String.format("%-12s %s%s%s", printable(c.name()), c.complete() ? "complete" : "FAILED",
                    c.required() ? "" : " (optional)", c.error() == null ? "" : ": " + printable(c.error())));
        }
        return lines;
    }

    /** The JSON form of an error: {@code {"error": "NOT_FOUND", "code": "LB-301", "message": "…"}}. */
    static Map<String, Object> error(ErrorCode code, String message) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("error", code.name());
        o.put("code", code.id());
        o.put("message", message);
        return o;
    }

    static Map<String, Object> verification(VerificationReport r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("backupId", r.backupId().value());
        o.put("level", r.level().name());
        o.put("ok", r.ok());
        o.put("partsChecked", r.partsChecked());
        o.put("bytesRead", r.bytesRead());
        o.put("durationMillis", r.duration().toMillis());
        o.put("store", r.store());
        List<Object> findings = new ArrayList<>();
        for (Finding f : r.findings()) {
            Map<String, Object> finding = new LinkedHashMap<>();
            finding.put("type", f.type().name());
            finding.put("subject", f.subject());
            finding.put("message", f.message());
            findings.add(finding);
        }
        o.put("findings", findings);
        return o;
    }

    static Map<String, Object> restore(RestoreResult r) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("part", r.part());
        o.put("target", r.target());
        o.put("bytesRead", r.bytesRead());
        o.put("durationMillis", r.duration().toMillis());
        o.put("store", r.store());
        if (!r.rowCounts().isEmpty()) {
            o.put("rowCounts", new LinkedHashMap<>(r.rowCounts()));
        }
        if (r.tree() != null) {
            Map<String, Object> tree = new LinkedHashMap<>();
            tree.put("files", r.tree().files());
            tree.put("directories", r.tree().directories());
            tree.put("symlinks", r.tree().symlinks());
            tree.put("bytes", r.tree().bytes());
            o.put("tree", tree);
        }
        o.put("matchesManifest", r.matchesManifest());
        o.put("mismatches", r.mismatches());
        return o;
    }
}
