package dev.lifeboat.crypto;

import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.internal.crypto.AgeFormat;
import dev.lifeboat.internal.crypto.SecureFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * age recipients: the public keys ({@code age1…}, X25519) that backups are encrypted to. An application holds only
 * recipients, so it can write backups but never read them; the matching {@link Identities} (private keys) stay
 * offline and are needed only to restore. Several recipients are normal, e.g. the ops team's key and an offline
 * escrow key: any one of their identities can decrypt.
 *
 * <pre>{@code
 * Recipients.parse("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
 * Recipients.fromFile(Path.of("/etc/shop/backup-recipients.txt"))   // one per line, '#' comments (age -R format)
 * }</pre>
 *
 * Immutable. A recipient is public, but the manifest records only its {@link #fingerprints() fingerprint}.
 */
public final class Recipients {
    private final List<String> keys;

    private Recipients(List<String> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * Parses recipients. Each argument may hold several, separated by white space, commas or new lines, and may
     * contain {@code #} comments (so the content of an age recipients file works too). Throws a
     * {@link ConfigurationException} naming every entry that is not an X25519 recipient, without echoing it: an age
     * identity (private key) given by mistake is reported as such and never shown.
     */
    public static Recipients parse(String... recipients) {
        Objects.requireNonNull(recipients, "null recipients");
        List<Problem> problems = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        int index = 0;
        for (String text : recipients) {
            Objects.requireNonNull(text, "null recipient");
            for (String entry : entries(text)) {
                index++;
                add(entry, "recipients entry " + index, keys, problems);
            }
        }
        if (problems.isEmpty() && keys.isEmpty()) {
            problems.add(new Problem("recipients", "at least one age recipient (age1…)", "none"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new Recipients(new ArrayList<>(keys));
    }

    /** Reads an age recipients file: one recipient per line, {@code #} comments and blank lines ignored. */
    public static Recipients fromFile(Path file) {
        Objects.requireNonNull(file, "null file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException("recipients file", "a readable file of age recipients (age1…)",
                    // the name may be a key pasted where a path belongs (an identity, even): not echoed then
                    SecureFiles.nameOfSecretFile(file.toString()) + " (" + e.getClass().getSimpleName() + ")");
        }
        List<Problem> problems = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        int line = 0;
        for (String l : text.split("\n", -1)) {
            line++;
            for (String entry : entries(l)) {
                add(entry, "recipients file \"" + file + "\" line " + line, keys, problems);
            }
        }
        if (problems.isEmpty() && keys.isEmpty()) {
            problems.add(new Problem("recipients file \"" + file + "\"", "at least one age recipient (age1…)", "none"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new Recipients(new ArrayList<>(keys));
    }

    /** These recipients and {@code other}'s, without duplicates. */
    public Recipients and(Recipients other) {
        Set<String> all = new LinkedHashSet<>(keys);
        all.addAll(other.keys);
        return new Recipients(new ArrayList<>(all));
    }

    /** The recipients ({@code age1…}), in order: public keys, e.g. to hand to {@code age -r}. */
    public List<String> keys() {
        return keys;
    }

    /**
     * Each recipient's fingerprint, as recorded in manifests: the first 16 hex digits of the SHA-256 of the
     * {@code age1…} string ({@code printf %s age1… | sha256sum | cut -c1-16}).
     */
    public List<String> fingerprints() {
        return keys.stream().map(AgeFormat::fingerprint).toList();
    }

    public int size() {
        return keys.size();
    }

    /**
     * A stream that age-encrypts everything written to it to these recipients and writes the ciphertext to
     * {@code out}: readable by {@code age -d -i key.txt} with any matching identity. Memory stays constant (64 KiB
     * chunks). {@link OutputStream#close()} writes the final chunk and does not close {@code out}.
     */
    public OutputStream encrypt(OutputStream out) throws IOException {
        return AgeFormat.encrypt(Objects.requireNonNull(out, "null out"), keys);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Recipients r && r.keys.equals(keys);
    }

    @Override
    public int hashCode() {
        return keys.hashCode();
    }

    @Override
    public String toString() {
        return "Recipients" + fingerprints();
    }

    private static List<String> entries(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            int hash = line.indexOf('#');
            String content = hash >= 0 ? line.substring(0, hash) : line;
            for (String token : content.split("[\\s,]+")) {
                if (!token.isBlank()) {
                    out.add(token.strip());
                }
            }
        }
        return out;
    }

    private static void add(String entry, String setting, Set<String> keys, List<Problem> problems) {
        String requirement = "an age X25519 recipient (a public key, age1…)";
        switch (AgeFormat.Kind.of(entry)) {
            case IDENTITY, PLUGIN_IDENTITY -> problems.add(new Problem(setting, requirement,
                    "an age identity (a private key, not shown). The application must hold only public keys:"
                            + " give the identity's recipient instead (age-keygen -y key.txt) and keep the identity offline"));
            case SSH_KEY -> problems.add(new Problem(setting, requirement,
                    "an SSH key, which Lifeboat does not encrypt to; generate an age key pair (age-keygen)"));
            case PLUGIN_RECIPIENT -> problems.add(new Problem(setting, requirement,
                    "an age plugin recipient (age1<plugin>1…), which Lifeboat cannot encrypt to"));
            case RECIPIENT, OTHER -> {
                try {
                    keys.add(AgeFormat.canonicalRecipient(entry));
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(setting, requirement, "a string of " + entry.length() + " characters that is "
                            + e.getMessage()));
                }
            }
        }
    }
}
