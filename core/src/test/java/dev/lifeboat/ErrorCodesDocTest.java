package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every error code a message can carry is in docs/errors.md, with its name and the CLI's exit code. */
class ErrorCodesDocTest {
    @Test
    void everyCodeIsDocumentedWithItsExitCode() throws Exception {
        Path doc = Path.of("..", "docs", "errors.md");
        String text = Files.readString(doc);
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(text).as(code + " in " + doc).contains("| " + code.id() + " | `" + code.name() + "` | " + code.exitCode() + " |");
        }
    }
}
