package io.junction.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/**
 * Random sequences of appends, reads, reopens, retention and truncation against a model (the list of records
 * that should be there), on tiny segments so that rolls happen all the time. jqwik prints the seed of every
 * run; a failing one is replayed with {@code @Property(seed = "...")}.
 */
class PartitionLogProperties {

    private static final int MAX_VALUE = 300;

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

    private Path dir;

    @BeforeTry
    void makeDir() throws IOException {
        dir = Files.createTempDirectory("junction-log-prop");
    }

    @AfterTry
    void removeDir() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Action> append = Arbitraries.integers().between(1, 12)
                .flatMap(n -> Arbitraries.longs().between(0, 1000).map(s -> new Append(n, s)));
        Arbitrary<Action> read = Arbitraries.doubles().between(0, 1)
                .flatMap(w -> Arbitraries.integers().between(1, 5000).map(m -> new Read(w, m)));
        Arbitrary<Action> reopen = Arbitraries.just(new Reopen());
        Arbitrary<Action> delete = Arbitraries.doubles().between(0, 1).map(DeleteBefore::new);
        Arbitrary<Action> truncate = Arbitraries.doubles().between(0, 1).map(Truncate::new);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, append), net.jqwik.api.Tuple.of(6, read), net.jqwik.api.Tuple.of(1, reopen),
                net.jqwik.api.Tuple.of(1, delete), net.jqwik.api.Tuple.of(1, truncate))
                .list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 60)
    void offsetsStayDenseAndReadsStayExact(@ForAll("actions") List<Action> actions,
            @ForAll Durability durability) throws Exception {
        LogConfig config = LogConfig.builder().segmentBytes(2048).indexIntervalBytes(300).durability(durability)
                .build();
        // The model: per offset, the seed its content came from; batch boundaries for truncation.
        List<Long> seeds = new ArrayList<>();
        List<Long> batchStarts = new ArrayList<>();
        long first = 0;
        PartitionLog log = PartitionLog.open(dir, config);
        try {
            for (Action action : actions) {
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
                        assertThat(result.baseOffset()).isEqualTo(base);
                        batchStarts.add(base);
                    }
                    case Read r -> {
                        if (seeds.size() > first) {
                            long offset = first + (long) (r.where() * (seeds.size() - first - 1));
                            FetchResult result = log.read(offset, r.maxBytes());
                            List<Record> records = result.records();
                            assertThat(records).isNotEmpty();
                            for (int i = 0; i < records.size(); i++) {
                                Record record = records.get(i);
                                assertThat(record.offset()).isEqualTo(offset + i);
                                assertThat(TestRecords.matches(seeds.get((int) record.offset()), record, MAX_VALUE))
                                        .as("content of %s", record).isTrue();
                            }
                            assertThat(result.nextOffset()).isEqualTo(offset + records.size());
                        }
                    }
                    case Reopen ignored -> {
                        log.close();
                        log = PartitionLog.open(dir, config);
                        assertThat(log.recoveryReport().truncatedBytes()).isZero();
                    }
                    case DeleteBefore d -> {
                        long target = first + (long) (d.where() * (seeds.size() - first));
                        log.deleteSegmentsBefore(target);
                        assertThat(log.firstOffset()).isBetween(first, Math.max(first, target));
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
                assertThat(log.nextOffset()).isEqualTo(seeds.size());
                assertThat(log.firstOffset()).isEqualTo(first);
            }
            // Finally every record that should be there is there, exactly, in order.
            long offset = first;
            while (offset < seeds.size()) {
                FetchResult result = log.read(offset, 10_000);
                for (Record record : result.records()) {
                    assertThat(record.offset()).isEqualTo(offset);
                    assertThat(TestRecords.matches(seeds.get((int) offset), record, MAX_VALUE)).isTrue();
                    offset++;
                }
            }
        } finally {
            log.close();
        }
    }
}
