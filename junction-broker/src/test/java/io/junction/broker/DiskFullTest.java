package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.errors.ErrorCode;
import io.junction.log.DiskFullException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk: the broker's data directory on a 4 MiB tmpfs (mounting needs root, as CI runs; elsewhere the
 * test is skipped and says why). Produce fails with STORAGE_FULL, nothing partial is kept, and produce works
 * again once space returns — also after a restart, which finds nothing to repair.
 */
class DiskFullTest {

    private static final String T = Broker.DEFAULT_TENANT;

    @TempDir
    Path root;

    private Path mount;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = root.resolve("small-disk");
        Files.createDirectories(mount);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (needs root): " + output.strip());
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldRefuseWithStorageFullKeepNothingPartialAndRecoverWhenSpaceReturns() throws IOException {
        Path data = mount.resolve("data");
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[1 << 20]); // space to give back later
        byte[] value = new byte[200 * 1024];
        List<Receipt> stored = new ArrayList<>();
        try (Broker broker = Broker.open(BrokerConfig.defaults(data))) {
            broker.createStation(T, "hr", StationConfig.defaults());
            BrokerException full = null;
            for (int i = 0; i < 100 && full == null; i++) {
                try {
                    stored.add(broker.produce(T, "hr", List.of(OutgoingMessage.of(null, value))).join().get(0));
                } catch (CompletionException e) {
                    full = (BrokerException) e.getCause();
                }
            }
            assertThat(full).as("the disk filled up").isNotNull();
            assertThat(full.code()).isEqualTo(ErrorCode.STORAGE_FULL);
            assertThat(full).as("the log says so by type").cause().cause().isInstanceOf(DiskFullException.class);
            assertThat(full.code().retriable()).isTrue();
            assertThat(broker.stationInfo(T, "hr").messages()).as("nothing partial").isEqualTo(stored.size());
            assertThat(bytesOnDisk(data)).as("no partial batch left in the segment files")
                    .isEqualTo(broker.stationInfo(T, "hr").bytes());

            Files.delete(filler); // space returns
            Receipt after = broker.produce(T, "hr", List.of(OutgoingMessage.of(null, value))).join().get(0);
            assertThat(after.offset()).isEqualTo(stored.size());
            stored.add(after);

            BrokerTest.Mailbox box = new BrokerTest.Mailbox();
            broker.subscribe(T, "hr", "audit", StartPosition.earliest(), "m", 1000, box);
            assertThat(box.take(stored.size())).extracting(Delivery::offset)
                    .containsExactlyElementsOf(stored.stream().map(Receipt::offset).toList());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        try (Broker broker = Broker.open(BrokerConfig.defaults(data))) {
            assertThat(broker.stationInfo(T, "hr").messages()).isEqualTo(stored.size());
        }
    }

    @Test
    void shouldKeepRememberingTheMsgIdsOfTheBatchThatWasStoredWhenAnotherPartitionOfTheRequestHitTheFullDisk()
            throws IOException {
        Path data = mount.resolve("data");
        try (Broker broker = Broker.open(BrokerConfig.defaults(data))) {
            broker.createStation(T, "hr", new StationConfig(2, null, 0, 0, Duration.ofSeconds(30), 5));
            // One request, two partitions: a small message with msg-id "a" on partition 0, a 200 KiB one with
            // msg-id "b" on partition 1. With 64 KiB left on the disk, the first batch is stored, the second not.
            List<OutgoingMessage> request = List.of(
                    new OutgoingMessage(null, new byte[100], List.of(), 0, "a", 0),
                    new OutgoingMessage(null, new byte[200 * 1024], List.of(), 0, "b", 1));
            Path filler = mount.resolve("filler");
            Files.write(filler, new byte[(int) (Files.getFileStore(mount).getUsableSpace() - 64 * 1024)]);

            assertThatThrownBy(() -> broker.produce(T, "hr", request).join())
                    .cause().isInstanceOf(BrokerException.class)
                    .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.STORAGE_FULL);
            // The partitions append in parallel: mostly partition 0's small batch lands first; on a loaded machine
            // partition 1's large one may take the last bytes before it (then fail and give them back), and
            // partition 0's fails too. Either way partition 1 stored nothing and a retry stores nothing twice.
            List<Long> next = broker.stationInfo(T, "hr").partitions().stream()
                    .map(StationInfo.PartitionInfo::nextOffset).toList();
            assertThat(next.get(1)).as("partition 1's batch was not stored").isZero();
            boolean aStored = next.get(0) == 1;
            System.out.println("DiskFullTest: partition 0's batch " + (aStored ? "was" : "was not") + " stored");

            Files.delete(filler);
            List<Receipt> retry = broker.produce(T, "hr", request).join();
            assertThat(retry.get(0)).as(aStored ? "a is remembered: not stored again" : "a stored now")
                    .isEqualTo(new Receipt(0, 0, aStored));
            assertThat(retry.get(1)).as("b was released: stored now").isEqualTo(new Receipt(1, 0, false));
            assertThat(broker.stationInfo(T, "hr").messages()).isEqualTo(2);
        }
    }

    private static long bytesOnDisk(Path data) throws IOException {
        try (var files = Files.walk(data.resolve("tenants/default/stations/hr/partitions"))) {
            long total = 0;
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }
}
