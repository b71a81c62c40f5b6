package io.junction.broker;

/** Where a produced message was stored. */
public record Receipt(int partition, long offset) {
}
