package dev.lifeboat.internal.archive;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * Reads a tar stream entry by entry: POSIX ustar with pax extended headers ({@code path}, {@code linkpath},
 * {@code size}, {@code mtime}, {@code uid}, {@code gid}), GNU long names ({@code L}/{@code K}) and base-256 numbers,
 * old-style (v7) headers. It reads what {@link TarWriter} writes and what GNU tar and commons-compress write.
 *
 * <p>The input is untrusted: every header's checksum is checked, numbers must parse, extended headers are capped
 * in size, and a stream that ends inside a header or an entry's data is an error. What the entries <em>mean</em>
 * (names, link targets, types) is judged by the caller ({@link SafeExtractor}); entries of every type are returned.
 *
 * <p>Lean by design: one 512-byte header buffer and one skip buffer for the whole stream, so extracting many small
 * files makes no garbage per entry beyond the entry itself (commons-compress' reader allocated 16 KiB per entry).
 */
final class TarReader {
    static final int BLOCK = 512;
    /** Largest pax or GNU long-name header accepted. */
    static final int MAX_EXTENDED_HEADER = 1024 * 1024;
    /** Larger sizes are corrupt (and would overflow the arithmetic of skipping to the next header). */
    private static final long MAX_ENTRY_SIZE = 1L << 62;

    /** One entry's header. {@code type} is the typeflag ('0', '5', '2', '1', …; '0' also for v7 NUL). */
    record Entry(String name, char type, String linkName, long size, int mode, long uid, long gid, FileTime mtime) {
        boolean isDirectory() {
            return type == '5' || (type == '0' && name.endsWith("/"));
        }

        boolean isFile() {
            return (type == '0' || type == '7') && !name.endsWith("/");
        }

        boolean isSymbolicLink() {
            return type == '2';
        }

        boolean isHardLink() {
            return type == '1';
        }
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private final byte[] skip = new byte[16 * 1024];
    private long position;
    private long remaining;
    private int padding;
    private boolean ended;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry (the rest of the current one is skipped), or {@code null} at the end of the archive. */
    Entry next() throws IOException {
        if (ended) {
            return null;
        }
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
        String paxPath = null;
        String paxLink = null;
        long paxSize = -1;
        FileTime paxMtime = null;
        long paxUid = -1;
        long paxGid = -1;
        String gnuName = null;
        String gnuLink = null;
        while (true) {
            long headerAt = position;
            boolean pending = paxPath != null || paxLink != null || paxSize >= 0 || paxMtime != null || paxUid >= 0
                    || paxGid >= 0 || gnuName != null || gnuLink != null;
            if (!readHeader()) {
                if (pending) {
                    throw truncated("after an extended header, before its entry");
                }
                ended = true;
                return null;
            }
            if (isZero(header)) {
                if (pending) {
                    throw new IOException("corrupt tar archive: an extended header at offset " + headerAt
                            + " is followed by the end of the archive, not by its entry");
                }
                // the end-of-archive marker; what follows (the second zero block, record padding) is not read here
                ended = true;
                return null;
            }
            checkChecksum(headerAt);
            char type = (char) (header[156] & 0xff);
            long size = number(124, 12, "size", headerAt);
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                byte[] data = extended(size, type, headerAt);
                if (type == 'x') {
                    for (Pax p = new Pax(data, headerAt); p.next(); ) {
                        switch (p.key) {
                            case "path" -> paxPath = p.value;
                            case "linkpath" -> paxLink = p.value;
                            case "size" -> paxSize = p.decimal();
                            case "mtime" -> paxMtime = p.time();
                            case "uid" -> paxUid = p.decimal();
                            case "gid" -> paxGid = p.decimal();
                            default -> { } // atime, ctime, charset, SCHILY.*, LIBARCHIVE.*: not restored
                        }
                    }
                } else if (type == 'L') {
                    gnuName = cString(data, 0, data.length);
                } else if (type == 'K') {
                    gnuLink = cString(data, 0, data.length);
                } // 'g': global pax headers carry nothing Lifeboat restores
                continue;
            }
            if (type == '\0') {
                type = '0';
            }
            String name = paxPath != null ? paxPath : gnuName != null ? gnuName : ustarName();
            String link = paxLink != null ? paxLink : gnuLink != null ? gnuLink : cString(header, 157, 100);
            long entrySize = paxSize >= 0 ? paxSize : size;
            if (entrySize > MAX_ENTRY_SIZE) {
                throw corrupt("size", headerAt, "more than 2^62 bytes");
            }
            int mode = (int) (number(100, 8, "mode", headerAt) & 07777);
            long uid = paxUid >= 0 ? paxUid : number(108, 8, "uid", headerAt);
            long gid = paxGid >= 0 ? paxGid : number(116, 8, "gid", headerAt);
            FileTime mtime = paxMtime != null
                    ? paxMtime : FileTime.from(seconds(number(136, 12, "mtime", headerAt), headerAt));
            // links and directories carry no data (Lifeboat and GNU tar write 0): a size on them would be data
            // skipped uncounted by the restore's byte cap, gigabytes of zeros decompressed for nothing
            if (entrySize != 0 && (type == '1' || type == '2' || type == '5')) {
                throw corrupt("size", headerAt, entrySize + " bytes of data for a " + (type == '5' ? "directory" : "link")
                        + ", which has none");
            }
            remaining = entrySize;
            padding = padding(entrySize);
            return new Entry(name, type, link, entrySize, mode, uid, gid, mtime);
        }
    }

    /** Reads the current entry's data; -1 at its end. */
    int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw truncated("inside an entry's data");
        }
        remaining -= n;
        position += n;
        return n;
    }

    /** Whether the end-of-archive marker (or the end of the stream at an entry boundary) was reached. */
    boolean ended() {
        return ended;
    }

    private boolean readHeader() throws IOException {
        int got = readFully(header);
        if (got == 0) {
            return false; // the stream ends at an entry boundary: no end marker, but nothing cut short
        }
        if (got < BLOCK) {
            throw truncated("inside a header");
        }
        return true;
    }

    private byte[] extended(long size, char type, long headerAt) throws IOException {
        if (size > MAX_EXTENDED_HEADER) {
            throw new IOException("corrupt tar archive: the '" + type + "' extended header at offset " + headerAt + " is "
                    + size + " bytes (at most " + MAX_EXTENDED_HEADER + " are accepted)");
        }
        byte[] data = new byte[(int) size];
        if (readFully(data) < data.length) {
            throw truncated("inside an extended header");
        }
        skipFully(padding(size));
        return data;
    }

    /** Fills {@code b} unless the stream ends first; returns the bytes read. */
    private int readFully(byte[] b) throws IOException {
        int got = 0;
        int n;
        while (got < b.length && (n = in.read(b, got, b.length - got)) >= 0) {
            got += n;
        }
        position += got;
        return got;
    }

    private void skipFully(long n) throws IOException {
        while (n > 0) {
            int k = in.read(skip, 0, (int) Math.min(skip.length, n));
            if (k < 0) {
                throw truncated("inside an entry's data");
            }
            n -= k;
            position += k;
        }
    }

    private static int padding(long size) {
        return (int) ((BLOCK - size % BLOCK) % BLOCK);
    }

    private String ustarName() {
        String name = cString(header, 0, 100);
        // POSIX ustar ("ustar\0") keeps a path prefix at 345; GNU's "ustar  \0" uses that space for other fields
        boolean posix = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        if (posix && header[345] != 0) {
            return cString(header, 345, 155) + "/" + name;
        }
        return name;
    }

    private void checkChecksum(long headerAt) throws IOException {
        long stored = number(148, 8, "checksum", headerAt);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int b = (i >= 148 && i < 156) ? ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("corrupt tar archive: header checksum mismatch at offset " + headerAt
                    + " (not a tar stream, or damaged)");
        }
    }

    /** An octal field (leading spaces/NULs, ended by space or NUL) or a GNU base-256 one (high bit of the first byte). */
    private long number(int off, int len, String field, long headerAt) throws IOException {
        if ((header[off] & 0x80) != 0) {
            if ((header[off] & 0x40) != 0) {
                throw corrupt(field, headerAt, "a negative base-256 number"); // the sign bit of GNU's two's complement
            }
            long v = header[off] & 0x3f;
            for (int i = 1; i < len; i++) {
                if (v >>> 55 != 0) {
                    throw corrupt(field, headerAt, "a base-256 number too large");
                }
                v = (v << 8) | (header[off + i] & 0xff);
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        long v = 0;
        int digits = 0;
        for (; i < end && header[i] != ' ' && header[i] != 0; i++) {
            int d = header[i] - '0';
            if (d < 0 || d > 7) {
                throw corrupt(field, headerAt, "a character that is not an octal digit");
            }
            if (++digits > 21) {
                throw corrupt(field, headerAt, "an octal number too large");
            }
            v = (v << 3) | d;
        }
        for (; i < end; i++) {
            if (header[i] != ' ' && header[i] != 0) {
                throw corrupt(field, headerAt, "characters after its number");
            }
        }
        return v;
    }

    private static Instant seconds(long epochSecond, long headerAt) throws IOException {
        if (epochSecond > Instant.MAX.getEpochSecond()) {
            throw corrupt("mtime", headerAt, "a time after the year 1000000000");
        }
        return Instant.ofEpochSecond(epochSecond);
    }

    private static IOException corrupt(String field, long headerAt, String what) {
        return new IOException("corrupt tar archive: the " + field + " field of the header at offset " + headerAt
                + " holds " + what);
    }

    private IOException truncated(String where) {
        return new EOFException("truncated tar archive: the stream ends " + where + " (after " + position + " bytes)");
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** A NUL-terminated UTF-8 string in {@code b[off, off + len)}. */
    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** The records of a pax extended header: {@code "<length> <key>=<value>\n"}, UTF-8. */
    private static final class Pax {
        private final byte[] data;
        private final long headerAt;
        private int at;
        String key;
        String value;

        Pax(byte[] data, long headerAt) {
            this.data = data;
            this.headerAt = headerAt;
        }

        boolean next() throws IOException {
            if (at >= data.length || data[at] == 0) {
                return false;
            }
            int start = at;
            int length = 0;
            int i = at;
            while (i < data.length && data[i] >= '0' && data[i] <= '9' && length < 10_000_000) {
                length = length * 10 + (data[i] - '0');
                i++;
            }
            if (i == start || i >= data.length || data[i] != ' ' || length <= i - start + 1
                    || start + length > data.length || data[start + length - 1] != '\n') {
                throw new IOException("corrupt tar archive: malformed pax record in the extended header at offset " + headerAt);
            }
            int eq = i + 1;
            while (eq < start + length - 1 && data[eq] != '=') {
                eq++;
            }
            if (eq >= start + length - 1) {
                throw new IOException("corrupt tar archive: a pax record without '=' in the extended header at offset " + headerAt);
            }
            key = new String(data, i + 1, eq - i - 1, StandardCharsets.UTF_8);
            value = new String(data, eq + 1, start + length - 1 - eq - 1, StandardCharsets.UTF_8);
            at = start + length;
            return true;
        }

        long decimal() throws IOException {
            try {
                long v = Long.parseLong(value);
                if (v < 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IOException("corrupt tar archive: pax " + SafeExtractor.printable(key) + " \""
                        + SafeExtractor.printable(value) + "\" is not a non-negative integer"
                        + " (extended header at offset " + headerAt + ")");
            }
        }

        FileTime time() throws IOException {
            try {
                int dot = value.indexOf('.');
                String whole = dot < 0 ? value : value.substring(0, dot);
                long seconds = Long.parseLong(whole);
                long nanos = 0;
                if (dot >= 0) {
                    String frac = (value.substring(dot + 1) + "000000000").substring(0, 9);
                    nanos = Long.parseLong(frac);
                    if (whole.startsWith("-")) {
                        nanos = -nanos;
                    }
                }
                return FileTime.from(Instant.ofEpochSecond(seconds, nanos));
            } catch (NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
                throw new IOException("corrupt tar archive: pax mtime \"" + SafeExtractor.printable(value) + "\" is not a time"
                        + " (extended header at offset " + headerAt + ")");
            }
        }
    }
}
