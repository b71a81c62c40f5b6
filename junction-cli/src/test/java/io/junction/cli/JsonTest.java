package io.junction.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.junction.client.DeadLetter;
import io.junction.client.GroupInfo;
import io.junction.client.MaintenanceRun;
import io.junction.client.OnDeadLetter;
import io.junction.client.Ordering;
import io.junction.client.PartitionInfo;
import io.junction.client.Receipt;
import io.junction.client.StationInfo;
import io.junction.client.StationOptions;

class JsonTest {

    @Test
    void rendersAReceiptAsPartitionAndOffset() {
        assertThat(Json.receipt(new Receipt(2, 41))).isEqualTo("{\"partition\":2,\"offset\":41}");
    }

    @Test
    void rendersAMessageWithTextValueHeadersAndIsoTimestamp() {
        final Map<String, byte[]> headers = new LinkedHashMap<>();
        headers.put("source", "hr".getBytes(StandardCharsets.UTF_8));

        assertThat(Json.message("orders", 1, 7, "k".getBytes(StandardCharsets.UTF_8),
                "héllo \"x\"".getBytes(StandardCharsets.UTF_8), headers, 2, Instant.parse("2026-01-02T03:04:05.006Z")))
                .isEqualTo("{\"station\":\"orders\",\"partition\":1,\"offset\":7,\"key\":\"k\","
                        + "\"value\":\"héllo \\\"x\\\"\",\"headers\":{\"source\":\"hr\"},\"deliveries\":2,"
                        + "\"timestamp\":\"2026-01-02T03:04:05.006Z\"}");
    }

    @Test
    void rendersAValueThatIsNotUtf8AsBase64AndAMissingKeyAsNull() {
        assertThat(Json.message("orders", 0, 0, null, new byte[] {(byte) 0xff, 0x00}, Map.of(), 1,
                Instant.EPOCH)).isEqualTo("{\"station\":\"orders\",\"partition\":0,\"offset\":0,\"key\":null,"
                        + "\"value_base64\":\"/wA=\",\"headers\":{},\"deliveries\":1,"
                        + "\"timestamp\":\"1970-01-01T00:00:00Z\"}");
    }

    @Test
    void rendersAStationWithItsSettingsAndPartitions() {
        final StationInfo station = new StationInfo("default", "orders", new StationOptions(1,
                Duration.ofDays(7), 0, 0, Duration.ofSeconds(30), 5), List.of(new PartitionInfo(0, 0, 3, 99)), 3, 99,
                Instant.EPOCH);

        assertThat(Json.station(station)).isEqualTo("{\"tenant\":\"default\",\"name\":\"orders\",\"partitions\":1,"
                + "\"messages\":3,\"bytes\":99,\"created_at\":\"1970-01-01T00:00:00Z\",\"retention_age_ms\":604800000,"
                + "\"retention_bytes\":0,\"retention_messages\":0,\"ack_timeout_ms\":30000,\"max_deliveries\":5,"
                + "\"segment_bytes\":0,"
                + "\"partition_info\":[{\"partition\":0,\"earliest_offset\":0,\"latest_offset\":3,\"bytes\":99,"
                + "\"local_earliest_offset\":0,\"local_bytes\":99,\"remote_earliest_offset\":-1,"
                + "\"remote_end_offset\":-1,\"remote_bytes\":0}]}");
    }

    @Test
    void rendersATieredStationsLocalAndRemotePartsAndItsTierStatus() {
        final StationOptions options = StationOptions.builder().tiering(true).localRetention(Duration.ofDays(2))
                .build();
        final StationInfo station = new StationInfo("default", "cold", options, List.of(new PartitionInfo(0, 0, 900,
                9000, 600, 3000, 0, 600, 6000)), 900, 9000, Instant.EPOCH);

        assertThat(Json.station(station)).contains("\"tiering\":true,\"local_retention_ms\":172800000,"
                + "\"local_retention_bytes\":0", "\"local_earliest_offset\":600,\"local_bytes\":3000,"
                + "\"remote_earliest_offset\":0,\"remote_end_offset\":600,\"remote_bytes\":6000}");
        assertThat(Json.tierStatus("cold", List.of(new io.junction.client.TierStatus(0, 0, 600, 2, 6000, 600, 3000, 1,
                1000, Instant.EPOCH, 2, 6000, 1, "timeout", Instant.ofEpochSecond(1))))).isEqualTo("{\"station\":"
                + "\"cold\",\"partitions\":[{\"partition\":0,\"remote_first_offset\":0,\"remote_end_offset\":600,"
                + "\"remote_segments\":2,\"remote_bytes\":6000,\"local_first_offset\":600,\"local_bytes\":3000,"
                + "\"pending_segments\":1,\"pending_bytes\":1000,\"last_upload\":\"1970-01-01T00:00:00Z\","
                + "\"uploaded_segments\":2,\"uploaded_bytes\":6000,\"failures\":1,\"last_error\":\"timeout\","
                + "\"last_error_at\":\"1970-01-01T00:00:01Z\"}]}");
        assertThat(StationCommand.describe(station)).contains("tiering:            on",
                "local retention:    2d", "REMOTE-OFFSETS", "[0, 600)");
    }

