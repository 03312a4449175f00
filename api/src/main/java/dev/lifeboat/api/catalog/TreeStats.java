package dev.lifeboat.api.catalog;

/**
 * What a file archive part holds.
 *
 * @param files regular files archived
 * @param directories directories archived
 * @param symlinks symbolic links archived (as links, never followed)
 * @param bytes total size of the regular files' content
 */
public record TreeStats(long files, long directories, long symlinks, long bytes) {
    public static final TreeStats EMPTY = new TreeStats(0, 0, 0, 0);
}
