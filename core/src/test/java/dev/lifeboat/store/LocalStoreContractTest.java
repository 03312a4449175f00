package dev.lifeboat.store;

import dev.lifeboat.api.store.Store;
import dev.lifeboat.testing.StoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** LocalStore against the store contract, in a fresh directory per test. */
class LocalStoreContractTest extends StoreContract {
    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return LocalStore.at(dir.resolve("store"));
    }
}
