package dev.lifeboat.internal.archive;

import com.github.luben.zstd.ZstdOutputStream;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.SourceException;
import dev.lifeboat.api.source.Source;
import dev.lifeboat.api.source.SourceContext;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.source.SourceResult;
import dev.lifeboat.internal.io.NonClosingOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Files, config and secrets sources: a tar (PAX) archive compressed with zstd.
 *
 * <ul>
 *   <li>{@link SourceKind#FILES}: one directory tree; entry names are relative to it.
 *   <li>{@link SourceKind#CONFIG} and {@link SourceKind#SECRETS}: a list of individual paths; each entry is named
 *       by its absolute path without the leading {@code /} (as {@code tar} does), so a restore recreates
 *       {@code etc/nginx/sites-available/shop.conf} under the target directory.
 * </ul>
 */
public final class ArchiveSource implements Source {
    private final String name;
    private final SourceKind kind;
    private final List<Path> paths;
    private final List<String> excludes;

    public ArchiveSource(String name, SourceKind kind, List<Path> paths, List<String> excludes) {
        this.name = name;
        this.kind = kind;
        this.paths = List.copyOf(paths);
        this.excludes = List.copyOf(excludes);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SourceKind kind() {
        return kind;
    }

    @Override
    public String format() {
        return "tar+zstd";
    }

    @Override
    public String extension() {
        return ".tar.zst";
    }

    public List<Path> paths() {
        return paths;
    }

    @Override
    public void preflight(SourceContext context) {
        if (kind == SourceKind.FILES && !Files.isDirectory(paths.get(0))) {
            throw new SourceException(ErrorCode.SOURCE_FAILED, "files \"" + name + "\": " + paths.get(0)
                    + " is not a directory (any more)");
        }
    }

    @Override
    public SourceResult write(SourceContext context, OutputStream out) throws IOException {
        preflight(context);
        ZstdOutputStream zstd = new ZstdOutputStream(new NonClosingOutputStream(out), context.compressionLevel());
        zstd.setChecksum(true);
        if (context.compressionWorkers() > 0) {
            zstd.setWorkers(context.compressionWorkers());
        }
        boolean finished = false;
        try {
            TreeArchiver archiver = new TreeArchiver(new TarWriter(zstd, 256 * 1024), excludes);
            if (kind == SourceKind.FILES) {
                archiver.addTree(paths.get(0), "");
            } else {
                for (Path p : paths) {
                    Path abs = p.toAbsolutePath().normalize();
                    archiver.addPath(abs, abs.toString().substring(1));
                }
            }
            archiver.finish();
            zstd.close(); // ends the frame
            finished = true;
            return new SourceResult(Map.of(), Map.of(), archiver.stats(), archiver.issues());
        } finally {
            if (!finished) {
                closeQuietly(zstd); // frees the native stream; the write already failed, its error is the one to report
            }
        }
    }

    private static void closeQuietly(ZstdOutputStream zstd) {
        try {
            zstd.close();
        } catch (IOException | RuntimeException e) {
            // the original failure is reported
        }
    }
}
