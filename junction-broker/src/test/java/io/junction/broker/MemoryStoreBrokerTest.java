package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.log.MemoryPartitionStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;

/**
 * Every {@link BrokerTest} on {@link MemoryPartitionStore}s instead of files: the broker (stations, groups, their
 * journals, the dead-letter logs) depends on the {@code PartitionStore} interface only, so it must behave the
 * same on any store that keeps the contract. A "restart" reopens each store with what it held; the store's
 * directory is still made, and marks that the store exists (a deleted station's tree goes, and so does its data).
 */
class MemoryStoreBrokerTest extends BrokerTest {

    private final Map<Path, MemoryPartitionStore> stores = new HashMap<>();

    /** Every log the broker keeps went through the opener: no segment file was written. */
    @AfterEach
    void noSegmentFileWasWritten() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".log"))).isEmpty();
        }
    }

    @Override
    Broker openBroker(Path dir) {
        return Broker.open(BrokerConfig.defaults(dir), System::nanoTime, (storeDir, config) -> {
            synchronized (stores) {
                MemoryPartitionStore previous = Files.isDirectory(storeDir) ? stores.get(storeDir) : null;
                MemoryPartitionStore store = previous == null ? new MemoryPartitionStore(config) : previous.reopen();
                try {
                    Files.createDirectories(storeDir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                stores.put(storeDir, store);
                return store;
            }
        });
    }
}
