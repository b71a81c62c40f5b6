package io.junction.log;

/**
 * Where an appended batch landed: its first and last offset, and when it was appended (the log's clock).
 *
 * @param baseOffset the offset of the batch's first record
 * @param lastOffset the offset of the batch's last record
 * @param appendTimeMs the log's clock when the batch was written
 */
public record AppendResult(long baseOffset, long lastOffset, long appendTimeMs) {
}
