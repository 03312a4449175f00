package dev.lifeboat.api.catalog;

import java.util.Objects;

/**
 * The outcome of one backup in one store, as recorded in the manifest.
 *
 * @param name the store's name in the configuration (e.g. {@code local}, {@code offsite})
 * @param location where it is, without credentials (e.g. {@code s3://shop-backups/prod/})
 * @param complete whether every part and the manifest were stored there
 * @param required whether the plan requires this store for the backup to count as successful
 * @param error why the copy failed ({@code null} when complete)
 */
public record StoreCopy(String name, String location, boolean complete, boolean required, String error) {
    public StoreCopy {
        Objects.requireNonNull(name, "null name");
        Objects.requireNonNull(location, "null location");
    }
}
