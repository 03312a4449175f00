package dev.lifeboat.api.store;

import java.util.Set;

/**
 * Creates a {@link Store} from {@code lifeboat.stores.<name>.*} settings. Found with {@link java.util.ServiceLoader}
 * by {@link #type()} ({@code lifeboat.stores.<name>.type=s3}); a module that provides a store registers one in
 * {@code META-INF/services/dev.lifeboat.api.store.StoreProvider}. Code that configures Lifeboat in Java passes
 * {@code Store} instances directly and never needs this.
 */
public interface StoreProvider {
    /** The type name used in configuration, e.g. {@code local}, {@code s3}. */
    String type();

    /** The setting names this type understands (without the {@code lifeboat.stores.<name>.} prefix), for "did you mean". */
    Set<String> settings();

    /**
     * Creates the store. Reports invalid settings by adding them to {@link StoreSettings#problem}; returns
     * {@code null} when it cannot create a store because of them.
     */
    Store create(StoreSettings settings);
}
