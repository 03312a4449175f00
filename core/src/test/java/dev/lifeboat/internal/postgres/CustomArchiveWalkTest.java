package dev.lifeboat.internal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.Postgres;
import dev.lifeboat.testing.FileTrees;
import dev.lifeboat.testing.Requirements;
import dev.lifeboat.testing.TestPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walk of a custom-format archive, on real pg_dump output (tables with and without rows, a large object, a
 * materialized view, compressed and not), fed in pieces of every size; every proper prefix and a set of
 * corruptions must be refused. Archive versions this server's pg_dump does not write (1.15 and 1.16, from
 * PostgreSQL 16 and 17) are built by {@link ArchiveWriter}, whose 1.14 output the real {@code pg_restore} reads.
 */
class CustomArchiveWalkTest {
    @RegisterExtension
    static final TestPostgres PG = TestPostgres.fromEnvironment();

    @TempDir
    static Path tmp;

    static byte[] compressed;
    static byte[] plain;

    @BeforeAll
    static void dumps() throws Exception {
        Requirements.requireTool("pg_dump");
        Requirements.requireTool("pg_restore");
        String url = PG.createDatabase("lb_walk");
        try (Connection c = PG.connect(url); Statement st = c.createStatement()) {
            st.execute("create table filled (id int primary key, body text)");
            st.execute("insert into filled select g, repeat(md5(g::text), 8) from generate_series(1, 3000) g");
            st.execute("create table empty (id int)");
            st.execute("create sequence counter start 42");
            st.execute("create materialized view totals as select count(*) as n from filled");
            st.execute("select lo_from_bytea(0, convert_to(repeat('large object ', 500), 'UTF8'))");
            st.execute("select lo_from_bytea(0, '\\x00ff'::bytea)");
        }
        compressed = pgDump(url);
        plain = pgDump(url, "--compress=0");
        assertThat(new String(compressed, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("PGDMP");
    }

    static byte[] pgDump(String url, String... options) throws Exception {
        PgClient client = PgClient.of(Postgres.url(url));
        Map<String, String> env = client.environment(tmp);
        try {
            List<String> cmd = new ArrayList<>(List.of(client.tool("pg_dump"), "--format=custom"));
            cmd.addAll(List.of(options));
            cmd.addAll(client.connectionArgs());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            env.forEach((k, v) -> {
                if (v == null) {
                    pb.environment().remove(k); // as ExternalProcess does: null removes a variable
                } else {
                    pb.environment().put(k, v);
                }
            });
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            assertThat(p.waitFor()).as("pg_dump's exit code").isZero();
            return out;
        } finally {
            PgClient.deletePassFile(env);
        }
    }

    static String walk(byte[] archive, int length, SplittableRandom pieces) {
        CustomArchiveWalk walk = new CustomArchiveWalk();
        int at = 0;
        while (at < length) {
            int n = pieces == null ? length - at : Math.min(length - at, 1 + pieces.nextInt(pieces.nextBoolean() ? 16 : 70_000));
            walk.write(archive, at, n);
            at += n;
        }
        return walk.finish();
    }

    static String walk(byte[] archive) {
        return walk(archive, archive.length, null);
    }

    @Test
    void realDumpsPassWhateverPiecesTheyArriveIn() {
        for (byte[] dump : List.of(compressed, plain)) {
            CustomArchiveWalk walk = new CustomArchiveWalk();
            walk.write(dump, 0, dump.length);
            assertThat(walk.finish()).isNull();
            assertThat(walk.walksData()).isTrue();
            assertThat(walk.versionText()).startsWith("1.14.");
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < 20; i++) {
                assertThat(walk(dump, dump.length, random)).as("pieces, round " + i).isNull();
            }
            CustomArchiveWalk bytes = new CustomArchiveWalk();
            for (byte b : dump) {
                bytes.write(b);
            }
            assertThat(bytes.finish()).as("one byte at a time").isNull();
        }
    }

    @Test
    void everyProperPrefixIsRefused() {
        SplittableRandom random = new SplittableRandom(11);
        for (byte[] dump : List.of(compressed, plain)) {
            int tocEnd = Math.min(dump.length, 16 * 1024);
            int checked = 0;
            for (int cut = 0; cut < dump.length; cut += cut < tocEnd ? 1 : 1 + random.nextInt(97)) {
                String problem = walk(dump, cut, random);
                assertThat(problem).as("cut at " + cut + " of " + dump.length).isNotNull().contains("it ends at byte " + cut);
                checked++;
            }
            assertThat(checked).isGreaterThan(1000);
        }
        assertThat(walk(compressed, compressed.length - 1, null)).contains("inside the data block of TOC entry");
    }

    @Test
    void corruptionsAreNamed() {
        byte[] noise = new byte[100_000];
        new SplittableRandom(3).nextBytes(noise);
        assertThat(walk(noise)).contains("does not start with the custom-format signature PGDMP");
        assertThat(walk(new byte[0])).contains("it ends at byte 0, inside its header");

        byte[] tar = compressed.clone();
        tar[10] = 3; // the format byte: tar
        assertThat(walk(tar)).contains("archive format 3, not the custom format");

        // the last data block, written twice
        int last = lastBlockStart(plain);
        byte[] twice = Arrays.copyOf(plain, plain.length + (plain.length - last));
        System.arraycopy(plain, last, twice, plain.length, plain.length - last);
        assertThat(walk(twice)).contains("appears twice");

        // the last data block missing, cut exactly at the block before it
        assertThat(walk(plain, last, null)).contains("without the data of 1 TOC entry");

        byte[] badType = plain.clone();
        badType[last] = 7;
        assertThat(walk(badType)).contains("unknown data block type 7 (at byte " + last + ")");

        // a TOC entry ID beyond a signed 32-bit int (the first entry's ID follows the header's 3 strings)
        byte[] hugeId = ArchiveWriter.sample(1, 14);
        int firstId = FileTrees.indexOf(hugeId, new byte[] {0, 1, 0, 0, 0, 0, 0, 0, 0, 0}); // ID 1, then "had no dumper"
        assertThat(firstId).isNotNegative();
        hugeId[firstId + 4] = (byte) 0x80; // ID 1 + 2^31
        assertThat(walk(hugeId)).contains("TOC entry 1 has the ID " + (1 + 0x80000000L));

        byte[] unannounced = plain.clone();
        unannounced[last + 2] = (byte) 0xEE; // the block's TOC entry ID, low byte
        unannounced[last + 3] = 0x7E;
        assertThat(walk(unannounced)).contains("which announced no data");

        // after the block's type and entry ID, and for large objects the first OID: the first chunk's length
        int firstChunk = last + 1 + 5 + (plain[last] == 3 ? 5 : 0);
        byte[] longChunk = plain.clone();
        longChunk[firstChunk + 4] = 0x40; // its high byte: 1 GiB more than there is
        assertThat(walk(longChunk)).contains("inside the data block of TOC entry").contains("(from byte " + last + ")");

        byte[] sign = plain.clone();
        sign[firstChunk] = 9; // its sign byte
        assertThat(walk(sign)).contains("sign byte 9");
    }

    /** Where the archive's last data block starts, as the walk saw it. */
    static int lastBlockStart(byte[] dump) {
        CustomArchiveWalk walk = new CustomArchiveWalk();
        walk.write(dump, 0, dump.length);
        assertThat(walk.finish()).isNull();
        assertThat(walk.blockStart()).as("the last data block").isPositive();
        return (int) walk.blockStart();
    }

    @Test
    void versionsItDoesNotReadAreLeftToPgRestore() {
        byte[] newer = compressed.clone();
        newer[6] = 17; // 1.17
        CustomArchiveWalk walk = new CustomArchiveWalk();
        walk.write(newer, 0, 8);
        assertThat(walk.versionKnown()).isTrue();
        assertThat(walk.walksData()).isFalse();
        walk.write(newer, 8, newer.length - 8);
        assertThat(walk.finish()).isNull();
        assertThat(walk.versionText()).isEqualTo("1.17.0");

        CustomArchiveWalk fresh = new CustomArchiveWalk();
        fresh.write(newer, 0, 7);
        assertThat(fresh.versionKnown()).isFalse();
        assertThat(fresh.walksData()).isTrue();
    }

    @Test
    void largeEntryIdsAreTrackedToo() {
        // a database with tens of millions of large objects numbers its entries that high (before PostgreSQL 17)
        byte[] archive = ArchiveWriter.sample(1, 14, 0x7f000000);
        assertThat(walk(archive)).isNull();
        assertThat(walk(archive, lastBlockStart(archive), null)).as("without the large objects' block")
                .contains("without the data of 1 TOC entry (the first: entry " + (0x7f000000 + 4) + ")");
    }

    @Test
    void theTestWriterMatchesWhatPgRestoreReads() throws Exception {
        byte[] archive = ArchiveWriter.sample(1, 14);
        assertThat(walk(archive)).isNull();
        Path file = tmp.resolve("written-1.14.pgdump");
        Files.write(file, archive);
        Process p = new ProcessBuilder(Requirements.requireTool("pg_restore").toString(), "--file=-", file.toString())
                .redirectErrorStream(true).start();
        String script = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(script).isZero();
        assertThat(script).contains("COPY public.t (id, name) FROM stdin;\n1\tone\n2\ttwo\n\\.")
                .contains("SELECT pg_catalog.lo_open('16390', 131072)");
    }

    @Test
    void postgres16And17ArchivesAreWalked() {
        for (int minor : new int[] {15, 16}) {
            byte[] archive = ArchiveWriter.sample(1, minor);
            CustomArchiveWalk walk = new CustomArchiveWalk();
            walk.write(archive, 0, archive.length);
            assertThat(walk.finish()).as("1." + minor).isNull();
            assertThat(walk.walksData()).isTrue();
            for (int cut = 0; cut < archive.length; cut++) {
                assertThat(walk(archive, cut, null)).as("1." + minor + " cut at " + cut).isNotNull();
            }
            // read as a 1.14 archive, the extra header byte and relkind shift everything: refused
            byte[] mislabelled = archive.clone();
            mislabelled[6] = 14;
            assertThat(walk(mislabelled)).as("1." + minor + " read as 1.14").isNotNull();
        }
    }

    /**
     * Writes custom-format archives of versions 1.14 to 1.16 as pg_dump's {@code WriteHead}, {@code WriteToc} and
     * custom-format data blocks do (uncompressed data): a table's data and two large objects.
     */
    static final class ArchiveWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final int minor;

        ArchiveWriter(int minor) {
            this.minor = minor;
        }

        static byte[] sample(int major, int minor) {
            return sample(major, minor, 0);
        }

        /** {@code base} is added to the IDs of the two entries with data. */
        static byte[] sample(int major, int minor, int base) {
            ArchiveWriter w = new ArchiveWriter(minor);
            w.bytes("PGDMP".getBytes(StandardCharsets.US_ASCII));
            w.bytes(new byte[] {(byte) major, (byte) minor, 0, 4, 8, 1}); // version, int and offset sizes, custom
            if (minor >= 15) {
                w.bytes(new byte[] {0}); // no compression
            } else {
                w.integer(0); // compression level 0
            }
            for (int v : new int[] {5, 4, 3, 2, 1, 125, 0}) {
                w.integer(v); // the creation date
            }
            w.string("shop");
            w.string("15.0");
            w.string("15.0");
            w.integer(4); // TOC entries
            w.entry(1, false, "ENCODING", "ENCODING", "SET client_encoding = 'UTF8';\n", null, 2, false);
            w.entry(2, false, "t", "TABLE", "CREATE TABLE public.t (id integer, name text);\n", null, 2, false);
            w.entry(base + 3, true, "t", "TABLE DATA", "", "COPY public.t (id, name) FROM stdin;\n", 3, true);
            w.entry(base + 4, true, "BLOBS", "BLOBS", "", null, 3, true);
            w.bytes(new byte[] {1}); // BLK_DATA
            w.integer(base + 3);
            w.chunk("1\tone\n");
            w.chunk("2\ttwo\n");
            w.chunk("\\.\n\n"); // pg_dump's COPY data ends with its own end marker
            w.integer(0);
            w.bytes(new byte[] {3}); // BLK_BLOBS
            w.integer(base + 4);
            w.integer(16390);
            w.chunk("large");
            w.integer(0);
            w.integer(-2147483600); // an OID above 2^31, as pg_dump writes it
            w.chunk("x");
            w.integer(0);
            w.integer(0); // the end of the large objects
            return w.out.toByteArray();
        }

        void entry(int id, boolean dumper, String tag, String desc, String defn, String copy, int section, boolean data) {
            integer(id);
            integer(dumper ? 1 : 0);
            string("0");
            string("0");
            string(tag);
            string(desc);
            integer(section);
            string(defn);
            string("");
            string(copy);
            string(desc.equals("ENCODING") || desc.equals("BLOBS") ? null : "public");
            string("");
            if (minor >= 14) {
                string(desc.equals("TABLE") ? "heap" : "");
            }
            if (minor >= 16) {
                integer(desc.equals("TABLE") ? 'r' : 0);
            }
            string("postgres");
            string("false");
            if (id > 1) {
                string(String.valueOf(id - 1)); // a dependency
            }
            string(null); // the end of the dependencies
            bytes(new byte[] {(byte) (data ? 1 : 3), 0, 0, 0, 0, 0, 0, 0, 0}); // data flag, offset
        }

        void chunk(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            integer(b.length);
            bytes(b);
        }

        void string(String s) {
            if (s == null) {
                integer(-1);
                return;
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            integer(b.length);
            bytes(b);
        }

        void integer(int v) {
            out.write(v < 0 ? 1 : 0);
            long m = Math.abs((long) v);
            for (int i = 0; i < 4; i++) {
                out.write((int) (m >> (8 * i)) & 0xff);
            }
        }

        void bytes(byte[] b) {
            try {
                out.write(b);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }
}
