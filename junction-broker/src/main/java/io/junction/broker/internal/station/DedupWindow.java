package io.junction.broker.internal.station;

import io.junction.log.FetchResult;
import io.junction.log.PartitionStore;
import io.junction.log.RecordBatch;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.ObjIntConsumer;

/**
 * The stored batches a station's dedup window covers: those of every partition appended within the last {@code
 * window} (by the broker's clock: their append times). Read once when the station opens, each batch handed to
 * everything rebuilt from it (msg-ids: {@link Deduplicator.Rebuild}; idempotent producers' requests: {@link
 * ProducerSequences.Rebuild}), and not kept.
 */
final class DedupWindow {

    private DedupWindow() {
    }

    /**
     * Hands each batch of the window of {@code logs} to {@code action} with its partition (partition {@code p} is
     * {@code logs[p]}), partition by partition, in offset order.
     */
    static void scan(PartitionStore[] logs, Duration window, long nowMs, ObjIntConsumer<RecordBatch> action) {
        long oldest = nowMs - window.toMillis();
        for (int p = 0; p < logs.length; p++) {
            PartitionStore log = logs[p];
            OptionalLong from = log.offsetForAppendTime(oldest);
            long offset = from.isPresent() ? from.getAsLong() : log.nextOffset();
            while (offset < log.nextOffset()) {
                FetchResult result = log.read(offset, 1 << 20);
                for (RecordBatch batch : result.batches()) {
                    if (batch.appendTime() >= oldest) { // else before the window: append times are only nearly
                        action.accept(batch, p); //        in offset order
                    }
                }
                offset = result.nextOffset();
            }
        }
    }
}
