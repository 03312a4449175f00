package dev.lifeboat.cli;

import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.crypto.AgeKeys;
import dev.lifeboat.crypto.SigningKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "keygen", description = {
    "Create an age identity (private key) in a new file with mode 0600 and print its recipient (public key).",
    "Keep the identity offline; put only the recipient into lifeboat.encryption.recipients.",
    "With --signing, create a manifest signing key instead and print its public half (lifeboat.signing.public-key)."})
final class KeygenCommand extends Subcommand {
    @Option(names = "--out", paramLabel = "FILE", description = "where to write the key (default: lifeboat-identity.txt,"
            + " or lifeboat-signing.pem with --signing); never overwritten")
    Path out;

    @Option(names = "--signing", description = "create an Ed25519 manifest signing key instead of an age identity")
    boolean signing;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = out();
        Path file = out != null ? out : Path.of(signing ? "lifeboat-signing.pem" : "lifeboat-identity.txt");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ConfigurationException("--out", "a file that does not exist yet (keys are never overwritten)", "\"" + file + "\"");
        }
        Map<String, Object> o = new LinkedHashMap<>();
        try {
            if (signing) {
                SigningKey key = SigningKey.generate();
                key.writeTo(file);
                o.put("file", file.toString());
                o.put("publicKey", key.verifyKey().toString());
                o.put("fingerprint", key.fingerprint());
            } else {
                AgeKeys keys = AgeKeys.generate();
                keys.writeIdentityFile(file);
                o.put("file", file.toString());
                o.put("recipient", keys.recipient().keys().get(0));
                o.put("fingerprint", keys.recipient().fingerprints().get(0));
            }
        } catch (IOException e) {
            // a directory that does not exist or cannot be written: the operator's to fix, not a bug of ours
            throw new ConfigurationException("--out", "a new file in an existing directory this user can write to",
                    "\"" + file + "\" (" + (e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getClass().getSimpleName()) + ")");
        }
        if (main.json) {
            stdout.println(Output.json(o));
        } else {
            stdout.println(signing ? o.get("publicKey") : o.get("recipient"));
            err().println("wrote " + (signing ? "signing key" : "identity") + " to " + file
                    + " (mode 600); " + (signing ? "trust the public key above: lifeboat.signing.public-key"
                            : "keep it offline; configure the recipient above: lifeboat.encryption.recipients"));
        }
        return Main.OK;
    }
}
