package io.junction.broker.internal.station;

import java.util.concurrent.atomic.LongAdder;

/**
 * A station's traffic since the broker opened it, for {@link BrokerStats}. Each is added to once per stored batch
 * or per delivery round (never per message), from any thread: {@link LongAdder}s, so that writers do not contend.
 * Thread-safe.
 */
public final class StationCounters {

    final LongAdder producedMessages = new LongAdder();
    final LongAdder producedBytes = new LongAdder();
    final LongAdder consumedMessages = new LongAdder();
    final LongAdder consumedBytes = new LongAdder();

    void produced(int messages, long bytes) {
        producedMessages.add(messages);
        producedBytes.add(bytes);
    }

    public void consumed(int messages, long bytes) {
        consumedMessages.add(messages);
        consumedBytes.add(bytes);
    }
}
