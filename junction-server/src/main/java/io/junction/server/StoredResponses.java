package io.junction.server;

import com.google.protobuf.ByteString;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.StoredDeliveries;
import io.junction.api.v1.StoredRun;
import io.junction.broker.Delivery;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dispatch round's deliveries to a client that decodes stored batches ({@code Subscribe.stored_batches}), as
 * {@code StoredDeliveries} responses: the messages the group read as part of a whole stored batch go as that batch
 * (one copy of its bytes, no message rebuilt), the others one by one as {@code DeliveredMessage}s. A batch goes
 * when the member's messages are at least a quarter of its messages ({@link #MIN_SHARE}), as a Kafka consumer gets
 * whole batches even when it fetches from the middle of one: a round ends where the member's credits do, which is
 * mostly not where a stored batch ends (a producer's batch of 1000 messages comes in two or three rounds of a
 * consumer with prefetch 1000), so a batch may go two or three times, to be read from different offsets. A member
 * that got a few messages of a large batch (the rest went to other members, or were delivered before) gets those
 * few one by one, not the whole batch: what goes on the wire stays within about four times what is delivered. A
 * batch larger than a response's bound never goes whole (a response stays within what clients take in one message:
 * grpc-java's default is 4 MiB); its messages go one by one.
 */
final class StoredResponses {

    /** Where a stored batch says how many messages it holds (docs/log-format.md, "Record batch"). */
    private static final int RECORD_COUNT = 52;
    /** A stored batch goes whole when the member's messages are at least 1 / this of its messages. */
    static final int MIN_SHARE = 4;

    private StoredResponses() {
    }

    /**
     * How many of {@code deliveries}, from {@code from} on, go into one response: at least one, then as many as fit
     * {@code maxBytes}, counting each stored batch once and each other message by its size.
     */
    static int chunk(List<Delivery> deliveries, int from, long maxBytes) {
        Map<ByteBuffer, Boolean> counted = new IdentityHashMap<>();
        long bytes = 0;
        int to = from;
        while (to < deliveries.size()) {
            Delivery d = deliveries.get(to);
            ByteBuffer batch = sendable(d, maxBytes);
            long size = batch == null ? d.size() : counted.containsKey(batch) ? 0 : batch.remaining();
            if (to > from && bytes + size > maxBytes) {
                break;
            }
            if (batch != null) {
                counted.put(batch, Boolean.TRUE);
            }
            bytes += size;
            to++;
        }
        return to - from;
    }

    /** The stored batch {@code d} may go in: its own, unless that is larger than {@code maxBytes}; else null. */
    private static ByteBuffer sendable(Delivery d, long maxBytes) {
        ByteBuffer batch = d.storedBatch();
        return batch != null && batch.remaining() <= maxBytes ? batch : null;
    }

    /**
     * One response holding {@code deliveries} (a chunk of a round, in delivery order); no stored batch larger than
     * {@code maxBytes} goes whole.
     */
    static ConsumeResponse of(List<Delivery> deliveries, long maxBytes) {
        Map<ByteBuffer, List<Delivery>> runs = new IdentityHashMap<>();
        List<ByteBuffer> order = new ArrayList<>();
        StoredDeliveries.Builder out = StoredDeliveries.newBuilder();
        for (Delivery d : deliveries) {
            ByteBuffer batch = sendable(d, maxBytes);
            List<Delivery> run = batch == null ? null : runs.get(batch);
            if (batch != null && run == null) {
                run = new ArrayList<>();
                runs.put(batch, run);
                order.add(batch);
            }
            if (run != null && (run.isEmpty() || run.get(run.size() - 1).offset() < d.offset())) {
                run.add(d);
            } else {
                out.addMessages(Convert.delivered(d));
            }
        }
        for (ByteBuffer batch : order) {
            List<Delivery> run = runs.get(batch);
            if ((long) MIN_SHARE * run.size() < batch.getInt(batch.position() + RECORD_COUNT)) {
                run.forEach(d -> out.addMessages(Convert.delivered(d)));
                continue;
            }
            StoredRun.Builder r = StoredRun.newBuilder().setPartition(run.get(0).partition())
                    .setBatch(ByteString.copyFrom(batch.duplicate()));
            for (Delivery d : run) {
                r.addOffsets(d.offset()).addDeliveryIds(d.deliveryId()).addDeliveries(d.deliveries());
            }
            out.addRuns(r);
        }
        return ConsumeResponse.newBuilder().setStored(out).build();
    }
}
