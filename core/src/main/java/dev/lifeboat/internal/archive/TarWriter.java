package dev.lifeboat.internal.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A lean writer of POSIX.1-2001 (pax) tar streams: a ustar header per entry, preceded by a pax extended header
 * ({@code x}) only when a field does not fit ustar: a path or link target longer than 100 bytes or not ASCII, a
 * size of 8 GiB or more, a uid/gid over 2,097,151, a modification time before 1970 or after 2242. GNU tar, bsdtar
 * and commons-compress read it.
 *
 * <p>Backups archive tens of thousands of files, so the per-entry path matters: a header is formatted straight
 * into a reused 512-byte block and everything is written through one buffer, so small files cost one copy and no
 * allocation. {@link #write} of large blocks bypasses the buffer. Not thread-safe.
 */
final class TarWriter {
    static final int BLOCK = 512;
    private static final int RECORD = 20 * BLOCK;
    private static final long MAX_OCTAL_11 = 077777777777L;
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final byte[] ZEROS = new byte[BLOCK];

    private final OutputStream out;
    private final byte[] buffer;
    private final byte[] header = new byte[BLOCK];
    private int fill;
    private long position;
    private long remaining; // bytes still owed to the current file entry
    private boolean inFile;

    TarWriter(OutputStream out, int bufferSize) {
        this.out = out;
        this.buffer = new byte[Math.max(bufferSize, 4 * BLOCK)];
    }

    void directory(String name, int mode, long uid, long gid, long mtime) throws IOException {
        entry(name.endsWith("/") ? name : name + "/", '5', null, 0, mode, uid, gid, mtime);
    }

    void symlink(String name, String target, int mode, long uid, long gid, long mtime) throws IOException {
        entry(name, '2', target, 0, mode, uid, gid, mtime);
    }

    /** A second name of a file stored earlier in this archive under {@code target} (a hard link: no content). */
    void hardLink(String name, String target, int mode, long uid, long gid, long mtime) throws IOException {
        entry(name, '1', target, 0, mode, uid, gid, mtime);
    }

    /** Starts a regular file of exactly {@code size} bytes, to be given with {@link #write} and {@link #endFile}. */
    void beginFile(String name, long size, int mode, long uid, long gid, long mtime) throws IOException {
        entry(name, '0', null, size, mode, uid, gid, mtime);
        inFile = true;
        remaining = size;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (!inFile || len > remaining) {
            throw new IllegalStateException("more bytes than the entry's declared size");
        }
        remaining -= len;
        if (len >= buffer.length / 2) {
            flushBuffer();
            out.write(b, off, len);
            position += len;
            return;
        }
        bytes(b, off, len);
    }

    /** Ends the current file; it must have received exactly its declared size. Pads to the block size. */
    void endFile() throws IOException {
        if (!inFile || remaining != 0) {
            throw new IllegalStateException(remaining + " bytes of the entry were not written");
        }
        inFile = false;
        pad();
    }

    /** Writes the end-of-archive marker (two zero blocks) and pads to a full 10 KiB record, as tar does. */
    void finish() throws IOException {
        if (inFile) {
            throw new IllegalStateException("the last file entry was not ended");
        }
        zeros(2 * BLOCK);
        long tail = position % RECORD;
        if (tail != 0) {
            zeros((int) (RECORD - tail));
        }
        flushBuffer();
        out.flush();
    }

    /** Writes out what is buffered (also in the middle of an entry). */
    void flush() throws IOException {
        flushBuffer();
        out.flush();
    }

    private void entry(String name, char type, String link, long size, int mode, long uid, long gid, long mtime)
            throws IOException {
        if (inFile) {
            throw new IllegalStateException("the previous file entry was not ended");
        }
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] linkBytes = link == null ? null : link.getBytes(StandardCharsets.UTF_8);
        StringBuilder pax = null;
        if (nameBytes.length > 100 || !ascii(nameBytes)) {
            pax = record(pax, "path", name);
        }
        if (linkBytes != null && (linkBytes.length > 100 || !ascii(linkBytes))) {
            pax = record(pax, "linkpath", link);
        }
        if (size > MAX_OCTAL_11) {
            pax = record(pax, "size", Long.toString(size));
        }
        if (uid > MAX_OCTAL_7 || uid < 0) {
            pax = record(pax, "uid", Long.toString(uid));
        }
        if (gid > MAX_OCTAL_7 || gid < 0) {
            pax = record(pax, "gid", Long.toString(gid));
        }
        if (mtime > MAX_OCTAL_11 || mtime < 0) {
            pax = record(pax, "mtime", Long.toString(mtime));
        }
        if (pax != null) {
            byte[] records = pax.toString().getBytes(StandardCharsets.UTF_8);
            header("PaxHeaders/" + asciiTail(nameBytes), 'x', null, records.length, 0644, 0, 0, Math.max(0, Math.min(mtime, MAX_OCTAL_11)));
            bytes(records, 0, records.length);
            pad();
        }
        header(name, type, linkBytes, size, mode, uid, gid, mtime, nameBytes);
    }

    private void header(String name, char type, byte[] link, long size, int mode, long uid, long gid, long mtime)
            throws IOException {
        header(name, type, link, size, mode, uid, gid, mtime, name.getBytes(StandardCharsets.UTF_8));
    }

    private void header(String name, char type, byte[] link, long size, int mode, long uid, long gid, long mtime,
            byte[] nameBytes) throws IOException {
        byte[] h = header;
        Arrays.fill(h, (byte) 0);
        System.arraycopy(nameBytes, 0, h, 0, Math.min(100, nameBytes.length));
        octal(h, 100, 8, mode & 07777);
        octal(h, 108, 8, uid >= 0 && uid <= MAX_OCTAL_7 ? uid : 0);
        octal(h, 116, 8, gid >= 0 && gid <= MAX_OCTAL_7 ? gid : 0);
        octal(h, 124, 12, size <= MAX_OCTAL_11 ? size : 0);
        octal(h, 136, 12, mtime >= 0 && mtime <= MAX_OCTAL_11 ? mtime : 0);
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        if (link != null) {
            System.arraycopy(link, 0, h, 157, Math.min(100, link.length));
        }
        h[257] = 'u';
        h[258] = 's';
        h[259] = 't';
        h[260] = 'a';
        h[261] = 'r';
        h[263] = '0';
        h[264] = '0';
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum); // six digits and a NUL, then the space left from the fill above
        bytes(h, 0, BLOCK);
    }

    /** {@code width - 1} zero-padded octal digits and a NUL. */
    private static void octal(byte[] h, int offset, int width, long value) {
        int end = offset + width - 1;
        h[end] = 0;
        for (int i = end - 1; i >= offset; i--) {
            h[i] = (byte) ('0' + (value & 7));
            value >>>= 3;
        }
    }

    /** A pax record {@code "<length> <key>=<value>\n"}, where the length counts the whole record, itself included. */
    private static StringBuilder record(StringBuilder pax, String key, String value) {
        StringBuilder sb = pax == null ? new StringBuilder() : pax;
        int body = key.getBytes(StandardCharsets.UTF_8).length + value.getBytes(StandardCharsets.UTF_8).length + 3;
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() != Integer.toString(body).length()) {
            len++;
        }
        return sb.append(len).append(' ').append(key).append('=').append(value).append('\n');
    }

    private static boolean ascii(byte[] b) {
        for (byte x : b) {
            if (x < 0x20) { // also catches every byte ≥ 0x80, which is negative
                return false;
            }
        }
        return true;
    }

    /** A printable, ASCII name for a pax header entry: the end of the entry's own name. */
    private static String asciiTail(byte[] name) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, name.length - 80); i < name.length; i++) {
            byte b = name[i];
            sb.append(b >= 0x20 && b < 0x7f && b != '/' ? (char) b : '_');
        }
        return sb.toString();
    }

    private void pad() throws IOException {
        int tail = (int) (position % BLOCK);
        if (tail != 0) {
            zeros(BLOCK - tail);
        }
    }

    private void zeros(int n) throws IOException {
        while (n > 0) {
            int k = Math.min(n, BLOCK);
            bytes(ZEROS, 0, k);
            n -= k;
        }
    }

    /** Appends {@code b[off, off + len)} through the buffer. */
    private void bytes(byte[] b, int off, int len) throws IOException {
        position += len;
        while (len > 0) {
            if (fill == buffer.length) {
                flushBuffer();
            }
            int n = Math.min(len, buffer.length - fill);
            System.arraycopy(b, off, buffer, fill, n);
            fill += n;
            off += n;
            len -= n;
        }
    }

    private void flushBuffer() throws IOException {
        if (fill > 0) {
            out.write(buffer, 0, fill);
            fill = 0;
        }
    }
}
