package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which local failures a retry cannot fix, judged on the exceptions the JDK really throws. */
class LocalStoreFailuresTest {
    @Test
    void aFullDiskIsPermanent() {
        Path full = Path.of("/dev/full");
        assertThat(full).as("Linux's always-full device").exists();
        // the kernel answers ENOSPC to every write, exactly as a full file system does
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> {
            try (FileOutputStream out = new FileOutputStream(full.toFile())) {
                out.write(new byte[4096]);
            }
        });
        assertThat(e.getMessage()).contains("No space left on device");
        assertThat(LocalStore.permanent(e)).isTrue();
    }

    @Test
    void readOnlyQuotaAndPermissionArePermanentOtherFailuresMayPass() {
        assertThat(LocalStore.permanent(new FileSystemException("/backups/x", null, "Read-only file system"))).isTrue();
        assertThat(LocalStore.permanent(new IOException("Disk quota exceeded"))).isTrue();
        assertThat(LocalStore.permanent(new AccessDeniedException("/backups/x"))).isTrue();
        assertThat(LocalStore.permanent(new IOException("Input/output error"))).isFalse();
        assertThat(LocalStore.permanent(new IOException((String) null))).isFalse();
    }
}
