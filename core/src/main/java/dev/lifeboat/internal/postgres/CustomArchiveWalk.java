package dev.lifeboat.internal.postgres;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Walks a pg_dump custom-format archive as it streams past, without inflating its data: the header, every entry
 * of the table of contents, and then the framing of every data block (the block's type and TOC entry, its
 * length-prefixed chunks up to their end marker, and for large objects the list of OIDs), up to the end of the
 * stream. An archive passes when it ends exactly after a block and every TOC entry that announced data has had its
 * block, once. A dump cut short anywhere, a block that is missing, repeated or unannounced, or bytes that are not
 * this format are reported, with the byte offset where the walk stopped.
 *
 * <p>This checks the archive's structure as {@code pg_restore} reads it, for a fraction of the CPU of a
 * {@code pg_restore} that inflates the whole archive (the table data's compressed content is covered by the
 * part's SHA-256 from here on; {@code pg_dump} wrote it, and its exit code says whether it succeeded).
 *
 * <p>It reads archive versions 1.12 to 1.16 (pg_dump 9.0 to at least 19, as documented in PostgreSQL's
 * {@code pg_backup_archiver.h}); for another version {@link #walksData()} turns false once the header's version
 * has been read, and the caller checks the archive some other way. Never throws on bad input: the first problem
 * is kept and the rest of the stream is ignored. Not thread-safe.
 */
final class CustomArchiveWalk extends OutputStream {
    private static final int FORMAT_CUSTOM = 1;
    private static final int BLK_DATA = 1;
    private static final int BLK_BLOBS = 3;
    private static final int K_OFFSET_POS_NOT_SET = 1;
    private static final int K_OFFSET_NO_DATA = 3;

    static final int OLDEST = version(1, 12, 0);
    static final int NEWEST = version(1, 16, 255);

    /** What the next token means. */
    private enum Token {
        MAGIC, VERSION, SIZES, COMPRESSION_ALGORITHM, COMPRESSION_LEVEL, HEADER_INT, HEADER_STRING, TOC_COUNT,
        ENTRY_ID, ENTRY_INT, ENTRY_STRING, ENTRY_DEPENDENCY, ENTRY_OFFSET, BLOCK_TYPE, BLOCK_ID, CHUNK_LENGTH, LO_OID
    }

    private final byte[] acc = new byte[16];
    private int need = 5;
    private int have;
    private long skip;
    private long offset;

    private Token token = Token.MAGIC;
    private List<Token> program = List.of();
    private int pc;

    private int version = -1;
    private int intSize;
    private int offSize;
    private long tocCount;
    private long entriesRead;
    private long entryId;
    private final Ids announced = new Ids();
    private final Ids seen = new Ids();
    private int blockType;
    private long blockId;
    private long blockStart = -1;

    private boolean ignoring;
    private String problem;

    static int version(int major, int minor, int rev) {
        return (major * 256 + minor) * 256 + rev;
    }

    /** Whether the header's version has been read (it is in the archive's first 8 bytes). */
    boolean versionKnown() {
        return version >= 0 || problem != null;
    }

    /** False when the archive is of a version this walk does not read (then it checked nothing beyond that). */
    boolean walksData() {
        return problem != null || version < 0 || (version >= OLDEST && version <= NEWEST);
    }

    /** The archive version as {@code major.minor.rev}, or {@code "unknown"} before the header has been read. */
    String versionText() {
        return version < 0 ? "unknown" : (version >> 16) + "." + ((version >> 8) & 0xff) + "." + (version & 0xff);
    }

    /** Where the last data block read so far starts, or -1 before the first. */
    long blockStart() {
        return blockStart;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        while (len > 0 && !ignoring) {
            if (skip > 0) {
                int k = (int) Math.min(skip, len);
                skip -= k;
                off += k;
                len -= k;
                offset += k;
                if (skip == 0) {
                    next();
                }
                continue;
            }
            int k = Math.min(need - have, len);
            System.arraycopy(b, off, acc, have, k);
            have += k;
            off += k;
            len -= k;
            offset += k;
            if (have == need) {
                have = 0;
                consume();
            }
        }
    }

    /**
     * The end of the stream: null when the archive is complete (or of a version this walk does not read), else
     * what is wrong with it.
     */
    String finish() {
        if (problem != null || ignoring) {
            return problem;
        }
        if (token != Token.BLOCK_TYPE || have != 0 || skip != 0) {
            return "it ends at byte " + offset + ", inside " + where();
        }
        long missing = announced.size() - seen.size(); // only announced IDs are ever seen
        if (missing > 0) {
            return "it ends at byte " + offset + " without the data of " + missing + " TOC "
                    + (missing == 1 ? "entry" : "entries") + " (the first: entry " + announced.firstNotIn(seen) + ")";
        }
        return null;
    }

    private String where() {
        return switch (token) {
            case MAGIC, VERSION, SIZES, COMPRESSION_ALGORITHM, COMPRESSION_LEVEL, HEADER_INT, HEADER_STRING -> "its header";
            case TOC_COUNT -> "its table of contents";
            case ENTRY_ID, ENTRY_INT, ENTRY_STRING, ENTRY_DEPENDENCY, ENTRY_OFFSET ->
                    "its table of contents (entry " + Math.min(entriesRead + 1, tocCount) + " of " + tocCount + ")";
            case BLOCK_TYPE, BLOCK_ID, CHUNK_LENGTH, LO_OID ->
                    "the data block of TOC entry " + blockId + " (from byte " + blockStart + ")";
        };
    }

    private void fail(String what) {
        if (problem == null) {
            problem = what + " (at byte " + (offset - need) + ")";
        }
        ignoring = true;
    }

    /** A whole token is in {@code acc[0..need)}. */
    private void consume() {
        switch (token) {
            case MAGIC -> {
                if (acc[0] != 'P' || acc[1] != 'G' || acc[2] != 'D' || acc[3] != 'M' || acc[4] != 'P') {
                    problem = "it does not start with the custom-format signature PGDMP";
                    ignoring = true;
                    return;
                }
                expect(Token.VERSION, 3);
            }
            case VERSION -> {
                version = version(acc[0] & 0xff, acc[1] & 0xff, acc[2] & 0xff);
                if (!walksData()) {
                    ignoring = true;
                    return;
                }
                expect(Token.SIZES, 3);
            }
            case SIZES -> {
                intSize = acc[0] & 0xff;
                offSize = acc[1] & 0xff;
                int format = acc[2] & 0xff;
                if (intSize < 1 || intSize > 8 || offSize < 1 || offSize > 8) {
                    fail("it declares integers of " + intSize + " and offsets of " + offSize + " bytes");
                    return;
                }
                if (format != FORMAT_CUSTOM) {
                    fail("it is archive format " + format + ", not the custom format (" + FORMAT_CUSTOM + ")");
                    return;
                }
                List<Token> header = new ArrayList<>();
                header.add(version >= version(1, 15, 0) ? Token.COMPRESSION_ALGORITHM : Token.COMPRESSION_LEVEL);
                for (int i = 0; i < 7; i++) {
                    header.add(Token.HEADER_INT); // the creation date: sec, min, hour, mday, mon, year, isdst
                }
                header.add(Token.HEADER_STRING); // the database's name
                header.add(Token.HEADER_STRING); // the server's version
                header.add(Token.HEADER_STRING); // pg_dump's version
                header.add(Token.TOC_COUNT);
                run(header);
            }
            case COMPRESSION_ALGORITHM -> next();
            case COMPRESSION_LEVEL, HEADER_INT, ENTRY_INT -> {
                integer();
                if (!ignoring) {
                    next();
                }
            }
            case HEADER_STRING, ENTRY_STRING -> string(false);
            case ENTRY_DEPENDENCY -> string(true);
            case TOC_COUNT -> {
                tocCount = integer();
                if (ignoring) {
                    return;
                }
                if (tocCount < 0) {
                    fail("its table of contents has " + tocCount + " entries");
                    return;
                }
                startEntry();
            }
            case ENTRY_ID -> {
                entryId = integer();
                if (ignoring) {
                    return;
                }
                if (entryId <= 0 || entryId > Integer.MAX_VALUE) {
                    fail("TOC entry " + (entriesRead + 1) + " has the ID " + entryId);
                    return;
                }
                next();
            }
            case ENTRY_OFFSET -> {
                int flag = acc[0] & 0xff;
                if (flag < K_OFFSET_POS_NOT_SET || flag > K_OFFSET_NO_DATA) {
                    fail("TOC entry " + entryId + " has the data flag " + flag);
                    return;
                }
                if (flag != K_OFFSET_NO_DATA) {
                    announced.add((int) entryId);
                }
                entriesRead++;
                startEntry();
            }
            case BLOCK_TYPE -> {
                blockStart = offset - 1;
                blockType = acc[0] & 0xff;
                if (blockType != BLK_DATA && blockType != BLK_BLOBS) {
                    fail("unknown data block type " + blockType);
                    return;
                }
                expect(Token.BLOCK_ID, 1 + intSize);
            }
            case BLOCK_ID -> {
                blockId = integer();
                if (ignoring) {
                    return;
                }
                if (blockId <= 0 || blockId > Integer.MAX_VALUE || !announced.contains((int) blockId)) {
                    fail("a data block names TOC entry " + blockId + ", which announced no data");
                    return;
                }
                if (seen.contains((int) blockId)) {
                    fail("the data block of TOC entry " + blockId + " appears twice");
                    return;
                }
                seen.add((int) blockId);
                expect(blockType == BLK_DATA ? Token.CHUNK_LENGTH : Token.LO_OID, 1 + intSize);
            }
            case CHUNK_LENGTH -> {
                long n = integer();
                if (ignoring) {
                    return;
                }
                if (n < 0) {
                    fail("a chunk of TOC entry " + blockId + "'s data has the length " + n);
                } else if (n == 0) {
                    // the end of this block's data (or of one large object's)
                    expect(blockType == BLK_DATA ? Token.BLOCK_TYPE : Token.LO_OID, blockType == BLK_DATA ? 1 : 1 + intSize);
                } else {
                    skip = n;
                }
            }
            case LO_OID -> {
                // an OID is unsigned and written as a signed int: any sign; zero ends the list
                long magnitude = magnitude();
                if (magnitude == 0) {
                    expect(Token.BLOCK_TYPE, 1);
                } else {
                    expect(Token.CHUNK_LENGTH, 1 + intSize);
                }
            }
        }
    }

    /** After a chunk's bytes were skipped: its next length; after a string's: the next token of the program. */
    private void next() {
        if (token == Token.CHUNK_LENGTH) {
            expect(Token.CHUNK_LENGTH, 1 + intSize);
            return;
        }
        if (token == Token.ENTRY_DEPENDENCY) {
            expect(Token.ENTRY_DEPENDENCY, 1 + intSize); // the list ends with a null string
            return;
        }
        if (pc >= program.size()) {
            throw new IllegalStateException("no token after " + token);
        }
        Token t = program.get(pc++);
        expect(t, switch (t) {
            case COMPRESSION_ALGORITHM -> 1;
            case ENTRY_OFFSET -> 1 + offSize;
            default -> 1 + intSize;
        });
    }

    private void run(List<Token> tokens) {
        program = tokens;
        pc = 0;
        next();
    }

    private void startEntry() {
        if (entriesRead == tocCount) {
            expect(Token.BLOCK_TYPE, 1);
            return;
        }
        List<Token> entry = new ArrayList<>(List.of(Token.ENTRY_ID, Token.ENTRY_INT, // ID, had a dumper
                Token.ENTRY_STRING, Token.ENTRY_STRING, Token.ENTRY_STRING, Token.ENTRY_STRING, // tableoid, oid, tag, desc
                Token.ENTRY_INT, // section
                Token.ENTRY_STRING, Token.ENTRY_STRING, Token.ENTRY_STRING, // defn, drop, copy statements
                Token.ENTRY_STRING, Token.ENTRY_STRING)); // namespace, tablespace
        if (version >= version(1, 14, 0)) {
            entry.add(Token.ENTRY_STRING); // table access method
        }
        if (version >= version(1, 16, 0)) {
            entry.add(Token.ENTRY_INT); // relkind
        }
        entry.add(Token.ENTRY_STRING); // owner
        entry.add(Token.ENTRY_STRING); // "false": no table has OIDs
        entry.add(Token.ENTRY_DEPENDENCY);
        entry.add(Token.ENTRY_OFFSET);
        run(entry);
    }

    private void expect(Token t, int bytes) {
        token = t;
        need = bytes;
        have = 0;
    }

    /** A string's length was read: its bytes are skipped; a null string (length -1) ends a dependency list. */
    private void string(boolean dependency) {
        long length = integer();
        if (ignoring) {
            return;
        }
        if (length == -1) {
            if (dependency) {
                Token t = program.get(pc++); // the list is over: the entry's data offset follows
                expect(t, 1 + offSize);
            } else {
                next();
            }
            return;
        }
        if (length < -1 || length > Integer.MAX_VALUE) {
            fail("a string in " + where() + " has the length " + length);
            return;
        }
        if (length == 0) {
            next();
        } else {
            skip = length;
        }
    }

    /**
     * {@code acc} as pg_dump's integer: a sign byte (0 or 1), then {@code intSize} bytes, least significant first.
     * A bad sign byte fails the walk (the caller checks {@code ignoring}).
     */
    private long integer() {
        int sign = acc[0] & 0xff;
        if (sign > 1) {
            fail("an integer in " + where() + " has the sign byte " + sign);
            return 0;
        }
        long v = magnitude();
        return sign == 1 ? -v : v;
    }

    private long magnitude() {
        long v = 0;
        for (int i = 0; i < intSize; i++) {
            v |= (acc[1 + i] & 0xffL) << (8 * i);
        }
        return v;
    }

    /**
     * A set of TOC entry IDs: a bit set for the usual ones (pg_dump numbers the objects it collects from 1, so at
     * most 8 MiB), a hash set for IDs beyond (a database with tens of millions of large objects, each its own entry
     * before PostgreSQL 17), so memory follows the entries read rather than the largest ID.
     */
    private static final class Ids {
        private static final int DENSE = 1 << 26;
        private final BitSet dense = new BitSet();
        private final Set<Integer> sparse = new HashSet<>();

        void add(int id) {
            if (id < DENSE) {
                dense.set(id);
            } else {
                sparse.add(id);
            }
        }

        boolean contains(int id) {
            return id < DENSE ? dense.get(id) : sparse.contains(id);
        }

        long size() {
            return (long) dense.cardinality() + sparse.size();
        }

        /** The smallest ID here and not in {@code other}, or -1. */
        long firstNotIn(Ids other) {
            BitSet d = (BitSet) dense.clone();
            d.andNot(other.dense);
            if (!d.isEmpty()) {
                return d.nextSetBit(0);
            }
            return sparse.stream().filter(i -> !other.sparse.contains(i)).mapToLong(Integer::longValue).min().orElse(-1);
        }
    }
}
