package io.junction.bench.compare;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Runs one workload against one started target: producers send as fast as acknowledgements allow (or at a fixed
 * rate), consumers read in one group; after a warm-up, a measurement window counts acknowledged and consumed
 * messages and records produce-ack and end-to-end latencies (the send time travels in the value's first 8 bytes;
 * producers and consumers share this JVM's clock). The broker's resident memory is sampled meanwhile.
 */
final class Runner {

    /** What one run measured. */
    record Result(double producedPerSec, double consumedPerSec, double mbPerSec, Histogram ack, Histogram e2e,
            long peakRssBytes, long errors) {
    }

    private Runner() {
    }

    static Result run(Target target, Workload w, Duration warmup, Duration measure) throws Exception {
        String stream = "bench-" + w.id();
        target.createStream(stream, w.partitions());
        Recorder ackLatency = new Recorder(3);
        Recorder e2eLatency = new Recorder(3);
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicLong acked = new AtomicLong();
        AtomicLong consumed = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<AutoCloseable> consumers = new ArrayList<>();
        for (int c = 0; c < w.consumers(); c++) {
            consumers.add(target.consumer(stream, "bench", w.ackEach(), value -> {
                long sent = ByteBuffer.wrap(value).getLong();
                if (measuring.get()) {
                    consumed.incrementAndGet();
                    if (sent > 0) {
                        e2eLatency.recordValue(Math.max(0, System.nanoTime() - sent) / 1000);
                    }
                }
            }));
        }
        AtomicBoolean producing = new AtomicBoolean(true);
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < w.producers(); p++) {
            Target.Producer producer = target.producer(stream);
            long seed = 42 + p;
            Thread t = new Thread(() -> produce(producer, w, seed, producing, measuring, ackLatency, acked, errors),
                    "bench-producer-" + p);
            producers.add(t);
            t.start();
        }
        Thread.sleep(warmup.toMillis());
        ackLatency.reset();
        e2eLatency.reset();
        long acked0 = acked.get();
        measuring.set(true);
        long start = System.nanoTime();
        long peakRss = 0;
        while (System.nanoTime() - start < measure.toNanos()) {
            peakRss = Math.max(peakRss, ChildProcess.residentBytes(target.process()));
            Thread.sleep(200);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        measuring.set(false);
        long ackedInWindow = acked.get() - acked0;
        long consumedInWindow = consumed.get();
        producing.set(false);
        for (Thread t : producers) {
            t.join(30_000);
        }
        for (AutoCloseable c : consumers) {
            c.close();
        }
        double produced = ackedInWindow / seconds;
        return new Result(produced, consumedInWindow / seconds, produced * w.size() / 1e6,
                ackLatency.getIntervalHistogram(), e2eLatency.getIntervalHistogram(), peakRss, errors.get());
    }

    private static void produce(Target.Producer producer, Workload w, long seed, AtomicBoolean producing,
            AtomicBoolean measuring, Recorder ackLatency, AtomicLong acked, AtomicLong errors) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] keys = new byte[w.keys()][];
        for (int k = 0; k < keys.length; k++) {
            keys[k] = ("key-" + k).getBytes(StandardCharsets.UTF_8);
        }
        long intervalNanos = w.rate() > 0 ? TimeUnit.SECONDS.toNanos(1) * w.producers() / w.rate() : 0;
        long next = System.nanoTime();
        CompletableFuture<?> last = null;
        try (producer) {
            while (producing.get()) {
                if (intervalNanos > 0) {
                    next += intervalNanos;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                byte[] value = new byte[w.size()];
                long sent = System.nanoTime();
                ByteBuffer.wrap(value).putLong(sent);
                byte[] key = keys.length == 0 ? null : keys[random.nextInt(keys.length)];
                CompletableFuture<?> f = producer.send(key, value).whenComplete((ok, e) -> {
                    if (e != null) {
                        errors.incrementAndGet();
                        return;
                    }
                    acked.incrementAndGet();
                    if (measuring.get()) {
                        ackLatency.recordValue(Math.max(0, System.nanoTime() - sent) / 1000);
                    }
                });
                last = f;
            }
            if (last != null) {
                last.handle((ok, e) -> null).get(30, TimeUnit.SECONDS); // sends complete in order
            }
        } catch (Exception e) {
            errors.incrementAndGet();
            System.err.println("producer failed: " + e);
        }
    }
}
