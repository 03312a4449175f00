package dev.lifeboat.internal.json;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the JSON writer puts into manifests and the CLI's output, and reads back unchanged. */
class JsonTest {
    @Test
    void charactersATerminalWouldActOnAreEscapedAndReadBackAsTheyWere() {
        // ESC, DEL, C1's CSI (U+009B), a right-to-left override, a line separator
        String hostile = "a\u001b[31mb\u007fc\u009b2Jd\u202eexe.txt\u2028e";
        String json = Json.write(Map.of("name", hostile));
        assertThat(json).doesNotContain("\u001b", "\u007f", "\u009b", "\u202e", "\u2028")
                .contains("\\u001b", "\\u007f", "\\u009b", "\\u202e", "\\u2028");
        assertThat(Json.parse(json)).isEqualTo(Map.of("name", hostile));
    }

    @Test
    void aLoneSurrogateIsEscapedSoUtf8CannotTurnItIntoAQuestionMark() {
        String lone = "x\ud800y\udc00z";
        String pair = "emoji \ud83d\ude00";
        String json = Json.write(List.of(lone, pair));
        assertThat(json).contains("x\\ud800y\\udc00z").contains(pair);
        assertThat(Json.parse(new String(json.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)))
                .isEqualTo(List.of(lone, pair));
    }

    @Test
    void ordinaryTextStaysReadable() {
        assertThat(Json.writeCompact("café – ünïcødé 日本")).isEqualTo("\"café – ünïcødé 日本\"");
    }
}
