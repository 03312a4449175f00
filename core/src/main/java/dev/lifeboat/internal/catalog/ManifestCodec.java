package dev.lifeboat.internal.catalog;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.catalog.Checkpoints;
import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.catalog.TreeStats;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.internal.json.Json;
import dev.lifeboat.internal.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and writes {@code manifest.json} (storage format version 1, documented in docs/storage-format.md). */
public final class ManifestCodec {
    /** The value of the {@code format} field, so a manifest is recognisable on its own. */
    public static final String FORMAT = "lifeboat-manifest";
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern PART_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern PART_FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private ManifestCodec() {}

    public static byte[] encode(Manifest m) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", FORMAT);
        root.put("formatVersion", m.formatVersion());
        root.put("backupId", m.backupId().value());
        root.put("application", m.application());
        root.put("status", m.status().name());
        root.put("startedAt", m.startedAt().toString());
        root.put("finishedAt", m.finishedAt().toString());
        root.put("host", m.host());
        root.put("lifeboatVersion", m.lifeboatVersion());
        if (m.signedBy() != null) {
            root.put("signedBy", m.signedBy()); // covered by the signature: stripping it is detected
        }
        List<Object> parts = new ArrayList<>();
        for (PartInfo p : m.parts()) {
            parts.add(part(p));
        }
        root.put("parts", parts);
        if (!m.stores().isEmpty()) {
            root.put("stores", encodeStores(m.stores()));
        }
        return Json.write(root).getBytes(StandardCharsets.UTF_8);
    }

    private static List<StoreCopy> stores(JsonObject o) {
        List<StoreCopy> out = new ArrayList<>();
        int i = 0;
        for (Object so : o.optArray("stores")) {
            JsonObject c = JsonObject.of(so, "manifest.stores[" + i++ + "]");
            out.add(new StoreCopy(c.string("name"), c.string("location"), c.bool("complete"), c.bool("required"),
                    c.has("error") ? c.string("error") : null));
        }
        return out;
    }

    /** The outcome in each store as written in the manifest (also the CLI's JSON form of it). */
    public static List<Object> encodeStores(List<StoreCopy> copies) {
        List<Object> stores = new ArrayList<>();
        for (StoreCopy c : copies) {
            Map<String, Object> so = new LinkedHashMap<>();
            so.put("name", c.name());
            so.put("location", c.location());
            so.put("complete", c.complete());
            so.put("required", c.required());
            if (c.error() != null) {
                so.put("error", c.error());
            }
            stores.add(so);
        }
        return stores;
    }

    /** A part as written in the manifest. */
    public static Map<String, Object> part(PartInfo p) {
        return part(p, true);
    }

    /**
     * A part as written in the manifest, or, without its checkpoints (a list that grows with the part's size), as
     * the CLI shows it.
     */
    public static Map<String, Object> part(PartInfo p, boolean withCheckpoints) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", p.name());
        o.put("kind", p.kind().name().toLowerCase(Locale.ROOT));
        o.put("format", p.format());
        o.put("key", p.key());
        o.put("size", p.size());
        o.put("sha256", p.sha256());
        o.put("plaintextSize", p.plaintextSize());
        o.put("plaintextSha256", p.plaintextSha256());
        o.put("encrypted", p.encrypted());
        if (withCheckpoints && p.checkpoints() != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("every", p.checkpoints().every());
            c.put("sha256", new ArrayList<>(p.checkpoints().sha256()));
            o.put("checkpoints", c);
        }
        if (!p.recipients().isEmpty()) {
            o.put("recipientFingerprints", new ArrayList<>(p.recipients()));
        }
        o.put("durationMillis", p.durationMillis());
        o.put("tools", new java.util.TreeMap<>(p.tools()));
        if (!p.rowCounts().isEmpty()) {
            o.put("rowCounts", new LinkedHashMap<>(p.rowCounts()));
        }
        if (p.tree() != null) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("files", p.tree().files());
            t.put("directories", p.tree().directories());
            t.put("symlinks", p.tree().symlinks());
            t.put("bytes", p.tree().bytes());
            o.put("tree", t);
        }
        List<Object> issues = new ArrayList<>();
        for (Issue i : p.issues()) {
            Map<String, Object> io = new LinkedHashMap<>();
            io.put("severity", i.severity().name());
            io.put("subject", i.subject());
            io.put("message", i.message());
            issues.add(io);
        }
        o.put("issues", issues);
        return o;
    }

    /** Parses a manifest; throws {@link IllegalArgumentException} naming the first malformed field. */
    public static Manifest decode(byte[] bytes) {
        JsonObject o = JsonObject.of(Json.parse(new String(bytes, StandardCharsets.UTF_8)), "manifest");
        if (!FORMAT.equals(o.optString("format", ""))) {
            throw new IllegalArgumentException("manifest.format must be \"" + FORMAT + "\"");
        }
        int version = o.integer("formatVersion");
        if (version != Manifest.FORMAT_VERSION) {
            throw new IllegalArgumentException("manifest.formatVersion is " + version + "; this Lifeboat reads version "
                    + Manifest.FORMAT_VERSION + " (upgrade Lifeboat to read newer backups)");
        }
        BackupId id = BackupId.parse(o.string("backupId"));
        List<PartInfo> parts = new ArrayList<>();
        Set<String> qualifiedNames = new HashSet<>();
        Set<String> keys = new HashSet<>();
        int idx = 0;
        for (Object po : o.array("parts")) {
            JsonObject p = JsonObject.of(po, "manifest.parts[" + idx++ + "]");
            // names and keys become file and directory names on restore: only what Lifeboat itself writes
            if (!PART_NAME.matcher(p.string("name")).matches()) {
                throw new IllegalArgumentException("manifest.parts[" + (idx - 1) + "].name must be a source name"
                        + " (letters, digits, '.', '_', '-', starting with a letter or digit)");
            }
            String key = p.string("key");
            String keyPrefix = Layout.BACKUPS + id.value() + "/";
            if (!key.startsWith(keyPrefix) || !PART_FILE.matcher(key.substring(keyPrefix.length())).matches()) {
                throw new IllegalArgumentException("manifest.parts[" + (idx - 1) + "].key must be a file directly under "
                        + keyPrefix);
            }
            // the writer names each part's object after its kind and name: a key naming another part's object (or
            // the manifest) or a part listed twice was edited in
            SourceKind kind = SourceKind.valueOf(p.string("kind").toUpperCase(Locale.ROOT));
            String qualified = kind.prefix() + "-" + p.string("name");
            if (!key.startsWith(keyPrefix + qualified) || !qualifiedNames.add(qualified) || !keys.add(key)) {
                throw new IllegalArgumentException("manifest.parts[" + (idx - 1) + "].key must be " + keyPrefix + qualified
                        + "… and appear once (each part is stored under its own kind and name)");
            }
            Map<String, String> tools = new LinkedHashMap<>();
            if (p.has("tools")) {
                p.object("tools").map().forEach((k, v) -> tools.put(k, String.valueOf(v)));
            }
            Map<String, Long> rows = new LinkedHashMap<>();
            if (p.has("rowCounts")) {
                JsonObject rc = p.object("rowCounts");
                for (String k : rc.map().keySet()) {
                    rows.put(k, rc.number(k));
                }
            }
            TreeStats tree = null;
            if (p.has("tree")) {
                JsonObject t = p.object("tree");
                tree = new TreeStats(t.number("files"), t.number("directories"), t.number("symlinks"), t.number("bytes"));
            }
            List<Issue> issues = new ArrayList<>();
            for (Object io : p.optArray("issues")) {
                JsonObject i = JsonObject.of(io, "issue");
                issues.add(new Issue(Issue.Severity.valueOf(i.string("severity")), i.string("subject"), i.string("message")));
            }
            List<String> recipients = new ArrayList<>();
            for (Object r : p.optArray("recipientFingerprints")) {
                if (!(r instanceof String fp)) {
                    throw new IllegalArgumentException("manifest.parts[" + (idx - 1) + "].recipientFingerprints must hold strings");
                }
                recipients.add(fp);
            }
            Checkpoints checkpoints = null;
            if (p.has("checkpoints")) {
                JsonObject c = p.object("checkpoints");
                List<String> hashes = new ArrayList<>();
                for (Object h : c.array("sha256")) {
                    if (!(h instanceof String hex) || !SHA256_HEX.matcher(hex).matches()) {
                        throw new IllegalArgumentException("manifest.parts[" + (idx - 1)
                                + "].checkpoints.sha256 must hold SHA-256 hex strings");
                    }
                    hashes.add(hex);
                }
                checkpoints = new Checkpoints(c.number("every"), hashes);
            }
            // a writer never stores secrets in plaintext: such an entry was edited, to have an archive of someone
            // else's choosing restored as the application's secrets without any key
            if (kind == SourceKind.SECRETS && !p.bool("encrypted")) {
                throw new IllegalArgumentException("manifest.parts[" + (idx - 1) + "].encrypted must be true for a"
                        + " secrets part (Lifeboat never stores secrets in plaintext)");
            }
            parts.add(new PartInfo(p.string("name"), kind, p.string("format"), key, p.number("size"), p.string("sha256"),
                    p.number("plaintextSize"), p.string("plaintextSha256"), p.bool("encrypted"), p.number("durationMillis"), tools,
                    rows, tree, issues, recipients, checkpoints));
        }
        return new Manifest(version, id, o.string("application"),
                BackupStatus.valueOf(o.string("status")), Instant.parse(o.string("startedAt")),
                Instant.parse(o.string("finishedAt")), o.string("host"), o.string("lifeboatVersion"), parts,
                o.has("signedBy") ? o.string("signedBy") : null, stores(o));
    }
}
