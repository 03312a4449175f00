package dev.lifeboat.api.store;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where backups live: a small, dumb object store (modeled on restic's backends).
 *
 * <ul>
 *   <li>{@link #write} is atomic: nothing is visible under the key until {@link ObjectWriter#commit()}
 *       returns; an aborted or abandoned write leaves nothing behind (or only temporary debris the store
 *       itself ignores and cleans).
 *   <li>{@link #read} hands out a stream only inside a callback, so streams cannot leak.
 *   <li>Keys are {@code /}-separated relative paths of letters, digits and {@code -_.}; no {@code ..}.
 *   <li>Errors are {@link dev.lifeboat.api.StoreException}s, classified as transient or permanent;
 *       a missing object is a {@link dev.lifeboat.api.NotFoundException}.
 * </ul>
 *
 * A store retries its own requests where that is safe (an S3 part is retried from its buffer); Lifeboat never
 * retries a whole write, because the producer (a running dump) cannot be replayed. Logging of outcomes is done
 * by Lifeboat.
 */
public interface Store extends AutoCloseable {
    /** A short description for messages and logs, without credentials, e.g. {@code local:/var/backups}. */
    String describe();

    /** Starts an atomic write of {@code key}. */
    ObjectWriter write(String key, WriteOption... options) throws IOException;

    /**
     * Reads {@code key}, giving the callback a stream of its content; the stream is closed when the callback
     * returns.
     */
    <T> T read(String key, Reader<T> reader) throws IOException;

    /** Size and time of {@code key}, or empty when it does not exist. */
    Optional<ObjectInfo> stat(String key) throws IOException;

    /** Every object whose key starts with {@code prefix}, sorted by key. */
    List<ObjectInfo> list(String prefix) throws IOException;

    /** Deletes {@code key}; deleting a missing object is not an error. */
    void delete(String key) throws IOException;

    /**
     * Removes the store's own debris of writes that never completed and are older than {@code olderThan}: temporary
     * files of a crashed local write, incomplete S3 multipart uploads. Lifeboat calls it with its garbage safety age
     * at the start of every backup. Never touches committed objects. (default: nothing to clean)
     */
    default void cleanUpIncompleteWrites(java.time.Duration olderThan) throws IOException {}

    /**
     * Bytes free for new objects, where the store can tell (a local filesystem: the usable space of the file system
     * holding it); empty where it cannot or the question makes no sense (S3). Before a backup Lifeboat warns when
     * it is less than the latest backup took. (default: empty)
     */
    default java.util.OptionalLong usableSpace() throws IOException {
        return java.util.OptionalLong.empty();
    }

    @Override
    default void close() {}

    /** Reads an object's content inside {@link #read}. */
    @FunctionalInterface
    interface Reader<T> {
        T read(InputStream in) throws IOException;
    }
}
