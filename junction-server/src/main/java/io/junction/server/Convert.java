package io.junction.server;

import com.google.protobuf.ByteString;
import io.junction.api.v1.Errors;
import io.junction.broker.BrokerException;
import io.junction.broker.DeadLetter;
import io.junction.broker.Delivery;
import io.junction.broker.DeliveryRef;
import io.junction.broker.GroupInfo;
import io.junction.broker.Header;
import io.junction.broker.OnDeadLetter;
import io.junction.broker.Ordering;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.StartPosition;
import io.junction.broker.StationConfig;
import io.junction.broker.StationInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import io.grpc.StatusRuntimeException;

/**
 * Protocol ↔ core: the only place that knows both the {@code junction.v1} messages and the broker's types.
 * Stateless; thread-safe.
 */
final class Convert {

    private Convert() {
    }

    /** Any failure as the gRPC status a client receives: broker errors keep their code, the rest is INTERNAL. */
    static StatusRuntimeException status(Throwable failure) {
        io.junction.api.v1.Error error = error(failure);
        return Errors.toStatus(error);
    }

    static io.junction.api.v1.Error error(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof BrokerException b) {
            return Errors.error(Errors.toWire(b.code()), b.getMessage());
        }
        if (cause instanceof io.junction.security.AccessException a) {
            return Errors.error(Errors.toWire(a.code()), a.getMessage());
        }
        return Errors.error(io.junction.api.v1.ErrorCode.INTERNAL, String.valueOf(cause));
    }

    /** The messages a refused produce request was refused for (index → why); empty for other failures. */
    static java.util.Map<Integer, String> rejected(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof BrokerException b ? b.rejected() : java.util.Map.of();
    }

    /** The settings of a create request: fields left 0 / "" take the broker's defaults. */
    static StationConfig config(io.junction.api.v1.StationConfig c) {
        StationConfig d = StationConfig.withDefaults(c.getPartitions(), c.getRetentionAgeMs(),
                c.getRetentionBytes(), c.getRetentionMessages(), c.getAckTimeoutMs(), c.getMaxDeliveries());
        Ordering ordering = ordering(c.getOrdering());
        OnDeadLetter onDeadLetter = onDeadLetter(c.getOnDeadLetter());
        return with(d, ordering == null ? StationConfig.DEFAULT_ORDERING : ordering,
                c.getDedupWindowMs() == 0 ? StationConfig.DEFAULT_DEDUP_WINDOW
                        : Duration.ofMillis(c.getDedupWindowMs()),
                onDeadLetter == null ? StationConfig.DEFAULT_ON_DEAD_LETTER : onDeadLetter,
                c.getDlsRetentionMs() == 0 ? StationConfig.DEFAULT_DLS_RETENTION
                        : Duration.ofMillis(c.getDlsRetentionMs())).withRetentionAck(c.getRetentionAck())
                .withSegmentBytes(c.getSegmentBytes())
                .withCompaction(compaction(c, StationConfig.Compaction.OFF))
                .withTiering(tiering(c, StationConfig.Tiering.OFF)).validate();
    }

    /**
     * The tiering fields of a request over {@code current}: an absent {@code tiering} keeps it on or off; a local
     * retention of 0 keeps the current limit, -1 removes it.
     */
    static StationConfig.Tiering tiering(io.junction.api.v1.StationConfig c, StationConfig.Tiering current) {
        boolean enabled = c.hasTiering() ? c.getTiering() : current.enabled();
        long ms = c.getLocalRetentionMs();
        long bytes = c.getLocalRetentionBytes();
        if (ms < -1) {
            throw new BrokerException(io.junction.errors.ErrorCode.INVALID_CONFIG,
                    "local_retention_ms must be positive, 0 (unset) or -1 (no limit by age), was " + ms);
        }
        if (bytes < -1) {
            throw new BrokerException(io.junction.errors.ErrorCode.INVALID_CONFIG,
                    "local_retention_bytes must be positive, 0 (unset) or -1 (no limit by size), was " + bytes);
        }
        Duration age = ms == 0 ? current.localRetention() : ms == -1 ? null : Duration.ofMillis(ms);
        long size = bytes == 0 ? current.localRetentionBytes() : Math.max(bytes, 0);
        return new StationConfig.Tiering(enabled, age, size);
    }

    /** The compaction fields of a request over {@code current} (absent fields keep it). */
    private static StationConfig.Compaction compaction(io.junction.api.v1.StationConfig c,
            StationConfig.Compaction current) {
        return new StationConfig.Compaction(c.hasCompaction() ? c.getCompaction() : current.enabled(),
                c.hasCompactionLagMs() ? Duration.ofMillis(c.getCompactionLagMs()) : current.lag(),
                c.hasTombstoneRetentionMs() ? Duration.ofMillis(c.getTombstoneRetentionMs())
                        : current.tombstoneRetention());
    }

    /**
     * The settings of an update request over the station's {@code current} ones: fields left 0 / "" keep their
     * current value (as UpdateStationRequest promises and the client sends); the result is validated.
     */
    static StationConfig config(io.junction.api.v1.StationConfig c, StationConfig current) {
        long retentionAgeMs = c.getRetentionAgeMs() != 0 ? c.getRetentionAgeMs()
                : current.retentionAge() == null ? -1 : current.retentionAge().toMillis();
        StationConfig merged = StationConfig.withDefaults(
                c.getPartitions() != 0 ? c.getPartitions() : current.partitions(),
                retentionAgeMs,
                c.getRetentionBytes() != 0 ? c.getRetentionBytes() : current.retentionBytes(),
                c.getRetentionMessages() != 0 ? c.getRetentionMessages() : current.retentionMessages(),
                c.getAckTimeoutMs() != 0 ? c.getAckTimeoutMs() : current.ackTimeout().toMillis(),
                c.getMaxDeliveries() != 0 ? c.getMaxDeliveries() : current.maxDeliveries());
        Ordering ordering = ordering(c.getOrdering());
        OnDeadLetter onDeadLetter = onDeadLetter(c.getOnDeadLetter());
        return with(merged, ordering == null ? current.ordering() : ordering,
                c.getDedupWindowMs() == 0 ? current.dedupWindow() : Duration.ofMillis(c.getDedupWindowMs()),
                onDeadLetter == null ? current.onDeadLetter() : onDeadLetter,
                c.getDlsRetentionMs() == 0 ? current.dlsRetention() : Duration.ofMillis(c.getDlsRetentionMs()))
                .withRetentionAck(c.hasRetentionAck() ? c.getRetentionAck() : current.retentionAck())
                .withSegmentBytes(c.getSegmentBytes() != 0 ? c.getSegmentBytes() : current.segmentBytes())
                .withCompaction(compaction(c, current.compaction())).withSchema(current.schema())
                .withTiering(tiering(c, current.tiering())).validate();
    }

    private static StationConfig with(StationConfig c, Ordering ordering, Duration dedupWindow,
            OnDeadLetter onDeadLetter, Duration dlsRetention) {
        return new StationConfig(c.partitions(), c.retentionAge(), c.retentionBytes(), c.retentionMessages(),
                c.ackTimeout(), c.maxDeliveries(), ordering, dedupWindow, onDeadLetter, dlsRetention).validate();
    }

    /**
     * An on-dead-letter policy named on the wire; null for "" (the default applies).
     *
     * @throws io.junction.broker.BrokerException INVALID_CONFIG for an unknown name
     */
    static OnDeadLetter onDeadLetter(String wireName) {
        return wireName.isEmpty() ? null : OnDeadLetter.parse(wireName);
    }

    /**
     * An ordering named on the wire; null for "" (the default applies).
     *
     * @throws io.junction.broker.BrokerException INVALID_CONFIG for an unknown name
     */
    static Ordering ordering(String wireName) {
        return wireName.isEmpty() ? null : Ordering.parse(wireName);
    }

    static io.junction.api.v1.StationConfig config(StationConfig c) {
        return io.junction.api.v1.StationConfig.newBuilder().setPartitions(c.partitions())
                .setRetentionAgeMs(c.retentionAge() == null ? -1 : c.retentionAge().toMillis())
                .setRetentionBytes(c.retentionBytes()).setRetentionMessages(c.retentionMessages())
                .setAckTimeoutMs(c.ackTimeout().toMillis()).setMaxDeliveries(c.maxDeliveries())
                .setOrdering(c.ordering().wireName()).setDedupWindowMs(c.dedupWindow().toMillis())
                .setOnDeadLetter(c.onDeadLetter().wireName()).setDlsRetentionMs(c.dlsRetention().toMillis())
                .setRetentionAck(c.retentionAck()).setSegmentBytes(c.segmentBytes())
                .setCompaction(c.compaction().enabled()).setCompactionLagMs(c.compaction().lag().toMillis())
                .setTombstoneRetentionMs(c.compaction().tombstoneRetention().toMillis())
                .setSchema(c.schema() == null ? "" : c.schema().name())
                .setSchemaVersion(c.schema() == null ? 0 : c.schema().version())
                .setSchemaDeadLetterViolations(c.schema() != null && c.schema().deadLetterViolations())
                .setTiering(c.tiering().enabled())
                .setLocalRetentionMs(c.tiering().localRetention() == null ? -1
                        : c.tiering().localRetention().toMillis())
                .setLocalRetentionBytes(c.tiering().localRetentionBytes()).build();
    }

    static io.junction.api.v1.SchemaInfo schema(io.junction.broker.SchemaInfo s) {
        return io.junction.api.v1.SchemaInfo.newBuilder().setTenant(s.tenant()).setName(s.name())
                .setType(s.type().wireName()).setCompatibility(s.compatibility().name()).addAllVersions(s.versions())
                .addAllMessageTypes(s.messageTypes()).setCreatedAtMs(s.createdAtMs()).addAllStations(s.stations())
                .build();
    }

    /**
     * The schema type named on the wire.
     *
     * @throws io.junction.broker.BrokerException INVALID_SCHEMA for an unknown or unsupported one
     */
    static io.junction.schema.SchemaType schemaType(String wireName) {
        try {
            return io.junction.schema.SchemaType.parse(wireName);
        } catch (io.junction.schema.SchemaException e) {
            throw new io.junction.broker.BrokerException(io.junction.errors.ErrorCode.INVALID_SCHEMA, e.getMessage());
        }
    }

    /** The compatibility named on the wire; null for "" (the default applies). */
    static io.junction.schema.Compatibility compatibility(String name) {
        try {
            return name.isEmpty() ? null : io.junction.schema.Compatibility.parse(name);
        } catch (io.junction.schema.SchemaException e) {
            throw new io.junction.broker.BrokerException(io.junction.errors.ErrorCode.INVALID_ARGUMENT,
                    e.getMessage());
        }
    }

    static io.junction.api.v1.MaintenanceRun run(long atMs, io.junction.broker.RetentionResult r) {
        return io.junction.api.v1.MaintenanceRun.newBuilder().setAtMs(atMs).setMessagesRemoved(r.messages())
                .setBytesBefore(r.bytesBefore()).setBytesAfter(r.bytesAfter()).setSegmentsBefore(r.segmentsBefore())
                .setSegmentsAfter(r.segmentsAfter()).build();
    }

    static io.junction.api.v1.MaintenanceRun run(long atMs, io.junction.broker.CompactionResult r) {
        return io.junction.api.v1.MaintenanceRun.newBuilder().setAtMs(atMs).setDurationMs(r.durationMs())
                .setMessagesRemoved(r.messagesRemoved()).setBytesBefore(r.bytesBefore())
                .setBytesAfter(r.bytesAfter()).setSegmentsRewritten(r.segmentsRewritten())
                .setKeysKept(r.keysKept()).build();
    }

    static io.junction.api.v1.StationInfo station(StationInfo s) {
        io.junction.api.v1.StationInfo.Builder b = io.junction.api.v1.StationInfo.newBuilder().setTenant(s.tenant())
                .setName(s.name()).setConfig(config(s.config())).setMessages(s.messages()).setBytes(s.bytes())
                .setCreatedAtMs(s.createdAtMs());
        if (s.lastRetention() != null) {
            b.setLastRetention(run(s.lastRetentionMs(), s.lastRetention()));
        }
        if (s.lastCompaction() != null) {
            b.setLastCompaction(run(s.lastCompactionMs(), s.lastCompaction()));
        }
        for (StationInfo.PartitionInfo p : s.partitions()) {
            b.addPartitions(io.junction.api.v1.PartitionInfo.newBuilder().setPartition(p.partition())
                    .setEarliestOffset(p.earliestOffset()).setLatestOffset(p.nextOffset()).setBytes(p.bytes())
                    .setLocalEarliestOffset(p.localEarliestOffset()).setLocalBytes(p.localBytes())
                    .setRemoteEarliestOffset(p.remoteEarliestOffset()).setRemoteEndOffset(p.remoteEndOffset())
                    .setRemoteBytes(p.remoteBytes()));
        }
        return b.build();
    }

    /** A group's info lists at most this many members (and counts them all), so that it stays small. */
    static final int MAX_MEMBERS_LISTED = 1000;

    static io.junction.api.v1.GroupInfo group(GroupInfo g) {
        io.junction.api.v1.GroupInfo.Builder b = io.junction.api.v1.GroupInfo.newBuilder().setStation(g.station())
                .setName(g.name()).setLag(g.lag()).setInFlight(g.inFlight())
                .setOrdering(g.ordering().wireName()).setOnDeadLetter(g.onDeadLetter().wireName())
                .setDeadLetters(g.deadLetters())
                .setHistory((g.history() == null ? io.junction.broker.History.COMPACTED : g.history()).wireName());
        b.setMemberCount(g.members().size());
        for (GroupInfo.Member m : g.members().subList(0, Math.min(g.members().size(), MAX_MEMBERS_LISTED))) {
            b.addMembers(io.junction.api.v1.MemberInfo.newBuilder().setMemberId(m.id()).setName(m.name())
                    .setInFlight(m.inFlight()).setCredits(m.credits()));
        }
        for (GroupInfo.Partition p : g.partitions()) {
            b.addPartitions(io.junction.api.v1.GroupPartitionInfo.newBuilder().setPartition(p.partition())
                    .setAckFloor(p.ackFloor()).setNextOffset(p.nextOffset()).setLag(p.lag())
                    .setSkipped(p.skipped()));
        }
        return b.build();
    }

    /**
     * A group's history named on the wire; null for "" (the compacted view).
     *
     * @throws io.junction.broker.BrokerException INVALID_ARGUMENT for anything but compacted or full
     */
    static io.junction.broker.History history(String wireName) {
        return wireName.isEmpty() ? null : io.junction.broker.History.parse(wireName);
    }

    /** A station's tier status, partition by partition. */
    static io.junction.api.v1.TierStatusResponse tierStatus(java.util.List<io.junction.tier.TierStatus> partitions) {
        io.junction.api.v1.TierStatusResponse.Builder b = io.junction.api.v1.TierStatusResponse.newBuilder();
        for (io.junction.tier.TierStatus t : partitions) {
            b.addPartitions(io.junction.api.v1.PartitionTierStatus.newBuilder().setPartition(t.partition())
                    .setRemoteFirstOffset(t.remoteFirstOffset()).setRemoteEndOffset(t.remoteEndOffset())
                    .setRemoteSegments(t.remoteSegments()).setRemoteBytes(t.remoteBytes())
                    .setLocalFirstOffset(t.localFirstOffset()).setLocalBytes(t.localBytes())
                    .setPendingSegments(t.pendingSegments()).setPendingBytes(t.pendingBytes())
                    .setLastUploadMs(t.lastUploadMs()).setUploadedSegments(t.uploadedSegments())
                    .setUploadedBytes(t.uploadedBytes()).setFailures(t.failures())
                    .setLastError(t.lastError() == null ? "" : t.lastError()).setLastErrorMs(t.lastErrorMs()));
        }
        return b.build();
    }

    /** The start position of a request; null when the request named none (the broker's default applies). */
    static StartPosition start(io.junction.api.v1.StartPosition s, boolean present) {
        if (!present) {
            return null;
        }
        return switch (s.getPositionCase()) {
            case EARLIEST, POSITION_NOT_SET -> StartPosition.earliest();
            case LATEST -> StartPosition.latest();
            case OFFSET -> new StartPosition.AtOffset(s.getOffset());
            case TIMESTAMP_MS -> new StartPosition.AtTimestamp(s.getTimestampMs());
            case LAST_N -> new StartPosition.LastN(s.getLastN());
        };
    }

    static List<OutgoingMessage> messages(io.junction.api.v1.ProduceRequest request) {
        List<OutgoingMessage> out = new ArrayList<>(request.getMessagesCount());
        for (io.junction.api.v1.ProduceMessage m : request.getMessagesList()) {
            List<Header> headers = new ArrayList<>(m.getHeadersCount());
            for (io.junction.api.v1.Header h : m.getHeadersList()) {
                headers.add(new Header(h.getKey(), h.getValue().toByteArray()));
            }
            if (m.getTombstone() && (!m.hasKey() || !m.getValue().isEmpty())) {
                throw new io.junction.broker.BrokerException(io.junction.errors.ErrorCode.INVALID_ARGUMENT,
                        "message " + out.size() + ": a tombstone needs a key and no value");
            }
            out.add(new OutgoingMessage(m.hasKey() ? m.getKey().toByteArray() : null,
                    m.getTombstone() ? null : m.getValue().toByteArray(), headers, m.getTimestampMs(),
                    m.getMsgId().isEmpty() ? null : m.getMsgId(), m.hasPartition() ? m.getPartition() : null));
        }
        return out;
    }

    static io.junction.api.v1.DeliveredMessage delivered(Delivery d) {
        io.junction.api.v1.DeliveredMessage.Builder b = io.junction.api.v1.DeliveredMessage.newBuilder()
                .setPartition(d.partition()).setOffset(d.offset()).setValue(bytes(d.value()))
                .setTimestampMs(d.timestampMs()).setDeliveries(d.deliveries()).setTombstone(d.tombstone())
                .setDeliveryId(d.deliveryId());
        if (d.key() != null) {
            b.setKey(ByteString.copyFrom(d.key()));
        }
        d.headers().forEach(h -> b.addHeaders(header(h)));
        return b.build();
    }

    private static io.junction.api.v1.Header header(Header h) {
        io.junction.api.v1.Header.Builder hb = io.junction.api.v1.Header.newBuilder().setKey(h.key());
        if (h.value() != null) {
            hb.setValue(ByteString.copyFrom(h.value()));
        }
        return hb.build();
    }

    static io.junction.api.v1.BrowseMessagesResponse browsed(io.junction.broker.BrowseResult r) {
        io.junction.api.v1.BrowseMessagesResponse.Builder b = io.junction.api.v1.BrowseMessagesResponse.newBuilder()
                .setNextOffset(r.nextOffset()).setEndReached(r.endReached()).setFirstOffset(r.firstOffset())
                .setEndOffset(r.endOffset()).setSchema(r.schemaName()).setSchemaVersion(r.schemaVersion());
        for (io.junction.broker.StoredMessage m : r.messages()) {
            io.junction.api.v1.BrowsedMessage.Builder mb = io.junction.api.v1.BrowsedMessage.newBuilder()
                    .setPartition(m.partition()).setOffset(m.offset()).setValue(bytes(m.value()))
                    .setTimestampMs(m.timestampMs()).setTombstone(m.tombstone()).setSchema(m.schemaName())
                    .setSchemaVersion(m.schemaVersion());
            if (m.key() != null) {
                mb.setKey(ByteString.copyFrom(m.key()));
            }
            m.headers().forEach(h -> mb.addHeaders(header(h)));
            b.addMessages(mb);
        }
        return b.build();
    }

    static io.junction.api.v1.DeadLetter deadLetter(DeadLetter d) {
        io.junction.api.v1.DeadLetter.Builder b = io.junction.api.v1.DeadLetter.newBuilder().setId(d.id())
                .setGroup(d.group()).setReason(d.reason().wireName()).setDeliveries(d.deliveries())
                .setPartition(d.partition()).setOffset(d.offset()).setValue(bytes(d.value()))
                .setDeadLetteredAtMs(d.deadLetteredAtMs()).setError(d.error())
                .setFirstDeliveryMs(d.firstDeliveryMs()).setLastDeliveryMs(d.lastDeliveryMs())
                .setTimestampMs(d.timestampMs());
        if (d.key() != null) {
            b.setKey(ByteString.copyFrom(d.key()));
        }
        d.headers().forEach(h -> b.addHeaders(header(h)));
        return b.build();
    }

    static List<DeliveryRef> refs(List<io.junction.api.v1.MessageRef> refs) {
        List<DeliveryRef> out = new ArrayList<>(refs.size());
        for (io.junction.api.v1.MessageRef r : refs) {
            out.add(new DeliveryRef(r.getPartition(), r.getOffset(), r.getDeliveryId()));
        }
        return out;
    }

    static List<io.junction.api.v1.MessageRef> refsOut(List<DeliveryRef> refs) {
        List<io.junction.api.v1.MessageRef> out = new ArrayList<>(refs.size());
        for (DeliveryRef r : refs) {
            out.add(io.junction.api.v1.MessageRef.newBuilder().setPartition(r.partition()).setOffset(r.offset())
                    .setDeliveryId(r.deliveryId()).build());
        }
        return out;
    }

    private static ByteString bytes(byte[] b) {
        return b == null ? ByteString.EMPTY : ByteString.copyFrom(b);
    }
}
