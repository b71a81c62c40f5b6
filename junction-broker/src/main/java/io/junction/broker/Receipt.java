package io.junction.broker;

/**
 * Where a produced message was stored.
 *
 * @param duplicate true when the message carried a msg-id already stored inside the station's dedup window:
 *     nothing new was stored and this is the original's place
 */
public record Receipt(int partition, long offset, boolean duplicate) {

    public Receipt(int partition, long offset) {
        this(partition, offset, false);
    }
}
