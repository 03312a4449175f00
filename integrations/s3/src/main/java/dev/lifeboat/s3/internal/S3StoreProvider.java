package dev.lifeboat.s3.internal;

import dev.lifeboat.api.Secret;
import dev.lifeboat.api.store.Store;
import dev.lifeboat.api.store.StoreProvider;
import dev.lifeboat.api.store.StoreSettings;
import dev.lifeboat.s3.ChecksumMode;
import dev.lifeboat.s3.ObjectLockMode;
import dev.lifeboat.s3.S3Store;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * {@code lifeboat.stores.<name>.type=s3}: builds an {@link S3Store} from {@code bucket}, {@code prefix},
 * {@code region}, {@code endpoint}, {@code path-style}, {@code insecure-endpoint}, {@code access-key},
 * {@code secret-key}, {@code storage-class}, {@code checksum-mode}, {@code part-size}, {@code parallel-parts},
 * {@code object-lock-mode} and {@code object-lock-retention}. Every invalid value is reported, none echoes a secret.
 */
public final class S3StoreProvider implements StoreProvider {
    private static final Set<String> SETTINGS = Set.of("bucket", "prefix", "region", "endpoint", "path-style",
            "insecure-endpoint", "access-key", "secret-key", "storage-class", "checksum-mode", "part-size",
            "parallel-parts", "object-lock-mode", "object-lock-retention");

    @Override
    public String type() {
        return "s3";
    }

    @Override
    public Set<String> settings() {
        return SETTINGS;
    }

    @Override
    public Store create(StoreSettings s) {
        Optional<String> bucket = s.get("bucket");
        // without a usable bucket the other settings are still checked (against a stand-in), so that every mistake
        // is reported at once; no store is made
        boolean usable = false;
        S3Store store = S3Store.bucket("stand-in");
        if (bucket.isEmpty()) {
            s.problem("bucket", "set (the bucket name)", "missing");
        } else {
            try {
                store = S3Store.bucket(bucket.get());
                usable = true;
            } catch (IllegalArgumentException e) {
                s.problem("bucket", "a valid bucket name", "\"" + bucket.get() + "\"");
            }
        }
        store = apply(s, "prefix", store, (st, v) -> st.prefix(v));
        store = apply(s, "region", store, (st, v) -> st.region(v));
        boolean insecure = s.bool("insecure-endpoint").orElse(false);
        store = apply(s, "endpoint", "an http or https URI with a host and without credentials (set access-key and secret-key)",
                store, (st, v) -> insecure ? st.insecureEndpoint(URI.create(v)) : st.endpoint(URI.create(v)));
        Optional<Boolean> pathStyle = s.bool("path-style");
        if (pathStyle.isPresent()) {
            store = store.pathStyle(pathStyle.get());
        }
        Optional<String> access = s.get("access-key");
        Optional<Secret> secret = s.secret("secret-key");
        if (access.isPresent() != secret.isPresent()) {
            s.problem(access.isPresent() ? "secret-key" : "access-key", "set together with "
                    + (access.isPresent() ? "access-key" : "secret-key") + " (or neither, for the SDK's default credentials)", "missing");
        } else if (access.isPresent()) {
            store = store.credentials(access.get(), secret.get());
        }
        store = apply(s, "storage-class", store, (st, v) -> st.storageClass(v));
        store = apply(s, "checksum-mode", "when-supported or when-required", store, (st, v) -> st.checksumMode(ChecksumMode.valueOf(v.toUpperCase(Locale.ROOT).replace('-', '_'))));
        Optional<Long> partSize = s.bytes("part-size");
        if (partSize.isPresent()) {
            try {
                store = store.partSize(partSize.get());
            } catch (IllegalArgumentException e) {
                s.problem("part-size", "between 5MiB and 5GiB", partSize.get() + " bytes");
            }
        }
        store = apply(s, "parallel-parts", "an integer between 1 and 64", store, (st, v) -> st.parallelParts(Integer.parseInt(v)));
        Optional<String> lockMode = s.get("object-lock-mode");
        boolean retentionSet = s.get("object-lock-retention").isPresent();
        Optional<Duration> retention = s.duration("object-lock-retention"); // a malformed value is reported there
        if (lockMode.isPresent() != retentionSet) {
            s.problem(lockMode.isPresent() ? "object-lock-retention" : "object-lock-mode",
                    "set together with " + (lockMode.isPresent() ? "object-lock-mode" : "object-lock-retention"), "missing");
        } else if (lockMode.isPresent()) {
            ObjectLockMode mode = null;
            try {
                mode = ObjectLockMode.valueOf(lockMode.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                s.problem("object-lock-mode", "GOVERNANCE or COMPLIANCE", "\"" + lockMode.get() + "\"");
            }
            if (retention.isPresent() && retention.get().compareTo(Duration.ofSeconds(1)) < 0) {
                s.problem("object-lock-retention", "a duration of at least 1s (e.g. 30d)",
                        "\"" + s.get("object-lock-retention").get() + "\"");
            } else if (mode != null && retention.isPresent()) {
                store = store.objectLock(mode, retention.get());
            }
        }
        return usable ? store : null;
    }

    private interface Setter {
        S3Store apply(S3Store store, String value);
    }

    private static S3Store apply(StoreSettings s, String setting, S3Store store, Setter setter) {
        return apply(s, setting, "a valid value", store, setter);
    }

    /**
     * Applies a setting; an invalid value becomes a problem saying what it must be: the store's own "must be …"
     * when it says so, else {@code requirement} (a JDK message like {@code No enum constant …} or {@code For input
     * string …} is no requirement). Credentials inside a URI value are never echoed.
     */
    private static S3Store apply(StoreSettings s, String setting, String requirement, S3Store store, Setter setter) {
        Optional<String> v = s.get(setting);
        if (v.isEmpty()) {
            return store;
        }
        try {
            return setter.apply(store, v.get());
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            String reason = m != null && m.contains("must be ")
                    ? m.replaceFirst("^.*?must be ", "").replaceFirst(", but was.*$", "") : requirement;
            s.problem(setting, reason, "\"" + S3Settings.redact(v.get()) + "\"");
            return store;
        }
    }
}
