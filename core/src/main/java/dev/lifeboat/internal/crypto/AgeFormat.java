package dev.lifeboat.internal.crypto;

import com.exceptionfactory.jagged.DecryptingChannelFactory;
import com.exceptionfactory.jagged.FileKey;
import com.exceptionfactory.jagged.RecipientStanza;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.UnsupportedRecipientStanzaException;
import com.exceptionfactory.jagged.bech32.Bech32;
import com.exceptionfactory.jagged.bech32.Bech32Address;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import com.exceptionfactory.jagged.framework.crypto.CipherKey;
import com.exceptionfactory.jagged.framework.format.StandardPayloadKeyWriter;
import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import dev.lifeboat.api.IntegrityException;
import dev.lifeboat.api.LifeboatException;
import dev.lifeboat.internal.io.Hex;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import javax.crypto.KeyAgreement;

/**
 * The age format (age-encryption.org/v1, X25519 recipients) on top of jagged: key strings, fingerprints, and
 * streaming encryption and decryption. No jagged type leaves this package.
 *
 * <p>Messages never contain identity (private key) material: input that might be an identity is described, never
 * echoed, and jagged's own messages are not passed on for identity parsing.
 */
public final class AgeFormat {
    /** Human-readable part of an X25519 recipient: {@code age1…}. */
    public static final String RECIPIENT_HRP = "age";
    /** Human-readable part of an X25519 identity: {@code AGE-SECRET-KEY-1…}. */
    public static final String IDENTITY_HRP = "AGE-SECRET-KEY-";
    /** How every X25519 identity string starts. */
    public static final String IDENTITY_PREFIX = "AGE-SECRET-KEY-1";
    /** Length of a recipient fingerprint in hex digits. */
    static final int FINGERPRINT_HEX = 16;

    private static final BigInteger BASE_POINT = BigInteger.valueOf(9);

    private AgeFormat() {}

    /** What a string looks like, for messages that must not echo it. */
    public enum Kind {
        RECIPIENT, IDENTITY, PLUGIN_RECIPIENT, PLUGIN_IDENTITY, SSH_KEY, OTHER;

        public static Kind of(String s) {
            String t = s.strip();
            String upper = t.toUpperCase(Locale.ROOT);
            if (upper.startsWith("AGE-PLUGIN-")) {
                return PLUGIN_IDENTITY;
            }
            if (upper.startsWith(IDENTITY_HRP)) {
                return IDENTITY;
            }
            if (t.startsWith("ssh-") || t.startsWith("ecdsa-sha2-") || t.startsWith("sk-ssh-") || t.startsWith("-----BEGIN OPENSSH")) {
                return SSH_KEY;
            }
            String lower = t.toLowerCase(Locale.ROOT);
            if (lower.startsWith("age1") && lower.indexOf('1', 4) >= 0) {
                return PLUGIN_RECIPIENT; // age1<plugin>1…: '1' is not in bech32's data alphabet
            }
            return lower.startsWith("age1") ? RECIPIENT : OTHER;
        }
    }

    /**
     * Validates an X25519 recipient ({@code age1…}) and returns its canonical (lower case) form. Throws
     * {@link IllegalArgumentException} with a message that does not echo the input.
     */
    public static String canonicalRecipient(String recipient) {
        String t = recipient.strip().toLowerCase(Locale.ROOT);
        byte[] key;
        try {
            Bech32Address a = Bech32.getDecoder().decode(t);
            if (!RECIPIENT_HRP.contentEquals(a.getHumanReadablePart())) {
                throw new IllegalArgumentException("wrong prefix");
            }
            key = a.getData();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a valid age X25519 recipient (age1… with a valid checksum)");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException("not a valid age X25519 recipient (the key is not 32 bytes)");
        }
        try {
            X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(t);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a usable age X25519 recipient");
        }
        return t;
    }

    /**
     * Validates an X25519 identity ({@code AGE-SECRET-KEY-1…}) and returns its canonical (upper case) form. Throws
     * {@link IllegalArgumentException} with a message that never contains the input.
     */
    public static String canonicalIdentity(String identity) {
        String t = identity.strip().toUpperCase(Locale.ROOT);
        byte[] key = identityKey(t);
        Arrays.fill(key, (byte) 0);
        try {
            X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(t);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a usable age X25519 identity");
        }
        return t;
    }

