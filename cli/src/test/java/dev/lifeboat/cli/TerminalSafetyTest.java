package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.api.BackupId;
import dev.lifeboat.api.BackupStatus;
import dev.lifeboat.api.catalog.Issue;
import dev.lifeboat.api.catalog.Manifest;
import dev.lifeboat.api.catalog.PartInfo;
import dev.lifeboat.api.catalog.StoreCopy;
import dev.lifeboat.api.source.SourceKind;
import dev.lifeboat.api.store.ObjectWriter;
import dev.lifeboat.internal.catalog.Catalog;
import dev.lifeboat.internal.catalog.Layout;
import dev.lifeboat.internal.catalog.ManifestCodec;
import dev.lifeboat.internal.io.Hex;
import dev.lifeboat.store.LocalStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manifest is written by whoever can write to the store; with no trusted key configured an unsigned one is read.
 * Nothing in it may reach the operator's terminal as an escape sequence (C0 or C1) or a bidi override, in the human
 * form or in JSON.
 */
class TerminalSafetyTest {
    private static final String ESC = "\u001b]0;owned\u0007";
    private static final String CSI = "\u009b2J";
    private static final String RLO = "\u202e";

    @TempDir
    Path dir;

    @Test
    void showAndVerifyPrintNoControlOrBidiCharacterFromAHostileManifest() throws Exception {
        LocalStore store = LocalStore.at(dir.resolve("store"));
        BackupId id = BackupId.generate(Instant.now());
        byte[] body = "not really a database".getBytes(StandardCharsets.UTF_8);
        String key = Layout.partKey(id, "db-app.sqlite.zst");
        try (ObjectWriter w = store.write(key)) {
            w.stream().write(body);
            w.commit();
        }
        String sha = Hex.sha256Hex(body);
        PartInfo part = new PartInfo("app", SourceKind.DATABASE, "sqlite+zstd" + CSI, key, body.length + 1, sha, body.length,
                sha, false, 1, Map.of("sqlite", "3" + ESC), Map.of("main.t" + RLO, 1L), null,
                List.of(new Issue(Issue.Severity.INCOMPLETE, "uploads/x" + ESC, "cannot be read" + CSI)));
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, id, "shop" + ESC, BackupStatus.SUCCESS, Instant.now(), Instant.now(),
                "host" + RLO + CSI, "1" + ESC, List.of(part), null,
                List.of(new StoreCopy("local", "here", false, false, "refused" + ESC)));
        new Catalog(store).publish(m, ManifestCodec.encode(m));
        Path config = Files.writeString(dir.resolve("lifeboat.properties"),
                "lifeboat.stores.local.type=local\nlifeboat.stores.local.path=" + dir.resolve("store") + "\n");

        for (String[] args : new String[][] {{"--config", config.toString(), "show", id.value()},
            {"--config", config.toString(), "verify", id.value()}, {"--config", config.toString(), "--json", "show", id.value()}}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            String all = out + "\n" + err;
            assertThat(all).as(String.join(" ", args)).doesNotContain("\u001b", "\u0007", "\u009b", "\u202e")
                    .contains(args[2].equals("verify") ? "uploads/x" : "shop");
        }
    }
}
