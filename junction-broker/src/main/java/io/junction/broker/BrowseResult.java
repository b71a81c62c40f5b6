package io.junction.broker;

import java.util.List;

/**
 * One page of a partition's messages read without a group ({@link Broker#browse}).
 *
 * @param partition the partition read
 * @param messages the messages found, in offset order
 * @param nextOffset where the next page starts: one past the last offset looked at (every offset below it was
 *     returned, or did not match the search, or holds no message any more)
 * @param endReached whether {@code nextOffset} is the end of the partition (as it was when the page was read)
 * @param firstOffset the partition's first offset still held
 * @param endOffset the offset the partition's next message gets
 * @param schemaName the station's schema now ("" when none): what a reader decodes values with when a message
 *     does not name its own ({@link StoredMessage#schemaName()})
 * @param schemaVersion the version the station is attached with; for a station that follows its schema's latest
 *     version (attached with 0), the latest version now; 0 when no schema
 */
public record BrowseResult(int partition, List<StoredMessage> messages, long nextOffset, boolean endReached,
        long firstOffset, long endOffset, String schemaName, int schemaVersion) {
}
