package dev.lifeboat.crypto;

import dev.lifeboat.api.ConfigurationException;
import dev.lifeboat.api.ConfigurationException.Problem;
import dev.lifeboat.api.ErrorCode;
import dev.lifeboat.api.RestoreException;
import dev.lifeboat.internal.crypto.AgeFormat;
import dev.lifeboat.internal.crypto.SecureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * age identities: the private keys ({@code AGE-SECRET-KEY-1…}, X25519) that decrypt backups. They belong offline
 * (a password manager, a hardware-protected laptop, a sealed envelope) and are loaded only where a restore, a
 * CONTENT verification or a restore drill needs them: {@link dev.lifeboat.Recovery#withIdentities(Identities)}. A
 * backup configuration never accepts them.
 *
 * <p>Nothing here prints key material: {@link #toString()} shows fingerprints of the matching recipients, and
 * parse errors name the line, never its content. Immutable.
 */
public final class Identities {
    private final Map<String, String> identityToRecipient; // canonical identity → its recipient

    private Identities(Map<String, String> identityToRecipient) {
        this.identityToRecipient = identityToRecipient;
    }

    /**
     * Reads an age identity file, as written by {@code age-keygen -o key.txt}: {@code AGE-SECRET-KEY-1…} lines,
     * {@code #} comments and blank lines. Passphrase-protected identity files and plugin identities are not
     * supported (decrypt with the {@code age} command line instead).
     */
    public static Identities fromFile(Path file) {
        Objects.requireNonNull(file, "null file");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException("identity file", "a readable age identity file (age-keygen -o key.txt)",
                    SecureFiles.nameOfSecretFile(file.toString()) + " (" + e.getClass().getSimpleName() + ")");
        }
        if (SecureFiles.readableByOthers(file)) {
            System.getLogger(Identities.class.getName()).log(System.Logger.Level.WARNING,
                    "identity file {0} can be read by other users; chmod 600 it", file);
        }
        return parse(text, "identity file \"" + file + "\"");
    }

    /** Parses identities from text in the identity file format (e.g. from a secrets manager). */
    public static Identities parse(String text) {
        return parse(Objects.requireNonNull(text, "null text"), "identities");
    }

    private static Identities parse(String text, String source) {
        Map<String, String> ids = new LinkedHashMap<>();
        List<Problem> problems = new ArrayList<>();
        int line = 0;
        String requirement = "an age X25519 identity (AGE-SECRET-KEY-1…)";
        for (String l : text.split("\n", -1)) {
            line++;
            String t = l.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String setting = source + " line " + line;
            switch (AgeFormat.Kind.of(t)) {
                case IDENTITY -> {
                    try {
                        String id = AgeFormat.canonicalIdentity(t);
                        ids.putIfAbsent(id, AgeFormat.recipientOf(id));
                    } catch (IllegalArgumentException e) {
                        problems.add(new Problem(setting, requirement, "a line of " + t.length() + " characters that is "
                                + e.getMessage()));
                    }
                }
                case PLUGIN_IDENTITY -> problems.add(new Problem(setting, requirement,
                        "an age plugin identity (AGE-PLUGIN-…), which Lifeboat cannot use; decrypt with the age command line"));
                case RECIPIENT -> problems.add(new Problem(setting, requirement,
                        "a recipient (a public key, age1…), which cannot decrypt; give the matching identity"));
                default -> problems.add(new Problem(setting, requirement, "a line of " + t.length()
                        + " characters that is not an identity (passphrase-protected identity files are not supported)"));
            }
        }
        if (problems.isEmpty() && ids.isEmpty()) {
            problems.add(new Problem(source, "at least one age identity (AGE-SECRET-KEY-1…)", "none"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException(problems);
        }
        return new Identities(ids);
    }

    /** No identities: encrypted parts cannot be decrypted. */
    public static Identities none() {
        return new Identities(Map.of());
    }

    static Identities of(String canonicalIdentity) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(canonicalIdentity, AgeFormat.recipientOf(canonicalIdentity));
        return new Identities(m);
    }

    /** These identities and {@code other}'s (e.g. the current and the previous key after a rotation). */
    public Identities and(Identities other) {
        Map<String, String> all = new LinkedHashMap<>(identityToRecipient);
        other.identityToRecipient.forEach(all::putIfAbsent);
        return new Identities(all);
    }

    /** The recipients (public keys) of these identities, e.g. to configure an application with. */
    public Recipients recipients() {
        if (isEmpty()) {
            throw new IllegalStateException("no identities, so no recipients");
        }
        return Recipients.parse(String.join("\n", identityToRecipient.values()));
    }

    /** The fingerprints of the identities' recipients: what a manifest records for parts encrypted to them. */
    public List<String> fingerprints() {
        return identityToRecipient.values().stream().map(AgeFormat::fingerprint).toList();
    }

    public boolean isEmpty() {
        return identityToRecipient.isEmpty();
    }

    public int size() {
        return identityToRecipient.size();
    }

    /** The plaintext of an age stream; see {@link #decrypt(InputStream, String)}. */
    public InputStream decrypt(InputStream ageStream) throws IOException {
        return decrypt(ageStream, "the age stream");
    }

    /**
     * The plaintext of an age stream (such as {@code age -r} writes), decrypted with whichever of these identities
     * matches. The header is read and authenticated before this returns; plaintext is released one authenticated
     * 64 KiB chunk at a time, and a truncated, extended or modified stream fails with an
     * {@link dev.lifeboat.api.IntegrityException}. When no identity matches, a {@link RestoreException} with
     * {@link ErrorCode#NO_MATCHING_IDENTITY}. Closing the result does not close {@code ageStream}.
     *
     * @param description names the stream in error messages, e.g. {@code part secrets-env of backup …}
     */
    public InputStream decrypt(InputStream ageStream, String description) throws IOException {
        Objects.requireNonNull(ageStream, "null ageStream");
        return AgeFormat.decrypt(ageStream, new ArrayList<>(identityToRecipient.keySet()), description,
                () -> new RestoreException(ErrorCode.NO_MATCHING_IDENTITY, "no identity matches " + description
                        + (isEmpty() ? ": no identity was given" : " (the identities given have fingerprints "
                                + String.join(", ", fingerprints()) + ")")));
    }

    /** The age-keygen style text of one identity; for {@link AgeKeys#writeIdentityFile}. */
    String identityFileText(String created) {
        StringBuilder sb = new StringBuilder();
        identityToRecipient.forEach((id, r) -> sb.append("# created: ").append(created).append('\n')
                .append("# public key: ").append(r).append('\n').append(id).append('\n'));
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Identities[fingerprints " + fingerprints() + "]";
    }
}
