package io.junction.bench.compare;

/**
 * One workload of the side-by-side run, after the OpenMessaging Benchmark's.
 *
 * @param rate messages per second over all producers; 0 = as fast as acknowledgements allow; -1 = half of
 *     Junction's rate in workload (a) under the same durability (set by the harness)
 * @param keys distinct keys (0 = no key)
 * @param ackEach queue semantics: every message acknowledged on its own
 */
record Workload(String id, String title, int partitions, int size, long rate, int producers, int consumers,
        int keys, boolean ackEach) {

    static final Workload A = new Workload("a", "1 partition, 1 KiB, max rate, 1 producer, 1 consumer", 1, 1024, 0, 1,
            1, 0, false);
    static final Workload B = new Workload("b", "16 partitions, 1 KiB, max rate, 4 producers, 4 consumers", 16, 1024,
            0, 4, 4, 1000, false);
    static final Workload C = new Workload("c", "end-to-end latency at half of Junction's (a) rate, 1 KiB", 1, 1024, -1,
            1, 1, 0, false);
    static final Workload D = new Workload("d", "queue: 16 partitions, 1 KiB, 4 producers, 1 group of 4 consumers "
            + "acking each message", 16, 1024, 0, 4, 4, 1000, true);
    static final Workload E = new Workload("e", "1 partition, 100 B, max rate, 1 producer, 1 consumer", 1, 100, 0, 1, 1,
            0, false);

    static Workload of(String id) {
        return switch (id) {
            case "a" -> A;
            case "b" -> B;
            case "c" -> C;
            case "d" -> D;
            case "e" -> E;
            default -> throw new IllegalArgumentException("unknown workload '" + id + "': a, b, c, d or e");
        };
    }

    Workload withRate(long newRate) {
        return new Workload(id, title, partitions, size, newRate, producers, consumers, keys, ackEach);
    }
}
