package dev.lifeboat.internal.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** One archive with every case of {@link TarWriter}'s header logic, read back by the writer's and the reader's tests. */
final class TarSamples {
    static final String LONG = "d".repeat(150) + "/" + "f".repeat(120) + ".txt";
    static final String UNICODE = "résumé-日本語/Ωμέγα.txt";
    static final String LINK_TARGET = "l".repeat(130) + "/ziel-ä";

    private TarSamples() {}

    /**
     * dir/ (0750, 1000:1000), dir/plain.txt, a 271-byte name, a non-ASCII name, ids over 2,097,151, mtimes before
     * 1970 and after 2242, a symlink with a long target, names of exactly 100 and 101 bytes, a control character.
     */
    static byte[] everyHeaderCase() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(bytes, 4096);
        tar.directory("dir", 0750, 1000, 1000, 1_600_000_000L);
        file(tar, "dir/plain.txt", "hello", 0640, 1000, 1000, 1_600_000_000L);
        file(tar, LONG, "long name", 0644, 0, 0, 1_600_000_000L);
        file(tar, UNICODE, "unicode", 0600, 0, 0, 1_600_000_000L);
        file(tar, "big-ids", "ids", 0644, 3_000_000_000L, 4_000_000L, 1_600_000_000L);
        file(tar, "old", "1969", 0644, 0, 0, -86_400L);
        file(tar, "future", "2300", 0644, 0, 0, Instant.parse("2300-01-01T00:00:00Z").getEpochSecond());
        tar.symlink("link", LINK_TARGET, 0777, 0, 0, 1_600_000_000L);
        file(tar, "n".repeat(100), "exactly 100 bytes: ustar", 0644, 0, 0, 1_600_000_000L);
        file(tar, "n".repeat(101), "101 bytes: pax", 0644, 0, 0, 1_600_000_000L);
        file(tar, "line\nbreak", "control character: pax", 0644, 0, 0, 1_600_000_000L);
        tar.finish();
        return bytes.toByteArray();
    }

    static void file(TarWriter tar, String name, String content, int mode, long uid, long gid, long mtime) throws IOException {
        file(tar, name, content.getBytes(StandardCharsets.UTF_8), mode, uid, gid, mtime);
    }

    static void file(TarWriter tar, String name, byte[] content, int mode, long uid, long gid, long mtime) throws IOException {
        tar.beginFile(name, content.length, mode, uid, gid, mtime);
        tar.write(content, 0, content.length);
        tar.endFile();
    }
}
