package dev.lifeboat.internal.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removing private temporary trees (staging directories, per-run temp directories), and making renames durable. */
public final class Trees {
    private Trees() {}

    /**
     * Deletes {@code root} and everything below it, best effort, never following links. Directories are made
     * writable first, since restored modes may forbid deleting their children.
     */
    public static void deleteQuietly(Path root) {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> all = walk.toList();
            for (Path p : all) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    p.toFile().setWritable(true, true);
                    p.toFile().setExecutable(true, true);
                    p.toFile().setReadable(true, true);
                }
            }
            for (Path p : all.stream().sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
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
