package io.junction.client;

/** Where the broker stored a produced message: its partition and its offset in that partition. */
public record Receipt(int partition, long offset) {
}
