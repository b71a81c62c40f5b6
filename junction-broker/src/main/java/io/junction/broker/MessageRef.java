package io.junction.broker;

/** Names one message of a station: its partition and offset. */
public record MessageRef(int partition, long offset) {
}
