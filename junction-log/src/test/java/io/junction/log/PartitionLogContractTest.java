package io.junction.log;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The {@link PartitionStore} contract on the file store. */
class PartitionLogContractTest extends PartitionStoreContract {

    @TempDir
    Path dir;

    @Override
    protected PartitionStore open(LogConfig config) {
        return PartitionLog.open(dir, config);
    }
}
