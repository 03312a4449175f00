package dev.lifeboat.internal.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/** Removing private temporary trees (staging directories, per-run temp directories), and making renames durable. */
public final class Trees {
    private Trees() {}

    /**
     * Deletes {@code root} and everything below it, best effort, never following links. Each directory is made
     * its owner's to list and change before it is listed, since restored modes may forbid both (a walk that lists
     * first cannot enter a restored 0000 directory, and leaves it and what is in it behind). Memory grows with the
     * depth of the tree, not its size.
     */
    public static void deleteQuietly(Path root) {
        if (root == null) {
            return;
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return; // gone already
        }
        if (a.isDirectory()) {
            root.toFile().setReadable(true, true);
            root.toFile().setWritable(true, true);
            root.toFile().setExecutable(true, true);
            try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
                for (Path child : children) {
                    deleteQuietly(child);
                }
            } catch (IOException | DirectoryIteratorException e) {
                // best effort
            }
        }
        try {
            Files.deleteIfExists(root);
        } catch (IOException e) {
            // best effort
        }
    }

    /**
     * Deletes the folders in {@code dir} named {@code prefix…} that {@code abandoned} (given the rest of the name and
     * the folder's attributes) says a run that did not end left behind: a process killed outright leaves its private
     * folder, and the password file in it. Never follows links; a folder that cannot be read or deleted is left for
     * next time. Returns the folders removed; throws when {@code dir} cannot be listed.
     */
    public static List<Path> removeAbandoned(Path dir, String prefix, BiPredicate<String, BasicFileAttributes> abandoned)
            throws IOException {
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, prefix + "*")) {
            for (Path p : ds) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    continue; // removed meanwhile
                }
                if (a.isDirectory() && abandoned.test(p.getFileName().toString().substring(prefix.length()), a)) {
                    deleteQuietly(p);
                    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                        removed.add(p);
                    }
                }
            }
        }
        return removed;
    }

    /**
     * Forces {@code dir}'s entries (a rename, a new file or directory in it) to disk. A file system that cannot fsync a
     * directory is let be: the rename itself is still atomic.
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!(e.getMessage() != null && e.getMessage().contains("Is a directory"))) {
                throw e;
            }
        }
    }
}
