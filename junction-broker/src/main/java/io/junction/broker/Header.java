package io.junction.broker;

import java.util.Arrays;
import java.util.List;
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

    /** The log's headers as the broker's (no copy of keys or values). */
    static List<Header> fromLog(List<io.junction.log.Header> headers) {
        if (headers.isEmpty()) {
            return List.of();
        }
        Header[] out = new Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            io.junction.log.Header h = headers.get(i);
            out[i] = new Header(h.key(), h.value());
        }
        return List.of(out);
    }

    /** The broker's headers as the log stores them (no copy of keys or values). */
    static List<io.junction.log.Header> toLog(List<Header> headers) {
        if (headers.isEmpty()) {
            return List.of();
        }
        io.junction.log.Header[] out = new io.junction.log.Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            Header h = headers.get(i);
            out[i] = new io.junction.log.Header(h.key(), h.value());
        }
        return List.of(out);
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
