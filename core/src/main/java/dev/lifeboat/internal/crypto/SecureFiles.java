package dev.lifeboat.internal.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/** Private key files: created 0600, complete or not at all, never overwritten. */
public final class SecureFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private SecureFiles() {}

    /**
     * Writes {@code content} to a new file readable only by its owner. The file appears complete or not at all (a
     * temporary file is hard-linked into place), and an existing file is never replaced: then
     * {@link FileAlreadyExistsException} is thrown.
     */
    public static void createPrivate(Path file, String content) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path temp = dir.resolve("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp");
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attrs = posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        try {
            Files.createFile(temp, attrs);
            try (OutputStream out = Files.newOutputStream(temp, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
                out.write(content.getBytes(StandardCharsets.US_ASCII));
            }
            Files.createLink(abs, temp); // atomic; fails when the file exists
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Whether group or others may read {@code file} (false where POSIX permissions do not exist). */
    public static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            return p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ);
        } catch (UnsupportedOperationException | IOException e) {
            return false;
        }
    }
}
