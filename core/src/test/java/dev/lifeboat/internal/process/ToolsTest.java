package dev.lifeboat.internal.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.SourceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolsTest {
    @Test
    void aVersionAskedAheadIsTheOneReturned(@TempDir Path dir) throws Exception {
        Path tool = script(dir, "fake-pg_dump", "echo 'pg_dump (PostgreSQL) 15.7'");
        Tools.prefetch(tool.toString());
        assertThat(Tools.versionLine(tool.toString(), "install it")).isEqualTo("pg_dump (PostgreSQL) 15.7");
        // answered from the cache from now on: the program may go away
        Files.delete(tool);
        assertThat(Tools.versionLine(tool.toString(), "install it")).isEqualTo("pg_dump (PostgreSQL) 15.7");
    }

    @Test
    void aFailureAskedAheadIsReportedWithTheCallersHint(@TempDir Path dir) throws Exception {
        String missing = dir.resolve("no-such-tool").toString();
        Tools.prefetch(missing);
        assertThatThrownBy(() -> Tools.versionLine(missing, "Install the PostgreSQL 15 client tools."))
                .isInstanceOf(SourceException.class)
                .satisfies(e -> assertThat(((SourceException) e).code()).isEqualTo(ErrorCode.TOOL_UNAVAILABLE))
                .hasMessageContaining("no-such-tool").hasMessageContaining("Install the PostgreSQL 15 client tools.");

        Path failing = script(dir, "failing-tool", "echo broken >&2; exit 3");
        Tools.prefetch(failing.toString());
        assertThatThrownBy(() -> Tools.versionLine(failing.toString(), "Reinstall it."))
                .isInstanceOf(SourceException.class)
                .hasMessageContaining("exited with 3").hasMessageContaining("broken").hasMessageContaining("Reinstall it.");
    }

    private static Path script(Path dir, String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }
}
