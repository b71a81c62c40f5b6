package io.junction.broker;

import java.util.Arrays;
import java.util.Objects;

/**
 * A message header: a UTF-8 key and a value of bytes (null allowed). Immutable; the value array is not copied,
 * so do not change it after handing it over. The broker's own type: its API carries no storage types (the log
 * has a header type of its own, converted at the one place messages are stored or read).
 */
public final class Header {

    private final String key;
    private final byte[] value;

    public Header(String key, byte[] value) {
        this.key = Objects.requireNonNull(key, "key");
        this.value = value;
    }

    public String key() {
        return key;
    }

    public byte[] value() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return key + "=" + (value == null ? "null" : value.length + "B");
    }
}
