package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.broker.internal.BrokerContext;
import io.junction.broker.internal.group.ConsumerGroup;
import io.junction.broker.internal.station.Station;
import io.junction.errors.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Groups can be deleted (issue #13): refused while members are connected unless forced; nothing of them stays. */
class GroupDeletionTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path dir;

    private Broker broker;

    @BeforeEach
    void open() {
        broker = Broker.open(BrokerConfig.defaults(dir));
        broker.createStation(T, "s", new StationConfig(1, StationConfig.DEFAULT_RETENTION_AGE, 0, 0,
                Duration.ofSeconds(60), 5, Ordering.NONE));
        List<OutgoingMessage> messages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            messages.add(OutgoingMessage.of(null, ("m" + i).getBytes(StandardCharsets.UTF_8)));
        }
        broker.produce(T, "s", messages).join();
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private Path groupDir(String group) {
        return dir.resolve("tenants").resolve(T).resolve("stations").resolve("s").resolve(Station.GROUPS_DIR)
                .resolve(group);
    }

    private static long groupThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("junction-groups-")).count();
    }

    @Test
    void aGroupWithConnectedMembersIsDeletedOnlyWhenForcedAndThenNothingOfItStays() throws Exception {
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "s", "g", StartPosition.earliest(), "m", 10, box);
        List<Delivery> got = box.take(3);
        member.deadLetter(List.of(got.get(0).ref()), "poison");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.listDeadLetters(T, "s", "g", -1, 10).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(broker.listDeadLetters(T, "s", "g", -1, 10)).hasSize(1);
        assertThat(Files.isDirectory(groupDir("g"))).isTrue();

        assertThatThrownBy(() -> broker.deleteGroup(T, "s", "g", false)).isInstanceOfSatisfying(
                BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.GROUP_IN_USE));
        assertThat(broker.groupInfo(T, "s", "g").inFlight()).as("refused: nothing changed").isEqualTo(2);

        broker.deleteGroup(T, "s", "g", true);

        assertThat(box.closedWith).isNotNull();
        assertThat(box.closedWith.code()).isEqualTo(ErrorCode.UNKNOWN_GROUP);
        assertThatThrownBy(() -> broker.groupInfo(T, "s", "g")).isInstanceOfSatisfying(BrokerException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_GROUP));
        assertThat(broker.listDeadLetters(T, "s", null, -1, 10)).as("its open dead letters dropped").isEmpty();
        assertThat(Files.exists(groupDir("g"))).isFalse();

        // The name can be used again at once: a new group, from the start, first deliveries.
        BrokerTest.Mailbox again = new BrokerTest.Mailbox();
        broker.subscribe(T, "s", "g", StartPosition.earliest(), "m", 10, again);
        assertThat(again.take(3)).allSatisfy(d -> assertThat(d.deliveries()).isEqualTo(1));
    }

    @Test
    void groupsCostNoThreadEach() {
        // Issue #13: 500 groups with one consumer each raised the broker from 314 to 1,314 threads (an owner thread
        // and a journal flusher each). Every group's commands now run on one shared pool of at most 16 threads,
        // and every journal is fsynced by the logs' shared flusher (io.junction.log.Flusher).
        int before = Thread.activeCount();
        for (int i = 0; i < 300; i++) {
            broker.subscribe(T, "s", "g" + i, StartPosition.earliest(), "m", 1, new BrokerTest.Mailbox());
        }
        assertThat(broker.listGroups(T, "s")).hasSize(300);
        assertThat(groupThreads()).isLessThanOrEqualTo(BrokerContext.GROUP_THREADS);
        assertThat(Thread.activeCount() - before).as("threads added by 300 groups: the shared pools' only")
                .isLessThanOrEqualTo(BrokerContext.GROUP_THREADS + io.junction.log.Flusher.DEFAULT_FSYNC_THREADS
                        + io.junction.log.Flusher.DEFAULT_COMPLETION_THREADS + 1);
    }

    @Test
    void aGroupTicksOnlyWhileItHasDeliveriesToWatch() throws Exception {
        // Before: every group ticked every 25 ms, idle or not (10,000 groups: 400,000 timer tasks a second).
        for (int i = 0; i < 100; i++) {
            broker.subscribe(T, "s", "idle" + i, StartPosition.earliest(), "m", 0, new BrokerTest.Mailbox());
        }
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember member = broker.subscribe(T, "s", "busy", StartPosition.earliest(), "m", 10, box);
        List<Delivery> got = box.take(3);
        ConsumerGroup busy = broker.group(T, "s", "busy");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (busy.ticks() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(busy.ticks()).as("ticks while deliveries are in flight (their deadlines)").isPositive();
        assertThat(member.ackSync(got.stream().map(Delivery::ref).toList())).isEmpty();
        long settled = busy.ticks();
        Thread.sleep(12 * ConsumerGroup.TICK_MILLIS); // twelve tick periods: an absence, not a speed, is checked
        assertThat(busy.ticks() - settled).as("ticks once nothing is in flight (one may have been scheduled)")
                .isLessThanOrEqualTo(1);
        long idleTicks = 0;
        for (int i = 0; i < 100; i++) {
            idleTicks += broker.group(T, "s", "idle" + i).ticks();
        }
        assertThat(idleTicks).as("ticks of 100 idle groups (members without credits)").isZero();
    }

    @Test
    void aDeletedGroupStaysDeletedAfterARestartAndAnInterruptedDeletionIsFinished() throws Exception {
        broker.createGroup(T, "s", "idle", StartPosition.earliest());
        broker.createGroup(T, "s", "kept", StartPosition.earliest());
        broker.deleteGroup(T, "s", "idle", false);
        // What a crash between the rename and the removal leaves behind:
        Path leftover = groupDir(Station.DELETED_GROUP_PREFIX + "old-123");
        Files.createDirectories(leftover.resolve("journal"));
        broker.close();

        broker = Broker.open(BrokerConfig.defaults(dir));
        assertThat(broker.listGroups(T, "s")).extracting(GroupInfo::name).containsExactly("kept");
        assertThat(Files.exists(leftover)).isFalse();
        assertThatThrownBy(() -> broker.deleteGroup(T, "s", "idle", true)).isInstanceOfSatisfying(
                BrokerException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_GROUP));
    }
}
