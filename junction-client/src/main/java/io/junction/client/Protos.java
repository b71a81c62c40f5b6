package io.junction.client;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;

import io.grpc.Status;
import io.junction.api.v1.Errors;
import io.junction.api.v1.Header;
import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.StationConfig;
import io.junction.errors.ErrorCode;

/**
 * Translates between the client's plain Java types and the {@code junction.v1} messages, and failures into
 * {@link JunctionException}: the only place that does. Stateless.
 */
final class Protos {

    private Protos() {
    }

    static StationConfig config(StationOptions o) {
        final StationConfig.Builder b = StationConfig.newBuilder()
                .setPartitions(o.partitions())
                .setRetentionAgeMs(millis(o.retentionAge()))
                .setRetentionBytes(o.retentionBytes())
                .setRetentionMessages(o.retentionMessages())
                .setAckTimeoutMs(millis(o.ackTimeout()))
                .setMaxDeliveries(o.maxDeliveries())
                .setOrdering(ordering(o.ordering()))
                .setDedupWindowMs(millis(o.dedupWindow()))
                .setOnDeadLetter(o.onDeadLetter() == null ? "" : o.onDeadLetter().wireName())
                .setDlsRetentionMs(millis(o.dlsRetention()));
        if (o.retentionAck() != null) {
            b.setRetentionAck(o.retentionAck());
        }
        b.setSegmentBytes(o.segmentBytes());
        if (o.compaction() != null) {
            b.setCompaction(o.compaction());
        }
        if (o.compactionLag() != null) {
            b.setCompactionLagMs(o.compactionLag().toMillis());
        }
        if (o.tombstoneRetention() != null) {
            b.setTombstoneRetentionMs(o.tombstoneRetention().toMillis());
        }
        if (o.tiering() != null) {
            b.setTiering(o.tiering());
        }
        if (o.localRetention() != null) {
            b.setLocalRetentionMs(o.localRetention().isNegative() ? -1 : o.localRetention().toMillis());
        }
        b.setLocalRetentionBytes(o.localRetentionBytes() < 0 ? -1 : o.localRetentionBytes());
        return b.build();
    }

    static StationOptions options(StationConfig c) {
        return new StationOptions(c.getPartitions(), duration(c.getRetentionAgeMs()), c.getRetentionBytes(),
                c.getRetentionMessages(), duration(c.getAckTimeoutMs()), c.getMaxDeliveries(),
                ordering(c.getOrdering()), duration(c.getDedupWindowMs()),
                OnDeadLetter.fromWireName(c.getOnDeadLetter()), duration(c.getDlsRetentionMs()),
                c.hasRetentionAck() ? c.getRetentionAck() : null, c.getSegmentBytes(),
                c.hasCompaction() ? c.getCompaction() : null,
                c.hasCompactionLagMs() ? Duration.ofMillis(c.getCompactionLagMs()) : null,
                c.hasTombstoneRetentionMs() ? Duration.ofMillis(c.getTombstoneRetentionMs()) : null,
                c.hasTiering() ? c.getTiering() : null, duration(c.getLocalRetentionMs()),
                c.getLocalRetentionBytes());
    }

    /** A maintenance pass; null when none ran (the broker sends at_ms 0). */
    static MaintenanceRun run(io.junction.api.v1.MaintenanceRun r) {
        return r.getAtMs() == 0 ? null : new MaintenanceRun(Instant.ofEpochMilli(r.getAtMs()),
                Duration.ofMillis(r.getDurationMs()), r.getMessagesRemoved(), r.getBytesBefore(), r.getBytesAfter(),
                r.getSegmentsBefore(), r.getSegmentsAfter(), r.getSegmentsRewritten(), r.getKeysKept());
    }

    /** The wire name; {@code ""} for null (the default). */
    static String ordering(Ordering o) {
        return o == null ? "" : o.wireName();
    }

    /** The ordering of a wire name; null for {@code ""} and for a name this client does not know. */
    static Ordering ordering(String wireName) {
        try {
            return Ordering.fromWireName(wireName);
        } catch (IllegalArgumentException e) {
            return null; // a newer broker's ordering: reported as unknown rather than failing the call
        }
    }

