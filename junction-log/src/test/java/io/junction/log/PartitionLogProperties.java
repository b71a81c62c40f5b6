package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of appends, reads, reopens, retention and truncation against a model (the list of records
 * that should be there), on tiny segments so that rolls happen all the time. 60 sequences
 * ({@code -Dpartitionlog.tries=N} for more), each in a fresh directory with a random durability. The seed is
 * printed; {@code -Dpartitionlog.seed=N} replays every sequence, and a failure names the seed and the sequence.
 */
class PartitionLogProperties {

    private static final int MAX_VALUE = 300;
    private static final int TRIES = 60;
    private static final int MAX_ACTIONS = 60;

    sealed interface Action permits Append, Read, Reopen, DeleteBefore, Truncate {
    }

    record Append(int records, long seed) implements Action {
    }

    record Read(double where, int maxBytes) implements Action {
    }

    record Reopen() implements Action {
    }

    record DeleteBefore(double where) implements Action {
    }

    record Truncate(double where) implements Action {
    }

    @TempDir
    Path base;

    @Test
    void offsetsStayDenseAndReadsStayExact() throws Exception {
        String fixed = System.getProperty("partitionlog.seed");
        long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
        int tries = Integer.getInteger("partitionlog.tries", TRIES);
        System.out.println("PartitionLogProperties: seed=" + seed + " tries=" + tries
                + " (replay with -Dpartitionlog.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int t = 0; t < tries; t++) {
            // Each try draws from its own stream, so that a try's inputs depend only on the seed and its number.
            Random tryRandom = new Random(random.nextLong());
            List<Action> actions = actions(tryRandom);
            Durability durability = Durability.values()[tryRandom.nextInt(Durability.values().length)];
            String context = "seed " + seed + " try " + t + " (" + durability + ", " + actions.size() + " actions)";
            Path dir = Files.createDirectory(base.resolve("try-" + t));
            try {
                check(dir, actions, durability, context);
            } catch (Exception e) {
                throw new AssertionError(context + ": " + e, e);
            }
        }
    }

