package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.store.LocalStore;
import dev.lifeboat.testing.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile archives (with valid manifests and hashes, as a compromised writer could produce) are refused with
 * UNSAFE_ARCHIVE; the target stays absent, and a canary file outside it is untouched.
 */
class MaliciousArchiveTest {
    @TempDir
    Path dir;

    LocalStore store;
    Recovery recovery;
    Path outside;
    Path canary;
    Path target;
    Map<String, String> outsideBefore;

    @BeforeEach
    void setUp() throws Exception {
        store = LocalStore.at(dir.resolve("store"));
        recovery = Recovery.from(store, dir);
        outside = Files.createDirectories(dir.resolve("outside"));
        canary = Files.writeString(outside.resolve("canary"), "original");
        target = dir.resolve("restore-here");
        outsideBefore = FileTrees.snapshot(outside);
    }

    void assertRefused(byte[] archive, String messagePart) throws Exception {
        BackupId id = Forge.filesBackup(store, archive);
        Throwable t = catchThrowable(() -> recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults()));
        assertThat(t).isInstanceOf(RestoreException.class).hasMessageContaining(messagePart)
                .hasMessageContaining("nothing was written");
        assertThat(((RestoreException) t).code()).isEqualTo(ErrorCode.UNSAFE_ARCHIVE);
        assertThat(target).doesNotExist();
        assertThat(FileTrees.snapshot(outside)).isEqualTo(outsideBefore);
        assertThat(canary).hasContent("original");
        try (var siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("lifeboat-restore"));
        }
    }

    @Test
    void anArchiveExpandingFarPastWhatItsManifestRecordsIsRefusedUnlessTheCapIsRaised() throws Exception {
        // 80 MiB of zeros in a few KiB of zstd, under a manifest (which a compromised writer can sign) claiming 1 KiB
        byte[] bomb = Forge.tarZst(tar -> {
            org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
                    new org.apache.commons.compress.archivers.tar.TarArchiveEntry("zeros.bin", true);
            e.setSize(80L << 20);
            tar.putArchiveEntry(e);
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < 80; i++) {
                tar.write(block);
            }
            tar.closeArchiveEntry();
        });
        assertThat(bomb.length).isLessThan(1 << 20);
        BackupId id = Forge.filesBackup(store, bomb, new dev.lifeboat.api.catalog.TreeStats(1, 0, 0, 1024));

        Throwable t = catchThrowable(() -> recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults()));
        assertThat(t).isInstanceOf(RestoreException.class).hasMessageContaining("would exceed the limit of "
                + (1024 + 128 + (64L << 20)) + " bytes");
        assertThat(target).doesNotExist();

        recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults().maxBytes(100L << 20));
        assertThat(target.resolve("zeros.bin")).hasSize(80L << 20);
    }

    @Test
    void aSqlitePartExpandingFarPastItsRecordedSizeIsRefusedAndLeavesNothing() throws Exception {
        java.io.ByteArrayOutputStream zst = new java.io.ByteArrayOutputStream();
        try (var z = new com.github.luben.zstd.ZstdOutputStream(zst)) {
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < 80; i++) {
                z.write(block);
            }
        }
        assertThat(zst.size()).isLessThan(1 << 20);
        BackupId id = Forge.sqliteBackup(store, zst.toByteArray(), new dev.lifeboat.api.catalog.TreeStats(1, 0, 0, 8192));
        Path db = Files.createDirectories(dir.resolve("app")).resolve("app.db");

        Throwable t = catchThrowable(() -> recovery.restoreDatabase(id, "app", Sqlite.file(db), RestoreOptions.defaults()));
        assertThat(t).isInstanceOf(RestoreException.class)
                .hasMessageContaining("db-app expands to more than " + (8192 + 1024 + (64L << 20)) + " bytes")
                .hasMessageContaining("records a database of 8192 bytes");
        assertThat(((RestoreException) t).code()).isEqualTo(ErrorCode.UNSAFE_ARCHIVE);
        try (var left = Files.list(db.getParent())) {
            assertThat(left).as("no file, no temporary file").isEmpty();
        }

        // a raised cap lets it through to the next check: eighty MiB of zeros are no database
        Throwable raised = catchThrowable(() -> recovery.restoreDatabase(id, "app", Sqlite.file(db),
                RestoreOptions.defaults().maxBytes(100L << 20)));
        assertThat(((RestoreException) raised).code()).isEqualTo(ErrorCode.RESTORE_FAILED);
        assertThat(db).doesNotExist();
    }

    @Test
    void dotDotIsRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> {
            Forge.file(tar, "ok.txt", "fine");
            Forge.file(tar, "../outside/canary", "pwned");
        }), "contains '..'");
    }

    @Test
    void nestedDotDotIsRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> Forge.file(tar, "a/b/../../../outside/canary", "pwned")), "contains '..'");
    }

    @Test
    void absolutePathIsRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> Forge.file(tar, canary.toString(), "pwned")), "absolute path");
    }

    @Test
    void writingThroughASymlinkIsRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> {
            Forge.link(tar, "evil", outside.toString(), Forge.SYMLINK);
            Forge.file(tar, "evil/canary", "pwned");
        }), "through the symlink");
    }

    @Test
    void symlinkThenOverwriteOfTheLinkItselfIsRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> {
            Forge.link(tar, "evil", canary.toString(), Forge.SYMLINK);
            Forge.file(tar, "evil", "pwned");
        }), "appears twice");
    }

    @Test
    void hardLinkToOutsideIsRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> Forge.link(tar, "stolen", canary.toString(), Forge.HARDLINK)), "absolute path");
        assertRefused(Forge.tarZst(tar -> Forge.link(tar, "stolen", "../outside/canary", Forge.HARDLINK)), "contains '..'");
    }

    @Test
    void hardLinkThroughASymlinkIsRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> {
            Forge.link(tar, "evil", outside.toString(), Forge.SYMLINK);
            Forge.link(tar, "stolen", "evil/canary", Forge.HARDLINK);
        }), "through the symlink");
        assertRefused(Forge.tarZst(tar -> Forge.link(tar, "stolen", "never-extracted", Forge.HARDLINK)),
                "not a file extracted earlier");
    }

    @Test
    void devicesAndFifosAreRefused() throws Exception {
        assertRefused(Forge.tarZst(tar -> Forge.special(tar, "dev-null", TarConstants.LF_CHR)), "device");
        assertRefused(Forge.tarZst(tar -> Forge.special(tar, "fifo", TarConstants.LF_FIFO)), "device, FIFO");
    }

    @Test
    void byteAndEntryCapsStopExtraction() throws Exception {
        byte[] many = Forge.tarZst(tar -> {
            for (int i = 0; i < 50; i++) {
                Forge.file(tar, "f" + i, "x".repeat(1000));
            }
        });
        BackupId id = Forge.filesBackup(store, many);
        Throwable bytes = catchThrowable(() -> recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults().maxBytes(10_000)));
        assertThat(bytes).isInstanceOf(RestoreException.class).hasMessageContaining("limit of 10000 bytes");
        Throwable entries = catchThrowable(() -> recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults().maxEntries(10)));
        assertThat(entries).isInstanceOf(RestoreException.class).hasMessageContaining("more than 10 entries");
        assertThat(target).doesNotExist();
        // within the caps it restores
        recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults());
        try (var files = Files.list(target)) {
            assertThat(files.count()).isEqualTo(50);
        }
    }

    /**
     * Data the byte cap does not count (a directory entry with a size, megabytes after the end-of-archive marker)
     * is refused, not decompressed for nothing: a few KiB of zstd can expand to terabytes of zeros.
     */
    @Test
    void dataTheByteCapWouldNotCountIsRefused() throws Exception {
        java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(plain)) {
            Forge.file(tar, "a.txt", "x".repeat(8192));
        }
        byte[] dirWithData = plain.toByteArray().clone();
        dirWithData[156] = '5'; // the file's header, now a directory that still has 8 KiB of data
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += i >= 148 && i < 156 ? ' ' : dirWithData[i] & 0xff;
        }
        byte[] checksum = String.format("%06o\0 ", sum).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(checksum, 0, dirWithData, 148, 8);
        BackupId id = Forge.filesBackup(store, zstd(dirWithData));
        Throwable t = catchThrowable(() -> recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults()));
        assertThat(t).isInstanceOf(RestoreException.class).hasMessageContaining("8192 bytes of data for a directory");
        assertThat(target).doesNotExist();

        byte[] trailing = java.util.Arrays.copyOf(plain.toByteArray(), plain.size() + (8 << 20)); // 8 MiB of zeros after it
        assertRefused(zstd(trailing), "bytes follow the archive's end-of-archive marker");
        // the ordinary archive, with its record padding, restores
        recovery.restoreFiles(Forge.filesBackup(store, zstd(plain.toByteArray())), "uploads", target, RestoreOptions.defaults());
        assertThat(target.resolve("a.txt")).hasContent("x".repeat(8192));
    }

    private static byte[] zstd(byte[] plain) throws java.io.IOException {
        return com.github.luben.zstd.Zstd.compress(plain);
    }

    @Test
    void benignLinksInsideTheArchiveAreRestored() throws Exception {
        BackupId id = Forge.filesBackup(store, Forge.tarZst(tar -> {
            Forge.file(tar, "a/data.txt", "data");
            Forge.link(tar, "a/alias", "data.txt", Forge.SYMLINK);
            Forge.link(tar, "a/hard", "a/data.txt", Forge.HARDLINK);
        }));
        recovery.restoreFiles(id, "uploads", target, RestoreOptions.defaults());
        assertThat(target.resolve("a/hard")).hasContent("data");
        assertThat(Files.readSymbolicLink(target.resolve("a/alias"))).isEqualTo(Path.of("data.txt"));
    }
}
