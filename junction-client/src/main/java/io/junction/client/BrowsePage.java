package io.junction.client;

import java.util.List;

/**
 * One page of a partition's messages read without a consumer group ({@link JunctionClient#browse}). A page shorter
 * than asked is not the end (the broker looks at about 16 MiB of stored messages per call, and a response holds
 * about 3 MiB): go on from {@link #nextOffset()} until {@link #endReached()}.
 *
 * @param messages the messages, in offset order
 * @param nextOffset where the next page starts ({@code StartPosition.offset(nextOffset)})
 * @param endReached whether {@code nextOffset} was the partition's end when the page was read
 * @param firstOffset the partition's first offset still held
 * @param endOffset the offset the partition's next message gets
 * @param schema the station's schema now; "" when none
 * @param schemaVersion its version now (for a station attached to the latest version, the latest); 0 when none
 */
public record BrowsePage(List<BrowsedMessage> messages, long nextOffset, boolean endReached, long firstOffset,
        long endOffset, String schema, int schemaVersion) {
}