    /**
     * 1 to 60 actions: appends, reads, reopens, deletes and truncations in the ratio 12 : 6 : 1 : 1 : 1. Short
     * sequences are the most common: about 86% have 1 to 11 actions, 12% have 12 to 60, and 2% all 60.
     */
    static List<Action> actions(Random random) {
        int size;
        if (random.nextDouble() < 0.02) {
            size = MAX_ACTIONS;
        } else if (random.nextDouble() < 0.12) {
            size = between(random, 12, MAX_ACTIONS);
        } else {
            size = between(random, 1, 11);
        }
        List<Action> actions = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int pick = random.nextInt(21);
            if (pick < 12) {
                actions.add(new Append(between(random, 1, 12), skewed(random, 0, 11, 12, 36, 37, 110, 111, 332, 333,
                        1000)));
            } else if (pick < 18) {
                actions.add(new Read(where(random), (int) skewed(random, 1, 20, 21, 61, 62, 185, 186, 555, 556, 1666,
                        1667, 5000)));
            } else if (pick < 19) {
                actions.add(new Reopen());
            } else if (pick < 20) {
                actions.add(new DeleteBefore(where(random)));
            } else {
                actions.add(new Truncate(where(random)));
            }
        }
        return actions;
    }

    private static int between(Random random, int min, int max) {
        return random.nextInt(min, max + 1);
    }

    /**
     * Uniform within one of the given ranges ({@code min1, max1, min2, max2, ...}), each range as likely as the
     * others: ranges that grow by about three times lean the values towards the small end, where the edge cases
     * are (a one-byte read budget, the first records of a segment).
     */
    private static long skewed(Random random, long... bounds) {
        int range = random.nextInt(bounds.length / 2);
        long min = bounds[2 * range];
        long max = bounds[2 * range + 1];
        return random.nextLong(min, max + 1);
    }

    /** A place from 0 to 1 in hundredths, leaning towards the start: 0-0.10, 0.11-0.32, 0.33-1, each a third. */
    private static double where(Random random) {
        return skewed(random, 0, 10, 11, 32, 33, 100) / 100.0;
    }

    private static void check(Path dir, List<Action> actions, Durability durability, String context)
            throws Exception {
        LogConfig config = LogConfig.builder().segmentBytes(2048).indexIntervalBytes(300).durability(durability)
                .build();
        // The model: per offset, the seed its content came from; batch boundaries for truncation.
        List<Long> seeds = new ArrayList<>();
        List<Long> batchStarts = new ArrayList<>();
        long first = 0;
        PartitionLog log = PartitionLog.open(dir, config);
        try {
            for (int i = 0; i < actions.size(); i++) {
                Action action = actions.get(i);
                String at = context + " action " + i + " " + action;
                switch (action) {
                    case Append a -> {
                        long base = seeds.size();
                        RecordBatchBuilder builder = new RecordBatchBuilder();
                        for (long o = base; o < base + a.records(); o++) {
                            builder.add(TestRecords.timestamp(o), TestRecords.key(o),
                                    TestRecords.value(a.seed(), o, TestRecords.valueSize(a.seed(), o, MAX_VALUE)),
                                    TestRecords.headers(o));
                            seeds.add(a.seed());
                        }
                        AppendResult result = log.append(builder).get(30, TimeUnit.SECONDS);
                        assertThat(result.baseOffset()).as("%s: base offset", at).isEqualTo(base);
                        batchStarts.add(base);
                    }
                    case Read r -> {
                        if (seeds.size() > first) {
                            long offset = first + (long) (r.where() * (seeds.size() - first - 1));
                            FetchResult result = log.read(offset, r.maxBytes());
                            List<Record> records = result.records();
                            assertThat(records).as("%s: records read from %d", at, offset).isNotEmpty();
                            for (int j = 0; j < records.size(); j++) {
                                Record record = records.get(j);
                                assertThat(record.offset()).as("%s: offset", at).isEqualTo(offset + j);
                                assertThat(TestRecords.matches(seeds.get((int) record.offset()), record, MAX_VALUE))
                                        .as("%s: content of %s", at, record).isTrue();
                            }
                            assertThat(result.nextOffset()).as("%s: next offset", at)
                                    .isEqualTo(offset + records.size());
                        }
                    }
                    case Reopen ignored -> {
                        log.close();
                        log = PartitionLog.open(dir, config);
                        assertThat(log.recoveryReport().truncatedBytes()).as("%s: bytes truncated", at).isZero();
                    }
                    case DeleteBefore d -> {
                        long target = first + (long) (d.where() * (seeds.size() - first));
                        log.deleteSegmentsBefore(target);
                        assertThat(log.firstOffset()).as("%s: first offset after deleting before %d", at, target)
                                .isBetween(first, Math.max(first, target));
                        long newFirst = log.firstOffset();
                        first = newFirst;
                        batchStarts.removeIf(s -> s < newFirst);
                    }
                    case Truncate t -> {
                        long logFirst = log.firstOffset();
                        List<Long> candidates = batchStarts.stream().filter(s -> s >= logFirst).toList();
                        if (!candidates.isEmpty()) {
                            long target = candidates.get((int) (t.where() * (candidates.size() - 1)));
                            log.truncateTo(target);
                            seeds.subList((int) target, seeds.size()).clear();
                            batchStarts.removeIf(s -> s >= target);
                        }
                    }
                }
                assertThat(log.nextOffset()).as("%s: next offset", at).isEqualTo(seeds.size());
                assertThat(log.firstOffset()).as("%s: first offset", at).isEqualTo(first);
            }
            // Finally every record that should be there is there, exactly, in order.
            long offset = first;
            while (offset < seeds.size()) {
                FetchResult result = log.read(offset, 10_000);
                assertThat(result.records()).as("%s, at the end: records read from %d", context, offset)
                        .isNotEmpty();
                for (Record record : result.records()) {
                    assertThat(record.offset()).as("%s, at the end: offset", context).isEqualTo(offset);
                    assertThat(TestRecords.matches(seeds.get((int) offset), record, MAX_VALUE))
                            .as("%s, at the end: content of %s", context, record).isTrue();
                    offset++;
                }
            }
        } finally {
            log.close();
        }
    }
}
