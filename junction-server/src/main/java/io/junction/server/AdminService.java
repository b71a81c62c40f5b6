package io.junction.server;

import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.CleanStationRequest;
import io.junction.api.v1.CleanStationResponse;
import io.junction.api.v1.CreateGroupRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.DeleteStationRequest;
import io.junction.api.v1.DeleteStationResponse;
import io.junction.api.v1.GetGroupRequest;
import io.junction.api.v1.GetStationRequest;
import io.junction.api.v1.GroupInfo;
import io.junction.api.v1.ListDeadLettersRequest;
import io.junction.api.v1.ListDeadLettersResponse;
import io.junction.api.v1.ListGroupsRequest;
import io.junction.api.v1.ListGroupsResponse;
import io.junction.api.v1.ListStationsRequest;
import io.junction.api.v1.ListStationsResponse;
import io.junction.api.v1.ResolveDeadLettersRequest;
import io.junction.api.v1.ResolveDeadLettersResponse;
import io.junction.api.v1.StationInfo;
import io.junction.api.v1.UpdateStationRequest;
import io.junction.broker.Broker;
import io.junction.broker.BrokerException;
import io.junction.errors.ErrorCode;
import java.util.List;
import java.util.function.Supplier;

/** {@code junction.v1.Admin}: stations, groups and dead letters. Stateless over the broker; thread-safe. */
final class AdminService extends AdminGrpc.AdminImplBase {

    static final int DEFAULT_DEAD_LETTER_LIMIT = 100;
    /** Messages one BrowseMessages page holds when the request asks for 0. */
    static final int DEFAULT_BROWSE_LIMIT = 100;
    static final int MAX_DEAD_LETTER_LIMIT = 10_000;
    /**
     * Listings of message contents stop at about this many bytes (one item always goes), under the 4 MiB a gRPC
     * client accepts by default; a shorter page is not the end: page on until one is empty.
     */
    static final long MAX_RESPONSE_BYTES = 3L << 20;
    static final int DEFAULT_PAGE_LIMIT = 1000;
    static final int MAX_PAGE_LIMIT = 10_000;

    /** The most dead-letter ids one resend or drop may name (use {@code all}, with a group, for more). */
    static final int MAX_IDS = 10_000;

