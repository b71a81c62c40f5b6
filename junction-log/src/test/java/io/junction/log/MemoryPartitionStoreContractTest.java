package io.junction.log;

/** The {@link PartitionStore} contract on the memory store. */
class MemoryPartitionStoreContractTest extends PartitionStoreContract {

    @Override
    protected PartitionStore open(LogConfig config) {
        return new MemoryPartitionStore(config);
    }
}
