package io.junction.broker;

/** What one retention pass over a station removed: whole segments, the messages and bytes they held. */
public record RetentionResult(int segments, long messages, long bytes) {
}