    static StationInfo station(io.junction.api.v1.StationInfo s) {
        final List<PartitionInfo> partitions = new ArrayList<>(s.getPartitionsCount());
        for (io.junction.api.v1.PartitionInfo p : s.getPartitionsList()) {
            boolean reported = p.getLocalEarliestOffset() != 0 || p.getLocalBytes() != 0
                    || p.getRemoteEarliestOffset() != 0 || p.getRemoteEndOffset() != 0 || p.getRemoteBytes() != 0;
            partitions.add(reported ? new PartitionInfo(p.getPartition(), p.getEarliestOffset(), p.getLatestOffset(),
                    p.getBytes(), p.getLocalEarliestOffset(), p.getLocalBytes(), p.getRemoteEarliestOffset(),
                    p.getRemoteEndOffset(), p.getRemoteBytes())
                    // a server from before tiering leaves the fields out: everything is local
                    : new PartitionInfo(p.getPartition(), p.getEarliestOffset(), p.getLatestOffset(), p.getBytes()));
        }
        return new StationInfo(s.getTenant(), s.getName(), options(s.getConfig()), partitions, s.getMessages(),
                s.getBytes(), Instant.ofEpochMilli(s.getCreatedAtMs()), run(s.getLastRetention()),
                run(s.getLastCompaction()), s.getConfig().getSchema().isEmpty() ? null : new StationInfo.Schema(
                        s.getConfig().getSchema(), s.getConfig().getSchemaVersion(),
                        s.getConfig().getSchemaDeadLetterViolations()));
    }

    static SchemaInfo schema(io.junction.api.v1.SchemaInfo s) {
        return new SchemaInfo(s.getName(), s.getType(), s.getCompatibility(), s.getVersionsList(),
                s.getMessageTypesCount() == s.getVersionsCount() ? s.getMessageTypesList()
                        : Collections.nCopies(s.getVersionsCount(), ""),
                Instant.ofEpochMilli(s.getCreatedAtMs()), s.getStationsList());
    }

    static GroupInfo group(io.junction.api.v1.GroupInfo g) {
        final List<GroupInfo.Member> members = new ArrayList<>(g.getMembersCount());
        for (io.junction.api.v1.MemberInfo m : g.getMembersList()) {
            members.add(new GroupInfo.Member(m.getMemberId(), m.getName(), m.getInFlight(), m.getCredits()));
        }
        final List<GroupInfo.Partition> partitions = new ArrayList<>(g.getPartitionsCount());
        for (io.junction.api.v1.GroupPartitionInfo p : g.getPartitionsList()) {
            partitions.add(new GroupInfo.Partition(p.getPartition(), p.getAckFloor(), p.getNextOffset(),
                    p.getLag(), p.getSkipped()));
        }
        return new GroupInfo(g.getStation(), g.getName(), g.getLag(), g.getInFlight(), members, partitions,
                ordering(g.getOrdering()), OnDeadLetter.fromWireName(g.getOnDeadLetter()), g.getDeadLetters(),
                History.fromWireName(g.getHistory()));
    }

    static TierStatus tierStatus(io.junction.api.v1.PartitionTierStatus t) {
        return new TierStatus(t.getPartition(), t.getRemoteFirstOffset(), t.getRemoteEndOffset(),
                t.getRemoteSegments(), t.getRemoteBytes(), t.getLocalFirstOffset(), t.getLocalBytes(),
                t.getPendingSegments(), t.getPendingBytes(), instant(t.getLastUploadMs()), t.getUploadedSegments(),
                t.getUploadedBytes(), t.getFailures(), t.getLastError().isEmpty() ? null : t.getLastError(),
                instant(t.getLastErrorMs()));
    }

    static DeadLetter deadLetter(io.junction.api.v1.DeadLetter d) {
        return new DeadLetter(d.getId(), d.getGroup(), d.getReason(), d.getDeliveries(), d.getPartition(),
                d.getOffset(), d.hasKey() ? d.getKey().toByteArray() : null, d.getValue().toByteArray(),
                java.util.Collections.unmodifiableMap(headers(d.getHeadersList())),
                Instant.ofEpochMilli(d.getDeadLetteredAtMs()), d.getError(), instant(d.getFirstDeliveryMs()),
                instant(d.getLastDeliveryMs()), Instant.ofEpochMilli(d.getTimestampMs()));
    }

