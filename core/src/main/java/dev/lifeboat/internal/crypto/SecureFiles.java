package dev.lifeboat.internal.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
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
     * temporary file is hard-linked into place; where hard links do not exist, it is created exclusively and
     * written, and removed again if the write fails), and an existing file is never replaced: then
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
            try {
                Files.createLink(abs, temp); // atomic; fails when the file exists
            } catch (FileAlreadyExistsException e) {
                throw e;
            } catch (UnsupportedOperationException | FileSystemException e) {
                // no hard links here (FAT or exFAT on the USB stick an offline key goes to): created exclusively
                // (O_EXCL: a concurrent creator's key is never replaced), then written and synced; a reader may
                // see it empty for that moment, never another key
                Files.createFile(abs, attrs);
                try (OutputStream out = Files.newOutputStream(abs, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
                    out.write(content.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException | RuntimeException written) {
                    Files.deleteIfExists(abs); // ours, created above: no partial key is left to be refused later
                    throw written;
                }
            }
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

    /**
     * How a message names a file that should hold a secret (a password file, an identity file) but cannot be read.
     * Whatever was given in its place may be the secret itself (a password where its file was meant, an
     * {@code AGE-SECRET-KEY-1…} where the file holding it was), so the name is shown only when it reads as a path:
     * absolute, starting with {@code ./}, {@code ../} or {@code ~/}, or under a directory that exists, and holding no
     * key material or white space.
     */
    public static String nameOfSecretFile(String given) {
        if (holdsKeyMaterial(given)) {
            return "a key itself, not the name of a file holding one (not shown)";
        }
        if (!showableAsPath(given)) {
            return "a name that is not shown (not a path such as /etc/lifeboat/key.txt or ./key.txt: it may be the"
                    + " secret itself)";
        }
        return "\"" + given + "\"";
    }

    /** Whether {@code given}, named where a secret's file belongs, may be shown: see {@link #nameOfSecretFile}. */
    public static boolean showableAsPath(String given) {
        if (holdsKeyMaterial(given) || given.chars().anyMatch(Character::isWhitespace)) {
            return false;
        }
        if (given.startsWith("/") || given.startsWith("./") || given.startsWith("../") || given.startsWith("~/")) {
            return true;
        }
        if (given.indexOf('/') > 0) {
            try {
                Path parent = Path.of(given).getParent();
                return parent != null && Files.isDirectory(parent);
            } catch (java.nio.file.InvalidPathException e) {
                return false;
            }
        }
        return false;
    }

    private static boolean holdsKeyMaterial(String given) {
        String upper = given.toUpperCase(java.util.Locale.ROOT);
        return upper.contains("AGE-SECRET-KEY-") || upper.contains("PRIVATE KEY");
    }
}
