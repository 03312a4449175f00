package dev.lifeboat.internal.catalog;

import dev.lifeboat.api.BackupId;

/** Object keys of storage format version 1 (DESIGN.md §4). */
public final class Layout {
    public static final String BACKUPS = "backups/";
    public static final String MANIFEST = "manifest.json";
    /** Detached signature of {@link #MANIFEST}, written just before it (docs/encryption.md). */
    public static final String MANIFEST_SIGNATURE = "manifest.json.sig";

    private Layout() {}

    public static String backupPrefix(BackupId id) {
        return BACKUPS + id.value() + "/";
    }

    public static String manifestKey(BackupId id) {
        return backupPrefix(id) + MANIFEST;
    }

    public static String signatureKey(BackupId id) {
        return backupPrefix(id) + MANIFEST_SIGNATURE;
    }

    public static String partKey(BackupId id, String fileName) {
        return backupPrefix(id) + fileName;
    }

    /** The backup id segment of a key under {@code backups/}, or {@code null}. */
    public static String idOf(String key) {
        if (!key.startsWith(BACKUPS)) {
            return null;
        }
        int slash = key.indexOf('/', BACKUPS.length());
        return slash < 0 ? null : key.substring(BACKUPS.length(), slash);
    }
}
