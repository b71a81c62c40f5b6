package io.junction.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.junction.client.DeadLetter;
import io.junction.client.GroupInfo;
import io.junction.client.Identity;
import io.junction.client.MaintenanceRun;
import io.junction.client.NewToken;
import io.junction.client.PartitionInfo;
import io.junction.client.Receipt;
import io.junction.client.SchemaInfo;
import io.junction.client.ReceivedMessage;
import io.junction.client.StationInfo;
import io.junction.client.StationOptions;
import io.junction.client.TenantInfo;
import io.junction.client.TokenInfo;
import io.junction.client.UserInfo;

/**
 * The {@code --json} output: one JSON object per line, field names in snake_case. Bytes appear as UTF-8 text when
 * they are valid UTF-8, else base64 under the field name with {@code _base64} appended. Stateless.
 */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static String receipt(Receipt r) {
        final ObjectNode node = MAPPER.createObjectNode().put("partition", r.partition()).put("offset", r.offset());
        if (r.duplicate()) {
            node.put("duplicate", true); // the msg-id was stored before: nothing new was stored
        }
        return write(node);
    }

    /** {@code decoded}: the value as JSON text when its schema has a binary form (shown instead), else null. */
    static String message(ReceivedMessage m, String decoded) {
        return message(m.station(), m.partition(), m.offset(), m.key(), m.isTombstone() ? null
                : decoded != null ? decoded.getBytes(StandardCharsets.UTF_8) : m.value(), m.headers(),
                m.deliveries(), m.timestamp());
    }

    /** A message as JSON; a null {@code value} is a tombstone. */
    static String message(String station, int partition, long offset, byte[] key, byte[] value,
            Map<String, byte[]> headers, int deliveries, Instant timestamp) {
        final ObjectNode node = MAPPER.createObjectNode().put("station", station).put("partition", partition)
                .put("offset", offset);
        if (key == null) {
            node.putNull("key");
        } else {
            bytes(node, "key", key);
        }
        if (value == null) {
            node.putNull("value").put("tombstone", true); // the key was deleted
        } else {
            bytes(node, "value", value);
        }
        final ObjectNode headerNode = node.putObject("headers");
        for (Map.Entry<String, byte[]> h : headers.entrySet()) {
            headerNode.put(h.getKey(), new String(h.getValue(), StandardCharsets.UTF_8));
        }
        node.put("deliveries", deliveries).put("timestamp", timestamp.toString());
        return write(node);
    }

    /**
     * A browsed message: {@code station, partition, offset, key, value, headers, timestamp} as {@code consume}
     * prints a message (a null value is a tombstone), then {@code schema, schema_version} when it names one.
     */
    static String browsed(String station, io.junction.client.BrowsedMessage m, String decoded) {
        final ObjectNode node = MAPPER.createObjectNode().put("station", station).put("partition", m.partition())
                .put("offset", m.offset());
        if (m.key() == null) {
            node.putNull("key");
        } else {
            bytes(node, "key", m.key());
        }
        if (m.tombstone()) {
            node.putNull("value").put("tombstone", true);
        } else {
            bytes(node, "value", decoded != null ? decoded.getBytes(StandardCharsets.UTF_8) : m.value());
        }
        final ObjectNode headerNode = node.putObject("headers");
        for (Map.Entry<String, byte[]> h : m.headers().entrySet()) {
            headerNode.put(h.getKey(), new String(h.getValue(), StandardCharsets.UTF_8));
        }
        node.put("timestamp", m.timestamp().toString());
        if (!m.schema().isEmpty()) {
            node.put("schema", m.schema()).put("schema_version", m.schemaVersion());
        }
        return write(node);
    }

    static String station(StationInfo s) {
        final StationOptions o = s.options();
        final ObjectNode node = MAPPER.createObjectNode().put("tenant", s.tenant()).put("name", s.name())
                .put("partitions", s.partitions().size()).put("messages", s.messages()).put("bytes", s.bytes())
                .put("created_at", s.createdAt().toString());
        node.put("retention_age_ms", o.retentionAge() == null ? 0 : o.unlimitedAge() ? -1 : o.retentionAge().toMillis())
                .put("retention_bytes", o.retentionBytes()).put("retention_messages", o.retentionMessages())
                .put("ack_timeout_ms", o.ackTimeout() == null ? 0 : o.ackTimeout().toMillis())
                .put("max_deliveries", o.maxDeliveries());
        if (o.ordering() != null) { // always known from a broker that has orderings
            node.put("ordering", o.ordering().wireName());
        }
        if (o.dedupWindow() != null) {
            node.put("dedup_window_ms", o.dedupWindow().toMillis());
        }
        if (o.onDeadLetter() != null) {
            node.put("on_dead_letter", o.onDeadLetter().wireName());
        }
        if (o.dlsRetention() != null) {
            node.put("dls_retention_ms", o.dlsRetention().toMillis());
        }
        if (o.retentionAck() != null) {
            node.put("retention_ack", o.retentionAck());
        }
        node.put("segment_bytes", o.segmentBytes());
        if (o.compaction() != null) {
            node.put("compaction", o.compaction());
        }
        if (o.compactionLag() != null) {
            node.put("compaction_lag_ms", o.compactionLag().toMillis());
        }
        if (o.tombstoneRetention() != null) {
            node.put("tombstone_retention_ms", o.tombstoneRetention().toMillis());
        }
        if (o.tiering() != null) { // always known from a broker that has tiered storage
            node.put("tiering", o.tiering());
            node.put("local_retention_ms", o.localRetention() == null || o.localRetention().isNegative() ? -1
                    : o.localRetention().toMillis()).put("local_retention_bytes", o.localRetentionBytes());
        }
        if (s.schema() != null) {
            node.putObject("schema").put("name", s.schema().name()).put("version", s.schema().version())
                    .put("dead_letter_violations", s.schema().deadLetterViolations());
        }
        if (s.lastRetention() != null) {
            run(node.putObject("last_retention"), s.lastRetention());
        }
        if (s.lastCompaction() != null) {
            run(node.putObject("last_compaction"), s.lastCompaction());
        }
        final ArrayNode partitions = node.putArray("partition_info");
        for (PartitionInfo p : s.partitions()) {
            partitions.addObject().put("partition", p.partition()).put("earliest_offset", p.earliestOffset())
                    .put("latest_offset", p.latestOffset()).put("bytes", p.bytes())
                    .put("local_earliest_offset", p.localEarliestOffset()).put("local_bytes", p.localBytes())
                    .put("remote_earliest_offset", p.remoteEarliestOffset())
                    .put("remote_end_offset", p.remoteEndOffset()).put("remote_bytes", p.remoteBytes());
        }
        return write(node);
    }

    /** A station's tier status: {@code station} and one object per partition (times ISO-8601, null: never). */
    static String tierStatus(String station, java.util.List<io.junction.client.TierStatus> partitions) {
        final ObjectNode node = MAPPER.createObjectNode().put("station", station);
        final ArrayNode list = node.putArray("partitions");
        for (io.junction.client.TierStatus t : partitions) {
            final ObjectNode p = list.addObject().put("partition", t.partition())
                    .put("remote_first_offset", t.remoteFirstOffset()).put("remote_end_offset", t.remoteEndOffset())
                    .put("remote_segments", t.remoteSegments()).put("remote_bytes", t.remoteBytes())
                    .put("local_first_offset", t.localFirstOffset()).put("local_bytes", t.localBytes())
                    .put("pending_segments", t.pendingSegments()).put("pending_bytes", t.pendingBytes())
                    .put("last_upload", t.lastUpload() == null ? null : t.lastUpload().toString())
                    .put("uploaded_segments", t.uploadedSegments()).put("uploaded_bytes", t.uploadedBytes())
                    .put("failures", t.failures()).put("last_error", t.lastError());
            p.put("last_error_at", t.lastErrorAt() == null ? null : t.lastErrorAt().toString());
        }
        return write(node);
    }

    static String schema(SchemaInfo s) {
        final ObjectNode node = MAPPER.createObjectNode().put("name", s.name()).put("type", s.type())
                .put("compatibility", s.compatibility()).put("latest_version", s.latestVersion())
                .put("created_at", s.createdAt().toString());
        final ArrayNode versions = node.putArray("versions");
        s.versions().forEach(versions::add);
        if (s.type().equals("protobuf")) {
            final ArrayNode messageTypes = node.putArray("message_types");
            s.messageTypes().forEach(messageTypes::add);
        }
        final ArrayNode stations = node.putArray("stations");
        s.stations().forEach(stations::add);
        return write(node);
    }

    private static void run(ObjectNode node, MaintenanceRun r) {
        node.put("at", r.at().toString()).put("duration_ms", r.duration().toMillis())
                .put("messages_removed", r.messagesRemoved()).put("bytes_before", r.bytesBefore())
                .put("bytes_after", r.bytesAfter()).put("segments_before", r.segmentsBefore())
                .put("segments_after", r.segmentsAfter()).put("segments_rewritten", r.segmentsRewritten())
                .put("keys_kept", r.keysKept());
    }

    static String group(GroupInfo g) {
        final ObjectNode node = MAPPER.createObjectNode().put("station", g.station()).put("name", g.name())
                .put("lag", g.lag()).put("in_flight", g.inFlight());
        if (g.ordering() != null) { // always known from a broker that has orderings
            node.put("ordering", g.ordering().wireName());
        }
        if (g.onDeadLetter() != null) {
            node.put("on_dead_letter", g.onDeadLetter().wireName());
        }
        if (g.history() != null) {
            node.put("history", g.history().wireName());
        }
        node.put("dead_letters", g.deadLetters());
        final ArrayNode members = node.putArray("members");
        for (GroupInfo.Member m : g.members()) {
            members.addObject().put("member_id", m.memberId()).put("name", m.name()).put("in_flight", m.inFlight())
                    .put("credits", m.credits());
        }
        final ArrayNode partitions = node.putArray("partitions");
        for (GroupInfo.Partition p : g.partitions()) {
            partitions.addObject().put("partition", p.partition()).put("ack_floor", p.ackFloor())
                    .put("next_offset", p.nextOffset()).put("lag", p.lag()).put("skipped", p.skipped());
        }
        return write(node);
    }

    /**
     * A dead letter: {@code id, group, reason, deliveries, partition, offset, key, value, headers,
     * dead_lettered_at}, then {@code error, first_delivery, last_delivery, timestamp}.
     */
    static String deadLetter(DeadLetter d) {
        final ObjectNode node = MAPPER.createObjectNode().put("id", d.id()).put("group", d.group())
                .put("reason", d.reason()).put("deliveries", d.deliveries()).put("partition", d.partition())
                .put("offset", d.offset());
        if (d.key() == null) {
            node.putNull("key");
        } else {
            bytes(node, "key", d.key());
        }
        bytes(node, "value", d.value());
        final ObjectNode headerNode = node.putObject("headers");
        for (Map.Entry<String, byte[]> h : d.headers().entrySet()) {
            headerNode.put(h.getKey(), new String(h.getValue(), StandardCharsets.UTF_8));
        }
        node.put("dead_lettered_at", d.deadLetteredAt().toString()).put("error", d.error());
        node.put("first_delivery", d.firstDelivery() == null ? null : d.firstDelivery().toString());
        node.put("last_delivery", d.lastDelivery() == null ? null : d.lastDelivery().toString());
        node.put("timestamp", d.timestamp().toString());
        return write(node);
    }

    /** Who the broker takes the caller for; {@code expires} null: never. */
    static String identity(Identity i) {
        final ObjectNode node = MAPPER.createObjectNode().put("tenant", i.tenant()).put("user", i.user())
                .put("role", i.role());
        strings(node, "stations", i.stations());
        strings(node, "deny_stations", i.denyStations());
        node.put("via", i.via()).put("expires", instant(i.expiresAt()));
        return write(node);
    }

    /** A new session: who it is for and until when; never its token. */
    static String login(TokenInfo session) {
        return write(MAPPER.createObjectNode().put("tenant", session.tenant()).put("user", session.name())
                .put("role", session.role()).put("expires", instant(session.expiresAt())));
    }

    static String tenant(TenantInfo t) {
        final io.junction.client.TenantLimits l = t.limits();
        final ObjectNode node = MAPPER.createObjectNode().put("name", t.name()).put("stations", t.stations())
                .put("stored_bytes", t.storedBytes()).put("connections", t.connections());
        node.putObject("limits").put("max_storage_bytes", l.maxStorageBytes())
                .put("max_produce_bytes_per_second", l.maxProduceBytesPerSecond())
                .put("max_consume_bytes_per_second", l.maxConsumeBytesPerSecond())
                .put("max_stations", l.maxStations()).put("max_connections", l.maxConnections());
        return write(node);
    }

    static String user(UserInfo u) {
        final ObjectNode node = MAPPER.createObjectNode().put("tenant", u.tenant()).put("name", u.name())
                .put("role", u.role());
        strings(node, "stations", u.stations());
        strings(node, "deny_stations", u.denyStations());
        node.put("has_password", u.hasPassword()).put("created", instant(u.created()));
        return write(node);
    }

    /** A token, never its secret; {@code expires} null: never. */
    static String token(TokenInfo t) {
        final ObjectNode node = MAPPER.createObjectNode().put("tenant", t.tenant()).put("name", t.name())
                .put("role", t.role());
        strings(node, "stations", t.stations());
        strings(node, "deny_stations", t.denyStations());
        node.put("created_by", t.createdBy()).put("created", instant(t.created()))
                .put("expires", instant(t.expiresAt()));
        return write(node);
    }

    /** A token just created, with its secret: the only output that ever shows one. */
    static String newToken(NewToken t) {
        return write(MAPPER.createObjectNode().put("name", t.info().name()).put("role", t.info().role())
                .put("secret", t.secret()).put("expires", instant(t.info().expiresAt())));
    }

    private static void strings(ObjectNode node, String field, List<String> values) {
        final ArrayNode array = node.putArray(field);
        values.forEach(array::add);
    }

    private static String instant(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    /** Named counts, as one object in their order. */
    static String summary(Map<String, Long> counts) {
        final ObjectNode node = MAPPER.createObjectNode();
        counts.forEach(node::put);
        return write(node);
    }

    /** The bytes as UTF-8 text, or null when they are not valid UTF-8. */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static void bytes(ObjectNode node, String field, byte[] bytes) {
        final String text = utf8(bytes);
        if (text != null) {
            node.put(field, text);
        } else {
            node.put(field + "_base64", Base64.getEncoder().encodeToString(bytes));
        }
    }

    private static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serializes", e);
        }
    }

    static String auditEntry(io.junction.client.AuditEntry e) {
        return MAPPER.createObjectNode().put("id", e.id()).put("time", e.time().toString()).put("who", e.who())
                .put("via", e.via()).put("address", e.address()).put("action", e.action()).put("target", e.target())
                .put("result", e.result()).put("message", e.message()).toString();
    }
}