    static BrowsePage page(io.junction.api.v1.BrowseMessagesResponse r) {
        final List<BrowsedMessage> messages = new ArrayList<>(r.getMessagesCount());
        for (io.junction.api.v1.BrowsedMessage m : r.getMessagesList()) {
            messages.add(new BrowsedMessage(m.getPartition(), m.getOffset(), m.hasKey() ? m.getKey().toByteArray()
                    : null, m.getValue().toByteArray(), java.util.Collections.unmodifiableMap(headers(
                    m.getHeadersList())), Instant.ofEpochMilli(m.getTimestampMs()), m.getTombstone(), m.getSchema(),
                    m.getSchemaVersion()));
        }
        return new BrowsePage(java.util.Collections.unmodifiableList(messages), r.getNextOffset(),
                r.getEndReached(), r.getFirstOffset(), r.getEndOffset(), r.getSchema(), r.getSchemaVersion());
    }

    private static Instant instant(long epochMs) {
        return epochMs == 0 ? null : Instant.ofEpochMilli(epochMs);
    }

    static io.junction.api.v1.StartPosition start(StartPosition p) {
        final io.junction.api.v1.StartPosition.Builder b = io.junction.api.v1.StartPosition.newBuilder();
        switch (p.kind()) {
            case LATEST:
                return b.setLatest(true).build();
            case OFFSET:
                return b.setOffset(p.value()).build();
            case TIMESTAMP:
                return b.setTimestampMs(p.value()).build();
            case LAST_N:
                return b.setLastN(p.value()).build();
            default:
                return b.setEarliest(true).build();
        }
    }

    static ProduceMessage message(Message m) {
        final ProduceMessage.Builder b = ProduceMessage.newBuilder().setValue(ByteString.copyFrom(m.value()));
        if (m.key() != null) {
            b.setKey(ByteString.copyFrom(m.key()));
        }
        for (Map.Entry<String, byte[]> h : m.headers().entrySet()) {
            b.addHeaders(Header.newBuilder().setKey(h.getKey()).setValue(ByteString.copyFrom(h.getValue())));
        }
        m.partition().ifPresent(b::setPartition);
        if (m.msgId() != null) {
            b.setMsgId(m.msgId());
        }
        if (m.timestamp() != null) {
            b.setTimestampMs(m.timestamp().toEpochMilli());
        }
        b.setTombstone(m.isTombstone());
        return b.build();
    }

    static Map<String, byte[]> headers(List<Header> headers) {
        final Map<String, byte[]> map = new LinkedHashMap<>();
        for (Header h : headers) {
            map.put(h.getKey(), h.getValue().toByteArray());
        }
        return map;
    }

    /** The bytes a message holds in the producer's in-flight budget: its payload and a little framing. */
    static long size(Message m) {
        long size = 16 + m.value().length + (m.key() == null ? 0 : m.key().length);
        for (Map.Entry<String, byte[]> h : m.headers().entrySet()) {
            size += 4 + h.getKey().length() + h.getValue().length;
        }
        return size;
    }

    static JunctionException exception(io.junction.api.v1.Error error) {
        return exception(error, null);
    }

    static JunctionException exception(io.junction.api.v1.Error error, Throwable cause) {
        return new JunctionException(Errors.fromWire(error.getCode()), error.getMessage(), error.getRetriable(), cause);
    }

