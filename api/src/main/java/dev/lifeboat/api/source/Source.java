package dev.lifeboat.api.source;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Something that can be backed up: a database, a file tree, a list of config files.
 *
 * <p>A source writes its part's bytes, in its final format, to the stream it is given; the engine hashes,
 * optionally encrypts and stores them while they are written. A source must stream: it must not hold a
 * whole part in memory. It must throw when what it wrote is not a faithful, complete part (non-zero exit of
 * a dump tool, empty output), and report partial capture (files that changed while read) as
 * {@link dev.lifeboat.api.catalog.Issue}s in its result.
 */
public interface Source {
    /** The source's name, unique within its kind, e.g. {@code main}. Letters, digits, '-', '_', '.'. */
    String name();

    /** What the source captures. */
    SourceKind kind();

    /** The content format, recorded in the manifest, e.g. {@code postgresql-custom}. */
    String format();

    /** The part file extension including the leading dot, e.g. {@code .pgdump}, {@code .tar.zst}. */
    String extension();

    /**
     * Cheap checks before anything is written (tools present and recent enough, database reachable).
     * Throws a {@link dev.lifeboat.api.LifeboatException} naming the problem.
     */
    default void preflight(SourceContext context) {}

    /** Writes the part to {@code out} (without closing it) and says what was captured. */
    SourceResult write(SourceContext context, OutputStream out) throws IOException;
}
