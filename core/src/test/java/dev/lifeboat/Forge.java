package dev.lifeboat;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.TreeStats;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.catalog.Layout;
import dev.lifeboat.internal.catalog.ManifestCodec;
import dev.lifeboat.internal.io.Hex;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds hostile backups: well-formed manifests (hashes match) around malicious archives. */
final class Forge {
    private Forge() {}

    interface TarBody {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    static byte[] tarZst(TarBody body) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (var z = new com.github.luben.zstd.ZstdOutputStream(bo);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(z)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.write(tar);
        }
        return bo.toByteArray();
    }

    static void file(TarArchiveOutputStream tar, String name, String content) throws IOException {
        byte[] b = content.getBytes();
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }

    static void link(TarArchiveOutputStream tar, String name, String target, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLinkName(target);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    static void special(TarArchiveOutputStream tar, String name, byte type) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /** Publishes a backup with one files part named "uploads" holding {@code bytes}. */
    static BackupId filesBackup(Store store, byte[] bytes) throws IOException {
        return filesBackup(store, bytes, null);
    }

    /** As {@link #filesBackup(Store, byte[])}, with the tree the manifest claims for the part. */
    static BackupId filesBackup(Store store, byte[] bytes, TreeStats tree) throws IOException {
        return backup(store, SourceKind.FILES, "uploads", "tar+zstd", ".tar.zst", bytes, tree);
    }

    /** Publishes a backup with one SQLite database part named "app" holding {@code bytes}, claiming {@code tree}. */
    static BackupId sqliteBackup(Store store, byte[] bytes, TreeStats tree) throws IOException {
        return backup(store, SourceKind.DATABASE, "app", "sqlite+zstd", ".sqlite.zst", bytes, tree);
    }

    private static BackupId backup(Store store, SourceKind kind, String name, String format, String extension, byte[] bytes,
            TreeStats tree) throws IOException {
        BackupId id = BackupId.generate(Instant.now());
        String key = Layout.partKey(id, kind.prefix() + "-" + name + extension);
        try (ObjectWriter w = store.write(key)) {
            w.stream().write(bytes);
            w.commit();
        }
        String sha = Hex.sha256Hex(bytes);
        PartInfo part = new PartInfo(name, kind, format, key, bytes.length, sha, bytes.length, sha,
                false, 1, Map.of(), Map.of(), tree, List.of());
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, id, "evil", BackupStatus.SUCCESS, Instant.now(), Instant.now(),
                "host", "test", List.of(part));
        new Catalog(store).publish(m, ManifestCodec.encode(m));
        return id;
    }

    static final byte SYMLINK = TarConstants.LF_SYMLINK;
    static final byte HARDLINK = TarConstants.LF_LINK;
}