    @Test
    void rendersCompactionSettingsTheLastRunsAndATombstone() {
        final StationInfo station = new StationInfo("default", "emp", StationOptions.builder().segmentBytes(4096)
                .compaction(true).compactionLag(Duration.ofHours(1)).tombstoneRetention(Duration.ofDays(1)).build(),
                List.of(), 2, 10, Instant.EPOCH, null, new MaintenanceRun(Instant.EPOCH, Duration.ofMillis(12), 7, 100,
                        60, 0, 0, 1, 2));
        assertThat(Json.station(station)).contains("\"segment_bytes\":4096,\"compaction\":true,"
                + "\"compaction_lag_ms\":3600000,\"tombstone_retention_ms\":86400000,\"last_compaction\":{"
                + "\"at\":\"1970-01-01T00:00:00Z\",\"duration_ms\":12,\"messages_removed\":7,\"bytes_before\":100,"
                + "\"bytes_after\":60,\"segments_before\":0,\"segments_after\":0,\"segments_rewritten\":1,"
                + "\"keys_kept\":2}").doesNotContain("last_retention");
        assertThat(Json.message("emp", 0, 5, "k".getBytes(UTF_8), null, Map.of(), 1, Instant.EPOCH))
                .isEqualTo("{\"station\":\"emp\",\"partition\":0,\"offset\":5,\"key\":\"k\",\"value\":null,"
                        + "\"tombstone\":true,\"headers\":{},\"deliveries\":1,\"timestamp\":\"1970-01-01T00:00:00Z\"}");
    }

    @Test
    void rendersTheOrderingOfAStationAndAGroupWhenKnown() {
        final StationInfo station = new StationInfo("default", "orders", StationOptions.builder().partitions(1)
                .ordering(Ordering.NONE).build(), List.of(), 0, 0, Instant.EPOCH);
        assertThat(Json.station(station)).contains("\"max_deliveries\":0,\"ordering\":\"none\",");
        final GroupInfo group = new GroupInfo("orders", "billing", 0, 0, List.of(), List.of(), Ordering.PARTITION,
                OnDeadLetter.PARK, 2);
        assertThat(Json.group(group)).contains("\"in_flight\":0,\"ordering\":\"partition\",\"on_dead_letter\":\"park\","
                + "\"dead_letters\":2,");
    }

    @Test
    void rendersAGroupWithMembersAndPartitions() {
        final GroupInfo group = new GroupInfo("orders", "billing", 4, 1,
                List.of(new GroupInfo.Member("m-1", "cli", 1, 99)), List.of(new GroupInfo.Partition(0, 2, 3, 4)));

        assertThat(Json.group(group)).isEqualTo("{\"station\":\"orders\",\"name\":\"billing\",\"lag\":4,"
                + "\"in_flight\":1,\"dead_letters\":0,\"members\":[{\"member_id\":\"m-1\",\"name\":\"cli\","
                + "\"in_flight\":1,\"credits\":99}],\"partitions\":[{\"partition\":0,\"ack_floor\":2,\"next_offset\":3,"
                + "\"lag\":4,\"skipped\":0}]}");
    }

    @Test
    void rendersADeadLetterWithTheFieldsTheIssueNames() {
        final DeadLetter d = new DeadLetter(7, "payroll", "max_deliveries", 5, 2, 41, "emp-7".getBytes(UTF_8),
                new byte[] {(byte) 0xff}, Map.of("trace", "t1".getBytes(UTF_8)), Instant.ofEpochMilli(2000),
                "db down", Instant.ofEpochMilli(1000), null, Instant.EPOCH);

        assertThat(Json.deadLetter(d)).isEqualTo("{\"id\":7,\"group\":\"payroll\",\"reason\":\"max_deliveries\","
                + "\"deliveries\":5,\"partition\":2,\"offset\":41,\"key\":\"emp-7\",\"value_base64\":\"/w==\","
                + "\"headers\":{\"trace\":\"t1\"},\"dead_lettered_at\":\"1970-01-01T00:00:02Z\",\"error\":\"db down\","
                + "\"first_delivery\":\"1970-01-01T00:00:01Z\",\"last_delivery\":null,"
                + "\"timestamp\":\"1970-01-01T00:00:00Z\"}");
    }
}
