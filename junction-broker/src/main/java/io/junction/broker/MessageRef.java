package io.junction.broker;

/** Names one message of a station: its partition and offset. */
public record MessageRef(int partition, long offset) {

    // Written out: groups look these up in hash maps for every message, and the generated ones go through
    // ObjectMethods' method handles (a visible cost in the consume path's profile).
    @Override
    public boolean equals(Object o) {
        return o instanceof MessageRef r && r.offset == offset && r.partition == partition;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(offset) * 31 + partition;
    }
}
