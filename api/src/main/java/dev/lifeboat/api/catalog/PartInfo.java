package dev.lifeboat.api.catalog;

import dev.lifeboat.api.source.SourceKind;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One stored part of a backup, as recorded in the manifest.
 *
 * @param name the source's name (unique within its kind), e.g. {@code main}
 * @param kind database, files, config or secrets
 * @param format the part's content format, e.g. {@code postgresql-custom}, {@code sqlite+zstd}, {@code tar+zstd}
 * @param key the object key in the store, e.g. {@code backups/<id>/db-main.pgdump}
 * @param size bytes stored
 * @param sha256 SHA-256 (hex) of the stored bytes
 * @param plaintextSize bytes before encryption (equal to {@code size} for unencrypted parts)
 * @param plaintextSha256 SHA-256 of the bytes before encryption: what {@code age -d} yields
 * @param encrypted whether the stored bytes are age-encrypted
 * @param durationMillis how long reading and storing the part took
 * @param tools versions of the tools and servers involved, e.g. {@code pg_dump → 15.20}
 * @param rowCounts rows per table at the moment of the dump (databases only; empty otherwise)
 * @param tree counts of what a files/config/secrets archive holds ({@code null} for databases)
 * @param issues what could not be captured faithfully, or was skipped on purpose
 * @param recipients fingerprints of the age recipients the part is encrypted to (empty when not encrypted); never
 *     the keys themselves (docs/encryption.md says how a fingerprint is computed)
 * @param checkpoints SHA-256 of the stored bytes' prefixes at fixed spans, which a restore checks before releasing
 *     each span ({@code null} in manifests written before Lifeboat recorded them)
 */
public record PartInfo(
        String name,
        SourceKind kind,
        String format,
        String key,
        long size,
        String sha256,
        long plaintextSize,
        String plaintextSha256,
        boolean encrypted,
        long durationMillis,
        Map<String, String> tools,
        Map<String, Long> rowCounts,
        TreeStats tree,
        List<Issue> issues,
        List<String> recipients,
        Checkpoints checkpoints) {

    public PartInfo {
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(kind, "null kind");
        Objects.requireNonNull(format, "null format");
        Objects.requireNonNull(key, "null key");
        Objects.requireNonNull(sha256, "null sha256");
        Objects.requireNonNull(plaintextSha256, "null plaintextSha256");
        tools = Map.copyOf(tools);
        rowCounts = Collections.unmodifiableMap(new TreeMap<>(rowCounts));
        issues = List.copyOf(issues);
        recipients = List.copyOf(recipients);
        if (checkpoints != null && checkpoints.sha256().size() != checkpoints.expectedEntries(size)) {
            throw new IllegalArgumentException("part " + name + " has " + checkpoints.sha256().size()
                    + " checkpoints; a part of " + size + " bytes with a span of " + checkpoints.every() + " has "
                    + checkpoints.expectedEntries(size));
        }
    }

    /** A part without {@link Checkpoints}. */
    public PartInfo(String name, SourceKind kind, String format, String key, long size, String sha256, long plaintextSize,
            String plaintextSha256, boolean encrypted, long durationMillis, Map<String, String> tools,
            Map<String, Long> rowCounts, TreeStats tree, List<Issue> issues, List<String> recipients) {
        this(name, kind, format, key, size, sha256, plaintextSize, plaintextSha256, encrypted, durationMillis, tools,
                rowCounts, tree, issues, recipients, null);
    }

    /** A part that is not encrypted to any recipient (or whose recipients are not recorded). */
    public PartInfo(String name, SourceKind kind, String format, String key, long size, String sha256, long plaintextSize,
            String plaintextSha256, boolean encrypted, long durationMillis, Map<String, String> tools,
            Map<String, Long> rowCounts, TreeStats tree, List<Issue> issues) {
        this(name, kind, format, key, size, sha256, plaintextSize, plaintextSha256, encrypted, durationMillis, tools,
                rowCounts, tree, issues, List.of());
    }

    /** Whether any issue makes this part incomplete. */
    public boolean isComplete() {
        return issues.stream().noneMatch(i -> i.severity() == Issue.Severity.INCOMPLETE);
    }

    /** The file name of the part inside its backup folder, e.g. {@code db-main.pgdump}. */
    public String fileName() {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    /** Convenience: the {@link SourceKind} prefix plus the name, e.g. {@code db-main}. */
    public String qualifiedName() {
        return kind.prefix() + "-" + name;
    }
}