    private static List<Long> ids(ResolveDeadLettersRequest request) {
        if (request.getIdsCount() > MAX_IDS) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "ids names " + request.getIdsCount()
                    + " dead letters, more than the limit of " + MAX_IDS + " per request");
        }
        return request.getIdsList();
    }

    /** One page of a listing, and the name to ask after for the next one ("" when this is the last). */
    record Page<T>(List<T> items, String nextAfter) {
    }

    /**
     * The page of {@code sorted} (by name) after {@code after}: at most {@code limit} items (0: the default) and
     * about {@code maxBytes} serialized (one item always goes).
     */
    static <T extends com.google.protobuf.MessageLite> Page<T> page(List<T> sorted,
            java.util.function.Function<T, String> name, String after, int limit, long maxBytes) {
        if (limit < 0 || limit > MAX_PAGE_LIMIT) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "limit must be in [0, " + MAX_PAGE_LIMIT
                    + "] (0: " + DEFAULT_PAGE_LIMIT + "), was " + limit);
        }
        int most = limit == 0 ? DEFAULT_PAGE_LIMIT : limit;
        List<T> items = new java.util.ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < sorted.size(); i++) {
            T item = sorted.get(i);
            if (!after.isEmpty() && name.apply(item).compareTo(after) <= 0) {
                continue;
            }
            int size = item.getSerializedSize();
            if (!items.isEmpty() && (items.size() >= most || bytes + size > maxBytes)) {
                return new Page<>(items, name.apply(items.get(items.size() - 1)));
            }
            items.add(item);
            bytes += size;
        }
        return new Page<>(items, "");
    }

    private final Broker broker;

    private final Fetches fetches;

    AdminService(Broker broker, Fetches fetches) {
        this.broker = broker;
        this.fetches = fetches;
    }

    /** Answers a unary call with {@code call}'s result, or its failure as a Junction status. */
    static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            out.onError(Convert.status(e));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    @Override
    public void createStation(CreateStationRequest request, StreamObserver<StationInfo> out) {
        answer(out, () -> Convert.station(broker.createStation(request.getTenant(), request.getName(),
                Convert.config(request.getConfig()))));
    }

    @Override
    public void updateStation(UpdateStationRequest request, StreamObserver<StationInfo> out) {
        // Fields left 0 / "" keep their current value. Two concurrent updates of one station may each keep a
        // value the other one changed (read, then write); the broker serializes the writes themselves.
        answer(out, () -> {
            io.junction.broker.StationConfig current = broker.stationInfo(request.getTenant(), request.getName())
                    .config();
            return Convert.station(broker.updateStation(request.getTenant(), request.getName(),
                    Convert.config(request.getConfig(), current)));
        });
    }

    @Override
    public void deleteStation(DeleteStationRequest request, StreamObserver<DeleteStationResponse> out) {
        answer(out, () -> {
            broker.deleteStation(request.getTenant(), request.getName());
            return DeleteStationResponse.getDefaultInstance();
        });
    }

    @Override
    public void getStation(GetStationRequest request, StreamObserver<StationInfo> out) {
        answer(out, () -> Convert.station(broker.stationInfo(request.getTenant(), request.getName())));
    }

    @Override
    public void listStations(ListStationsRequest request, StreamObserver<ListStationsResponse> out) {
        answer(out, () -> {
            Page<io.junction.api.v1.StationInfo> page = page(broker.listStations(request.getTenant()).stream()
                    .map(Convert::station).toList(), io.junction.api.v1.StationInfo::getName, request.getAfter(),
                    request.getLimit(), MAX_RESPONSE_BYTES);
            return ListStationsResponse.newBuilder().addAllStations(page.items()).setNextAfter(page.nextAfter())
                    .build();
        });
    }

    @Override
    public void cleanStation(CleanStationRequest request, StreamObserver<CleanStationResponse> out) {
        answer(out, () -> {
            io.junction.broker.RetentionResult r = broker.runRetention(request.getTenant(), request.getName());
            io.junction.broker.CompactionResult c = broker.runCompaction(request.getTenant(), request.getName());
            boolean compacted = c != io.junction.broker.CompactionResult.NONE;
            return CleanStationResponse.newBuilder().setSegmentsBefore(r.segmentsBefore())
                    .setSegmentsAfter(r.segmentsAfter()).setBytesBefore(r.bytesBefore())
                    .setBytesAfter(compacted ? c.bytesAfter() : r.bytesAfter())
                    .setMessagesRemoved(r.messages() + c.messagesRemoved()).setKeysKept(c.keysKept())
                    .setSegmentsRewritten(c.segmentsRewritten()).setCompacted(compacted).build();
        });
    }

    @Override
    public void createGroup(CreateGroupRequest request, StreamObserver<GroupInfo> out) {
        answer(out, () -> Convert.group(broker.createGroup(request.getTenant(), request.getStation(),
                request.getGroup(), Convert.start(request.getStart(), request.hasStart()),
                Convert.ordering(request.getOrdering()), Convert.onDeadLetter(request.getOnDeadLetter()),
                Convert.history(request.getHistory()))));
    }

    @Override
    public void getGroup(GetGroupRequest request, StreamObserver<GroupInfo> out) {
        answer(out, () -> Convert.group(broker.groupInfo(request.getTenant(), request.getStation(),
                request.getGroup())));
    }

    @Override
    public void deleteGroup(io.junction.api.v1.DeleteGroupRequest request,
            StreamObserver<io.junction.api.v1.DeleteGroupResponse> out) {
        answer(out, () -> {
            fetches.retireGroup(request.getTenant(), request.getStation(), request.getGroup()); // as for a reset
            broker.deleteGroup(request.getTenant(), request.getStation(), request.getGroup(), request.getForce());
            return io.junction.api.v1.DeleteGroupResponse.getDefaultInstance();
        });
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> out) {
        answer(out, () -> {
            Page<io.junction.api.v1.GroupInfo> page = page(broker.listGroups(request.getTenant(),
                    request.getStation()).stream().map(Convert::group).toList(), io.junction.api.v1.GroupInfo::getName,
                    request.getAfter(), request.getLimit(), MAX_RESPONSE_BYTES);
            return ListGroupsResponse.newBuilder().addAllGroups(page.items()).setNextAfter(page.nextAfter()).build();
        });
    }

    @Override
    public void resetGroup(io.junction.api.v1.ResetGroupRequest request, StreamObserver<GroupInfo> out) {
        answer(out, () -> {
            if (!request.hasPosition() || request.getPosition().getPositionCase()
                    == io.junction.api.v1.StartPosition.PositionCase.POSITION_NOT_SET) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "a reset needs a position: earliest, latest, "
                        + "offset, timestamp_ms or last_n");
            }
            // Members kept for fetches between requests are not consumers at work: they leave (what they hold goes
            // back, as at their ack timeout); a fetch waiting now still counts as a member.
            fetches.retireGroup(request.getTenant(), request.getStation(), request.getGroup());
            return Convert.group(broker.resetGroup(request.getTenant(), request.getStation(), request.getGroup(),
                    Convert.start(request.getPosition(), true), request.hasPartition() ? request.getPartition()
                            : null));
        });
    }

    @Override
    public void browseMessages(io.junction.api.v1.BrowseMessagesRequest request,
            StreamObserver<io.junction.api.v1.BrowseMessagesResponse> out) {
        answer(out, () -> {
            int limit = request.getLimit() == 0 ? DEFAULT_BROWSE_LIMIT : request.getLimit();
            if (limit < 1 || limit > Broker.MAX_BROWSE_LIMIT) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "limit must be in [1, "
                        + Broker.MAX_BROWSE_LIMIT + "] (0: " + DEFAULT_BROWSE_LIMIT + "), was " + limit);
            }
            return Convert.browsed(broker.browse(request.getTenant(), request.getStation(), request.getPartition(),
                    Convert.start(request.getFrom(), request.hasFrom()), limit, request.getSearch(),
                    MAX_RESPONSE_BYTES));
        });
    }

    @Override
    public void listDeadLetters(ListDeadLettersRequest request, StreamObserver<ListDeadLettersResponse> out) {
        answer(out, () -> {
            int limit = request.getLimit() == 0 ? DEFAULT_DEAD_LETTER_LIMIT : request.getLimit();
            if (limit < 0 || limit > MAX_DEAD_LETTER_LIMIT) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "limit must be in [1, "
                        + MAX_DEAD_LETTER_LIMIT + "], was " + limit);
            }
            ListDeadLettersResponse.Builder b = ListDeadLettersResponse.newBuilder();
            broker.listDeadLetters(request.getTenant(), request.getStation(), request.getGroup(),
                    request.hasAfterId() ? request.getAfterId() : -1, limit, MAX_RESPONSE_BYTES)
                    .forEach(d -> b.addDeadLetters(Convert.deadLetter(d)));
            return b.build();
        });
    }

    @Override
    public void resendDeadLetters(ResolveDeadLettersRequest request,
            StreamObserver<ResolveDeadLettersResponse> out) {
        answer(out, () -> ResolveDeadLettersResponse.newBuilder().setCount(broker.resendDeadLetters(
                request.getTenant(), request.getStation(), ids(request), request.getAll(), request.getGroup()))
                .build());
    }

    @Override
    public void dropDeadLetters(ResolveDeadLettersRequest request, StreamObserver<ResolveDeadLettersResponse> out) {
        answer(out, () -> ResolveDeadLettersResponse.newBuilder().setCount(broker.dropDeadLetters(
                request.getTenant(), request.getStation(), ids(request), request.getAll(), request.getGroup()))
                .build());
    }

    // ----- schemas -------------------------------------------------------------------------------------------

    @Override
    public void createSchema(io.junction.api.v1.CreateSchemaRequest request,
            StreamObserver<io.junction.api.v1.SchemaInfo> out) {
        answer(out, () -> Convert.schema(broker.createSchema(request.getTenant(), request.getName(),
                Convert.schemaType(request.getType()), request.getDefinition(), request.getMessageType(),
                Convert.compatibility(request.getCompatibility()))));
    }

    @Override
    public void addSchemaVersion(io.junction.api.v1.AddSchemaVersionRequest request,
            StreamObserver<io.junction.api.v1.SchemaInfo> out) {
        answer(out, () -> Convert.schema(broker.addSchemaVersion(request.getTenant(), request.getName(),
                request.getDefinition(), request.getMessageType(), request.getDryRun())));
    }

    @Override
    public void getSchema(io.junction.api.v1.GetSchemaRequest request,
            StreamObserver<io.junction.api.v1.SchemaInfo> out) {
        answer(out, () -> Convert.schema(broker.schemaInfo(request.getTenant(), request.getName())));
    }

    @Override
    public void listSchemas(io.junction.api.v1.ListSchemasRequest request,
            StreamObserver<io.junction.api.v1.ListSchemasResponse> out) {
        answer(out, () -> {
            Page<io.junction.api.v1.SchemaInfo> page = page(broker.listSchemas(request.getTenant()).stream()
                    .map(Convert::schema).toList(), io.junction.api.v1.SchemaInfo::getName, request.getAfter(),
                    request.getLimit(), MAX_RESPONSE_BYTES);
            return io.junction.api.v1.ListSchemasResponse.newBuilder().addAllSchemas(page.items())
                    .setNextAfter(page.nextAfter()).build();
        });
    }

    @Override
    public void deleteSchema(io.junction.api.v1.DeleteSchemaRequest request,
            StreamObserver<io.junction.api.v1.DeleteSchemaResponse> out) {
        answer(out, () -> {
            broker.deleteSchema(request.getTenant(), request.getName());
            return io.junction.api.v1.DeleteSchemaResponse.getDefaultInstance();
        });
    }

    @Override
    public void attachSchema(io.junction.api.v1.AttachSchemaRequest request, StreamObserver<StationInfo> out) {
        answer(out, () -> Convert.station(broker.attachSchema(request.getTenant(), request.getStation(),
                request.getSchema(), request.getVersion(),
                !request.hasDeadLetterViolations() || request.getDeadLetterViolations())));
    }

    @Override
    public void detachSchema(io.junction.api.v1.DetachSchemaRequest request, StreamObserver<StationInfo> out) {
        answer(out, () -> Convert.station(broker.detachSchema(request.getTenant(), request.getStation())));
    }

    @Override
    public void tierStatus(io.junction.api.v1.TierStatusRequest request,
            StreamObserver<io.junction.api.v1.TierStatusResponse> out) {
        answer(out, () -> Convert.tierStatus(broker.tierStatus(request.getTenant(), request.getStation())));
    }
}
