package dev.lifeboat.api.store;

/** Options of {@link Store#write}. */
public enum WriteOption {
    /**
     * Fail the commit with a {@link dev.lifeboat.api.StoreException} if the key already exists (a conditional
     * write). Used for manifests: a backup is published exactly once.
     */
    IF_ABSENT
}
