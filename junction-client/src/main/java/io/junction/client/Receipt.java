package io.junction.client;

/**
 * Where the broker stored a produced message: its partition and its offset in that partition.
 *
 * @param duplicate true when the message's msg-id had already been stored inside the station's dedup window:
 *     nothing new was stored, and this is where the original is
 */
public record Receipt(int partition, long offset, boolean duplicate) {

    public Receipt(int partition, long offset) {
        this(partition, offset, false);
    }
}