    /**
     * The {@link JunctionException} for a failed call: the broker's code when the failure carries one, else a code
     * for the gRPC status ({@link ErrorCode#UNAVAILABLE} when the broker could not be reached or did not answer).
     */
    static JunctionException exception(Throwable failure, String server) {
        if (failure instanceof JunctionException) {
            return (JunctionException) failure;
        }
        final var error = Errors.fromStatus(failure);
        if (error.isPresent()) {
            return exception(error.get(), failure);
        }
        final Status status = Status.fromThrowable(failure);
        final String description = status.getDescription() != null ? status.getDescription() : status.getCode().name();
        Status.Code code = status.getCode();
        if (code == Status.Code.UNKNOWN && brokenConnection(failure)) {
            code = Status.Code.UNAVAILABLE; // gRPC says UNKNOWN when the connection closed under a call
        }
        switch (code) {
            case UNAVAILABLE:
                return new JunctionException(ErrorCode.UNAVAILABLE,
                        "cannot reach the broker at " + server + " (" + description + ")", true, failure);
            case DEADLINE_EXCEEDED:
                return new JunctionException(ErrorCode.UNAVAILABLE,
                        "the broker at " + server + " did not answer in time", true, failure);
            case UNIMPLEMENTED:
                return new JunctionException(ErrorCode.UNKNOWN,
                        "the broker at " + server + " does not offer this call (" + description + ")", false, failure);
            default:
                return new JunctionException(ErrorCode.UNKNOWN, status.getCode() + ": " + description,
                        isTransient(status.getCode()), failure);
        }
    }

    /** True when an I/O failure (a closed or reset connection) is among the causes. */
    private static boolean brokenConnection(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /** Whether a stream that broke with this status (and no Junction code) is worth opening again. */
    static boolean isTransient(Status.Code code) {
        switch (code) {
            case UNAVAILABLE:
            case ABORTED:
            case DEADLINE_EXCEEDED:
            case INTERNAL:
            case UNKNOWN:
            case RESOURCE_EXHAUSTED:
                return true;
            default:
                return false;
        }
    }

    private static long millis(Duration d) {
        if (d == null) {
            return 0;
        }
        return d.isNegative() ? -1 : d.toMillis();
    }

    private static Duration duration(long millis) {
        return millis == 0 ? null : Duration.ofMillis(millis);
    }

    static Identity identity(io.junction.api.v1.Identity i) {
        return new Identity(i.getTenant(), i.getUser(), i.getRole(), i.getStationsList(), i.getDenyStationsList(),
                i.getVia(), instant(i.getExpiresMs()));
    }

    static TenantInfo tenant(io.junction.api.v1.TenantInfo t) {
        final io.junction.api.v1.TenantLimits l = t.getLimits();
        return new TenantInfo(t.getName(), t.getStations(), t.getStoredBytes(), t.getConnections(),
                new TenantLimits(l.getMaxStorageBytes(), l.getMaxProduceBytesPerSecond(),
                        l.getMaxConsumeBytesPerSecond(), l.getMaxStations(), l.getMaxConnections()));
    }

    static io.junction.api.v1.TenantLimits limits(TenantLimits l) {
        final io.junction.api.v1.TenantLimits.Builder b = io.junction.api.v1.TenantLimits.newBuilder();
        if (l.maxStorageBytes() != null) {
            b.setMaxStorageBytes(l.maxStorageBytes());
        }
        if (l.maxProduceBytesPerSecond() != null) {
            b.setMaxProduceBytesPerSecond(l.maxProduceBytesPerSecond());
        }
        if (l.maxConsumeBytesPerSecond() != null) {
            b.setMaxConsumeBytesPerSecond(l.maxConsumeBytesPerSecond());
        }
        if (l.maxStations() != null) {
            b.setMaxStations(l.maxStations());
        }
        if (l.maxConnections() != null) {
            b.setMaxConnections(l.maxConnections());
        }
        return b.build();
    }

    static UserInfo user(io.junction.api.v1.UserInfo u) {
        return new UserInfo(u.getTenant(), u.getName(), u.getRole(), u.getStationsList(), u.getDenyStationsList(),
                java.time.Instant.ofEpochMilli(u.getCreatedMs()), u.getHasPassword());
    }

    static TokenInfo token(io.junction.api.v1.TokenInfo t) {
        return new TokenInfo(t.getTenant(), t.getName(), t.getRole(), t.getStationsList(), t.getDenyStationsList(),
                t.getCreatedBy(), java.time.Instant.ofEpochMilli(t.getCreatedMs()), instant(t.getExpiresMs()));
    }
}