    /** The recipient (public key, {@code age1…}) of an identity. */
    public static String recipientOf(String identity) {
        byte[] priv = identityKey(identity.strip().toUpperCase(Locale.ROOT));
        try {
            // X25519(k, 9) is the public key: RFC 7748 §6.1
            KeyFactory kf = KeyFactory.getInstance("X25519");
            var privateKey = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, priv));
            PublicKey base = kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BASE_POINT));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(privateKey);
            ka.doPhase(base, true);
            byte[] pub = ka.generateSecret();
            return Bech32.getEncoder().encode(RECIPIENT_HRP, pub).toString().toLowerCase(Locale.ROOT);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot derive an X25519 public key", e);
        } finally {
            Arrays.fill(priv, (byte) 0);
        }
    }

    /** A new random identity, {@code AGE-SECRET-KEY-1…} (as {@code age-keygen} makes). */
    public static String generateIdentity() {
        try {
            KeyPair kp = new X25519KeyPairGenerator().generateKeyPair();
            return kp.getPrivate().toString().toUpperCase(Locale.ROOT);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate X25519 keys", e);
        }
    }

    /**
     * The fingerprint Lifeboat records for a recipient: the first {@value #FINGERPRINT_HEX} hex digits of the SHA-256
     * of the canonical {@code age1…} string, i.e. {@code printf %s age1… | sha256sum | cut -c1-16}.
     */
    public static String fingerprint(String canonicalRecipient) {
        return Hex.sha256Hex(canonicalRecipient.getBytes(StandardCharsets.US_ASCII)).substring(0, FINGERPRINT_HEX);
    }

    /**
     * A stream that age-encrypts what is written to it for {@code recipients} and writes the result to {@code out}.
     * The header is written at once; {@link OutputStream#close()} writes the final chunk and does <em>not</em> close
     * {@code out}. Chunks are sealed in parallel on up to {@link #defaultThreads()} threads and written in order; memory
     * is constant (at most 4 chunks of 64 KiB per thread in flight).
     */
    public static OutputStream encrypt(OutputStream out, List<String> recipients) throws IOException {
        return encrypt(out, recipients, defaultThreads());
    }

    /**
     * Threads that seal chunks by default. With the JDK's cipher (≈ 200 MB/s per core on JDK 17) sealing is the
     * slowest stage: the available processors, at most 4. With Conscrypt's (≈ 1.4 GB/s) a chunk is sealed in about
     * the time it takes to hand it to another thread and back: on one or two cores, which compression already keeps
     * busy, it is sealed on the caller's thread (an encrypted 1 GB files backup on 2 cores: ≈ 7 % less wall time,
     * 8 % less CPU than with 2 sealing threads); on more cores, 2 threads keep sealing off the caller's thread.
     */
    public static int defaultThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (ChunkCiphers.fast()) {
            return cores <= 2 ? 1 : 2;
        }
        return Math.min(4, cores);
    }

    /**
     * As {@link #encrypt(OutputStream, List)}, sealing chunks on {@code threads} threads (1: on the caller's thread).
     * jagged writes the header (X25519 recipient stanzas, header MAC) and the payload nonce and derives the payload
     * key; {@link AgePayloadStream} seals the STREAM chunks with ChaCha20-Poly1305 ({@link ChunkCiphers}).
     */
    public static OutputStream encrypt(OutputStream out, List<String> recipients, int threads) throws IOException {
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("no recipients");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, but was " + threads);
        }
        List<RecipientStanzaWriter> writers = new ArrayList<>();
        try {
            for (String r : recipients) {
                writers.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(r));
            }
            // the same buffer size jagged's own encrypting channel gives its header writer
            ByteBuffer header = ByteBuffer.allocate(AgePayloadStream.CHUNK + 16);
            CipherKey payloadKey = new StandardPayloadKeyWriter().writeFileHeader(header, writers);
            byte[] key = payloadKey.getEncoded();
            try {
                header.flip();
                out.write(header.array(), header.arrayOffset() + header.position(), header.remaining());
                return new AgePayloadStream(out, key, threads);
            } finally {
                Arrays.fill(key, (byte) 0);
                payloadKey.destroy();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("age encryption is not available on this JDK: " + e.getMessage(), e);
        }
    }

    /** age's STREAM nonce for chunk {@code counter} (for tests). */
    public static byte[] streamNonce(long counter, boolean last) {
        return AgePayloadStream.nonce(counter, last);
    }

    /**
     * A stream of the plaintext of the age stream {@code in}, decrypted with the first of {@code identities} that
     * matches. The header is read (and authenticated) before this returns:
     *
     * <ul>
     *   <li>no identity matches → the exception from {@code noMatch};
     *   <li>the header or any chunk fails authentication, the stream is truncated or has trailing data →
     *       {@link IntegrityException} naming {@code what}, thrown from here or from {@code read}.
     * </ul>
     *
     * Chunks are released only once authenticated. Closing the returned stream does not close {@code in}.
     */
    public static InputStream decrypt(InputStream in, List<String> identities, String what,
            Supplier<? extends RuntimeException> noMatch) throws IOException {
        if (identities.isEmpty()) {
            throw noMatch.get();
        }
        List<RecipientStanzaReader> readers = new ArrayList<>();
        for (String id : identities) {
            try {
                readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(id));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IllegalArgumentException("an identity is not usable"); // validated on parse; never echoed
            }
        }
        // chunks are opened with Conscrypt when it is usable (≈ 7× JDK 17's cipher), as they are sealed
        DecryptingChannelFactory factory = ChunkCiphers.provider() != null
                ? new StandardDecryptingChannelFactory(ChunkCiphers.provider()) : new StandardDecryptingChannelFactory();
        ReadableByteChannel channel;
        try {
            channel = factory.newDecryptingChannel(new InputChannel(in), List.of(new AnyOf(readers)));
        } catch (UnsupportedRecipientStanzaException e) {
            throw noMatch.get();
        } catch (GeneralSecurityException e) {
            throw new IntegrityException(what + " has an age header that does not authenticate; it was modified after"
                    + " it was written");
        } catch (IOException | RuntimeException e) {
            if (e instanceof LifeboatException le) {
                throw le;
            }
            if (isJagged(e)) {
                throw new IntegrityException(what + " is not a valid age stream (" + e.getClass().getSimpleName()
                        + "); it was modified, truncated or replaced after it was written");
            }
            throw e;
        }
        return new DecryptingStream(channel, what);
    }

    static boolean isJagged(Throwable e) {
        return e.getClass().getName().startsWith("com.exceptionfactory.jagged.")
                || e instanceof java.nio.BufferUnderflowException || e instanceof java.nio.BufferOverflowException;
    }

    private static byte[] identityKey(String upper) {
        try {
            Bech32Address a = Bech32.getDecoder().decode(upper);
            if (!IDENTITY_HRP.contentEquals(a.getHumanReadablePart().toString().toUpperCase(Locale.ROOT))) {
                throw new IllegalArgumentException();
            }
            byte[] key = a.getData();
            if (key.length != 32) {
                Arrays.fill(key, (byte) 0);
                throw new IllegalArgumentException();
            }
            return key;
        } catch (RuntimeException e) {
            // never pass on the decoder's message: it may quote the key
            throw new IllegalArgumentException("not a valid age X25519 identity (AGE-SECRET-KEY-1… with a valid checksum)");
        }
    }

    /** Tries each identity in turn; "not matched" only when none matches. */
    private static final class AnyOf implements RecipientStanzaReader {
        private final List<RecipientStanzaReader> readers;

        AnyOf(List<RecipientStanzaReader> readers) {
            this.readers = readers;
        }

        @Override
        public FileKey getFileKey(Iterable<RecipientStanza> stanzas) throws GeneralSecurityException {
            for (RecipientStanzaReader r : readers) {
                try {
                    return r.getFileKey(stanzas);
                } catch (UnsupportedRecipientStanzaException e) {
                    // try the next identity
                }
            }
            throw new UnsupportedRecipientStanzaException("no identity matches");
        }
    }

    /** Reads a stream into a channel's buffers; never closes the stream. */
    private static final class InputChannel implements ReadableByteChannel {
        private final InputStream in;
        private boolean open = true;

        InputChannel(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (!dst.hasRemaining()) {
                return 0;
            }
            if (dst.hasArray()) {
                int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
                if (n > 0) {
                    dst.position(dst.position() + n);
                }
                return n;
            }
            byte[] buf = new byte[Math.min(dst.remaining(), 64 * 1024)];
            int n = in.read(buf);
            if (n > 0) {
                dst.put(buf, 0, n);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    private static final class DecryptingStream extends InputStream {
        private final ReadableByteChannel channel;
        private final String what;
        private boolean eof;

        DecryptingStream(ReadableByteChannel channel, String what) {
            this.channel = channel;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (eof) {
                return -1;
            }
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            while (true) {
                int n;
                try {
                    n = channel.read(buf);
                } catch (IOException | RuntimeException e) {
                    if (e instanceof LifeboatException le) {
                        throw le;
                    }
                    if (isJagged(e)) {
                        throw new IntegrityException(what + " fails age authentication: it was modified, truncated,"
                                + " extended or swapped after it was written");
                    }
                    throw e;
                }
                int moved = buf.position() - off;
                if (moved > 0) {
                    return moved; // also when the channel reports end of stream after transferring bytes
                }
                if (n < 0) {
                    eof = true;
                    return -1;
                }
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
