package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.junction.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dedup by the broker's clock through kill -9 (issue #12, point 3): a child JVM ({@link DedupClockCrashChild})
 * stores a msg-id message and a producer request whose messages are dated an hour in the past or the future, and
 * is SIGKILLed. The broker reopened here must remember both for the dedup window counted from when the child's
 * broker stored them — not from the messages' timestamps: a retry inside it gets the original offset, marked
 * duplicate; once the window has passed on the broker's (injected) clock, both are forgotten.
 */
class DedupClockCrashTest {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final long HOUR = Duration.ofHours(1).toMillis();

    @TempDir
    Path dir;

    private final IdempotentProduceTest.MovableClock clock = new IdempotentProduceTest.MovableClock();

    @Test
    void shouldRememberAMsgIdAndAProducerRequestDatedAnHourBackAfterKillMinus9() throws Exception {
        Map<String, String> child = storeInAChildAndKillIt(-HOUR);
        long timestamp = Long.parseLong(child.get("TIMESTAMP"));

        try (Broker broker = open()) {
            assertRetriesAreDuplicates(broker, timestamp);
        }
        clock.advance(DedupClockCrashChild.WINDOW.plusMinutes(1));
        try (Broker broker = open()) {
            assertRetriesAreStoredAgain(broker, timestamp);
        }
    }

    @Test
    void shouldForgetAMsgIdAndAProducerRequestDated50MinutesAheadOnceTheWindowHasPassedAfterKillMinus9()
            throws Exception {
        // 50 minutes: as far ahead as the broker accepts (an hour), less the time the test takes.
        Map<String, String> child = storeInAChildAndKillIt(Duration.ofMinutes(50).toMillis());
        long timestamp = Long.parseLong(child.get("TIMESTAMP"));

        try (Broker broker = open()) {
            assertRetriesAreDuplicates(broker, timestamp);
        }
        clock.advance(DedupClockCrashChild.WINDOW.plusMinutes(1));
        try (Broker broker = open()) {
            assertRetriesAreStoredAgain(broker, timestamp);
        }
    }

    /** Runs the child, waits for its receipts, kills it; returns what it printed, by first word. */
    private Map<String, String> storeInAChildAndKillIt(long skewMs) throws Exception {
        Map<String, String> printed = new ConcurrentHashMap<>();
        ChildJvm child = ChildJvm.start(DedupClockCrashChild.class, line -> {
            int space = line.indexOf(' ');
            if (space > 0) {
                printed.put(line.substring(0, space), line.substring(space + 1));
            }
        }, dir.toString(), Long.toString(skewMs));
        assertThat(child.awaitReady()).as("child stored both and is ready").isTrue();
        child.kill();
        assertThat(printed.get("MSG_ID")).as("first store of the msg-id").isEqualTo("0 0 false");
        assertThat(printed.get("SEQUENCE")).as("first store of the request").isEqualTo("0 1 false");
        return printed;
    }

    private Broker open() {
        return Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES, Durability.FSYNC,
                BrokerConfig.DEFAULT_FLUSH_INTERVAL, clock));
    }

    private static List<Receipt> retry(Broker broker, long timestamp) {
        Receipt byMsgId = broker.produce(T, "s", List.of(DedupClockCrashChild.msgIdMessage(timestamp))).join()
                .get(0);
        Receipt bySequence = broker.produce(T, "s", List.of(DedupClockCrashChild.sequenceMessage(timestamp)),
                DedupClockCrashChild.PRODUCER, DedupClockCrashChild.SEQUENCE).join().get(0);
        return List.of(byMsgId, bySequence);
    }

    private static String place(Receipt r) {
        return r.partition() + " " + r.offset() + " " + r.duplicate();
    }

    /** Both retried inside the window: the original places (partition, offset), marked duplicate. */
    private static void assertRetriesAreDuplicates(Broker broker, long timestamp) {
        assertThat(retry(broker, timestamp)).extracting(DedupClockCrashTest::place).as("msg-id, producer request")
                .containsExactly("0 0 true", "0 1 true");
        assertThat(broker.stationInfo(T, "s").messages()).as("nothing stored again").isEqualTo(2);
    }

    /** Both retried once the window has passed: stored again. */
    private static void assertRetriesAreStoredAgain(Broker broker, long timestamp) {
        assertThat(retry(broker, timestamp)).extracting(DedupClockCrashTest::place).as("msg-id, producer request")
                .containsExactly("0 2 false", "0 3 false");
        assertThat(broker.stationInfo(T, "s").messages()).isEqualTo(4);
    }
}
