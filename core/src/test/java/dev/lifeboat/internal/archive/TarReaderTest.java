package dev.lifeboat.internal.archive;

import static dev.lifeboat.internal.archive.TarSamples.LINK_TARGET;
import static dev.lifeboat.internal.archive.TarSamples.LONG;
import static dev.lifeboat.internal.archive.TarSamples.UNICODE;
import static dev.lifeboat.internal.archive.TarSamples.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.testing.Requirements;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarReaderTest {
    @Test
    void readsBackEverythingTheWriterWrites() throws Exception {
        TarReader in = new TarReader(new ByteArrayInputStream(TarSamples.everyHeaderCase()));
        TarReader.Entry e = in.next();
        assertThat(e.name()).isEqualTo("dir/");
        assertThat(e.isDirectory()).isTrue();
        assertThat(e.mode()).isEqualTo(0750);
        assertThat(e.uid()).isEqualTo(1000);
        assertThat(e.gid()).isEqualTo(1000);
        assertThat(e.mtime().toInstant()).isEqualTo(Instant.ofEpochSecond(1_600_000_000L));
        assertFile(in, "dir/plain.txt", "hello", 0640);
        assertFile(in, LONG, "long name", 0644);
        assertFile(in, UNICODE, "unicode", 0600);
        e = assertFile(in, "big-ids", "ids", 0644);
        assertThat(e.uid()).isEqualTo(3_000_000_000L);
        assertThat(e.gid()).isEqualTo(4_000_000L);
        assertThat(assertFile(in, "old", "1969", 0644).mtime().toInstant()).isEqualTo(Instant.ofEpochSecond(-86_400L));
        assertThat(assertFile(in, "future", "2300", 0644).mtime().toInstant()).isEqualTo(Instant.parse("2300-01-01T00:00:00Z"));
        e = in.next();
        assertThat(e.isSymbolicLink()).isTrue();
        assertThat(e.linkName()).isEqualTo(LINK_TARGET);
        assertFile(in, "n".repeat(100), "exactly 100 bytes: ustar", 0644);
        assertFile(in, "n".repeat(101), "101 bytes: pax", 0644);
        assertFile(in, "line\nbreak", "control character: pax", 0644);
        assertThat(in.next()).isNull();
        assertThat(in.ended()).isTrue();
    }

    @Test
    void entriesOfNoDataAndOfExactlyOneBlock() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(bytes, 4096);
        file(tar, "empty", "", 0644, 0, 0, 1_600_000_000L);
        byte[] block = new byte[TarReader.BLOCK];
        new SplittableRandom(7).nextBytes(block);
        file(tar, "exactly-one-block", block, 0644, 0, 0, 0);
        file(tar, "after", "z", 0644, 0, 0, 0);
        tar.finish();
        TarReader in = new TarReader(new ByteArrayInputStream(bytes.toByteArray()));
        assertFile(in, "empty", "", 0644);
        assertThat(in.next().name()).isEqualTo("exactly-one-block");
        assertThat(readAll(in)).isEqualTo(block);
        assertFile(in, "after", "z", 0644);
        assertThat(in.next()).isNull();
    }

    @Test
    void skipsUnreadDataOfAnEntry() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(bytes, 4096);
        file(tar, "a", "x".repeat(100_000), 0644, 0, 0, 0);
        file(tar, "b", "second", 0644, 0, 0, 0);
        tar.finish();
        TarReader in = new TarReader(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(in.next().size()).isEqualTo(100_000);
        byte[] some = new byte[10];
        assertThat(in.read(some, 0, 10)).isEqualTo(10);
        assertFile(in, "b", "second", 0644);
        assertThat(in.next()).isNull();
    }

    @Test
    void readsCommonsCompressGnuLongNamesBigNumbersAndHardLinks() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
            TarArchiveEntry f = new TarArchiveEntry(LONG);
            byte[] content = "gnu long name".getBytes(StandardCharsets.UTF_8);
            f.setSize(content.length);
            f.setMode(0100640);
            f.setUserId(2_500_000L); // beyond 7 octal digits: base-256 with BIGNUMBER_STAR
            f.setModTime(1_600_000_000_000L);
            tar.putArchiveEntry(f);
            tar.write(content);
            tar.closeArchiveEntry();
            TarArchiveEntry h = new TarArchiveEntry("hard", TarConstants.LF_LINK);
            h.setLinkName("l".repeat(120));
            tar.putArchiveEntry(h);
            tar.closeArchiveEntry();
        }
        TarReader in = new TarReader(new ByteArrayInputStream(bytes.toByteArray()));
        TarReader.Entry e = assertFile(in, LONG, "gnu long name", 0640);
        assertThat(e.uid()).isEqualTo(2_500_000L);
        assertThat(e.mtime().toInstant()).isEqualTo(Instant.ofEpochSecond(1_600_000_000L));
        e = in.next();
        assertThat(e.isHardLink()).isTrue();
        assertThat(e.linkName()).isEqualTo("l".repeat(120));
        assertThat(in.next()).isNull();
    }

    @Test
    void readsWhatGnuTarWritesInBothFormats(@TempDir Path dir) throws Exception {
        Requirements.requireTool("tar");
        Path src = Files.createDirectories(dir.resolve("src").resolve("a".repeat(90)).resolve("b".repeat(90)));
        Map<String, byte[]> files = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(42);
        for (String name : List.of("small.txt", "c".repeat(120) + ".bin", "ünï.txt")) {
            byte[] b = new byte[random.nextInt(1, 5000)];
            random.nextBytes(b);
            Files.write(src.resolve(name), b);
            files.put(dir.resolve("src").relativize(src.resolve(name)).toString(), b);
        }
        Files.createSymbolicLink(src.resolve("sym"), Path.of("small.txt"));
        for (String format : List.of("gnu", "posix", "ustar")) {
            Path archive = dir.resolve(format + ".tar");
            Process p = new ProcessBuilder("tar", "--format=" + format, "-cf", archive.toString(), "-C",
                    dir.resolve("src").toString(), ".").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            if (format.equals("ustar")) {
                continue; // names over 255 bytes do not fit ustar: tar refuses them, which is the point of pax
            }
            assertThat(p.exitValue()).as(out).isZero();
            Map<String, byte[]> read = new LinkedHashMap<>();
            List<String> links = new ArrayList<>();
            TarReader in = new TarReader(Files.newInputStream(archive));
            for (TarReader.Entry e; (e = in.next()) != null; ) {
                String name = e.name().startsWith("./") ? e.name().substring(2) : e.name();
                if (e.isFile()) {
                    read.put(name, readAll(in));
                } else if (e.isSymbolicLink()) {
                    links.add(name + " -> " + e.linkName());
                }
            }
            assertThat(read.keySet()).as(format).containsExactlyInAnyOrderElementsOf(files.keySet());
            files.forEach((name, b) -> assertThat(read.get(name)).as(format + " " + name).isEqualTo(b));
            assertThat(links).as(format).containsExactly("a".repeat(90) + "/" + "b".repeat(90) + "/sym -> small.txt");
        }
    }

    @Test
    void aDamagedHeaderIsAChecksumError() throws Exception {
        byte[] tar = archive("name.txt", "content");
        tar[3] ^= 0x20;
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(tar)).next())
                .isInstanceOf(IOException.class).hasMessageContaining("checksum mismatch at offset 0");
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream("not a tar archive at all".repeat(40)
                .getBytes(StandardCharsets.US_ASCII))).next()).isInstanceOf(IOException.class).hasMessageContaining("checksum");
    }

    @Test
    void aStreamCutShortIsAnError() throws Exception {
        byte[] tar = archive("name.txt", "x".repeat(2000));
        TarReader cutInData = new TarReader(new ByteArrayInputStream(Arrays.copyOf(tar, 1000)));
        cutInData.next();
        assertThatThrownBy(() -> readAll(cutInData)).isInstanceOf(EOFException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(Arrays.copyOf(tar, 300))).next())
                .isInstanceOf(EOFException.class).hasMessageContaining("inside a header");
        // skipping to the next entry over data that is not there
        TarReader skipping = new TarReader(new ByteArrayInputStream(Arrays.copyOf(tar, 1000)));
        skipping.next();
        assertThatThrownBy(skipping::next).isInstanceOf(EOFException.class);
    }

    @Test
    void badNumbersAndPaxRecordsAreRefused() throws Exception {
        byte[] size = archive("f", "abc");
        System.arraycopy("00000000009\0".getBytes(StandardCharsets.US_ASCII), 0, size, 124, 12);
        fixChecksum(size);
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(size)).next())
                .hasMessageContaining("size field").hasMessageContaining("not an octal digit");

        byte[] negative = archive("f", "abc");
        Arrays.fill(negative, 108, 116, (byte) 0xff); // uid -1 in GNU base-256
        fixChecksum(negative);
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(negative)).next())
                .hasMessageContaining("uid field").hasMessageContaining("negative base-256");
        byte[] farFuture = archive("f", "abc");
        farFuture[136] = (byte) 0x80;
        Arrays.fill(farFuture, 137, 148, (byte) 0x3f); // a base-256 mtime beyond what Instant holds
        fixChecksum(farFuture);
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(farFuture)).next()).hasMessageContaining("mtime field");
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(pax("12 path=a\n", "f"))).next())
                .hasMessageContaining("malformed pax record");
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(pax("10 pathxa\n", "f"))).next())
                .hasMessageContaining("without '='");
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(pax("11 size=-1\n", "f"))).next())
                .hasMessageContaining("not a non-negative integer");
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(pax("28 size=4611686018427387905\n", "f"))).next())
                .hasMessageContaining("more than 2^62 bytes");
        String digits = "9".repeat(300_000); // a value as long as the header allows is not quoted whole
        String record = " mtime=" + digits + "\n";
        int len = record.length() + Integer.toString(record.length() + 6).length();
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(pax(len + record, "f"))).next())
                .hasMessageContaining("pax mtime \"999").hasMessageContaining("…\" is not a time")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400));
        assertThat(new TarReader(new ByteArrayInputStream(pax("16 path=renamed\n", "f"))).next().name()).isEqualTo("renamed");
        assertThat(new TarReader(new ByteArrayInputStream(pax("19 mtime=-86400.25\n", "f"))).next().mtime().toInstant())
                .isEqualTo(Instant.ofEpochSecond(-86_401L, 750_000_000L));
    }

    @Test
    void anOversizedExtendedHeaderIsRefusedBeforeItIsRead() throws Exception {
        byte[] header = new byte[TarReader.BLOCK];
        put(header, 0, "././@PaxHeader");
        put(header, 100, "0000644\0");
        put(header, 124, String.format("%011o\0", TarReader.MAX_EXTENDED_HEADER + 1L));
        header[156] = 'x';
        put(header, 257, "ustar\0" + "00");
        fixChecksum(header);
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(header)).next())
                .hasMessageContaining("extended header at offset 0 is 1048577 bytes");
    }

    @Test
    void anExtendedHeaderWithoutItsEntryIsAnError() throws Exception {
        byte[] tar = pax("16 path=renamed\n", "f");
        byte[] cut = Arrays.copyOf(tar, 2 * TarReader.BLOCK); // pax header and its data, then nothing
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(cut)).next()).isInstanceOf(EOFException.class);
        byte[] ended = Arrays.copyOf(cut, 4 * TarReader.BLOCK); // then zero blocks
        assertThatThrownBy(() -> new TarReader(new ByteArrayInputStream(ended)).next())
                .hasMessageContaining("followed by the end of the archive");
    }

    /** A pax header with {@code records}, then a file entry {@code name} with content "abc". */
    private static byte[] pax(String records, String name) throws IOException {
        byte[] data = records.getBytes(StandardCharsets.UTF_8);
        byte[] header = new byte[TarReader.BLOCK];
        put(header, 0, "././@PaxHeader");
        put(header, 100, "0000644\0");
        put(header, 124, String.format("%011o\0", data.length));
        header[156] = 'x';
        put(header, 257, "ustar\0" + "00");
        fixChecksum(header);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(header);
        out.write(Arrays.copyOf(data, Math.max(1, (data.length + TarReader.BLOCK - 1) / TarReader.BLOCK) * TarReader.BLOCK));
        out.write(archive(name, "abc"));
        return out.toByteArray();
    }

    private static byte[] archive(String name, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(bytes, 4096);
        file(tar, name, content, 0644, 0, 0, 1_600_000_000L);
        tar.finish();
        return bytes.toByteArray();
    }

    private static void put(byte[] header, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, at, b.length);
    }

    private static void fixChecksum(byte[] tar) {
        Arrays.fill(tar, 148, 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < TarReader.BLOCK; i++) {
            sum += tar[i] & 0xff;
        }
        put(tar, 148, String.format("%06o\0 ", sum));
    }

    private static TarReader.Entry assertFile(TarReader in, String name, String content, int mode) throws IOException {
        TarReader.Entry e = in.next();
        assertThat(e.name()).isEqualTo(name);
        assertThat(e.isFile()).isTrue();
        assertThat(e.mode()).isEqualTo(mode);
        assertThat(new String(readAll(in), StandardCharsets.UTF_8)).isEqualTo(content);
        return e;
    }

    private static byte[] readAll(TarReader in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[777];
        for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
