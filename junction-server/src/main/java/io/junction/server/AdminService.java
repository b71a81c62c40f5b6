package io.junction.server;

import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.CreateGroupRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.DeleteStationRequest;
import io.junction.api.v1.DeleteStationResponse;
import io.junction.api.v1.GetGroupRequest;
import io.junction.api.v1.GetStationRequest;
import io.junction.api.v1.GroupInfo;
import io.junction.api.v1.ListGroupsRequest;
import io.junction.api.v1.ListGroupsResponse;
import io.junction.api.v1.ListStationsRequest;
import io.junction.api.v1.ListStationsResponse;
import io.junction.api.v1.StationInfo;
import io.junction.api.v1.UpdateStationRequest;
import io.junction.broker.Broker;
import java.util.function.Supplier;

/** {@code junction.v1.Admin}: stations and groups. Stateless over the broker; thread-safe. */
final class AdminService extends AdminGrpc.AdminImplBase {

    private final Broker broker;

    AdminService(Broker broker) {
        this.broker = broker;
    }

    private static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
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
            ListStationsResponse.Builder b = ListStationsResponse.newBuilder();
            broker.listStations(request.getTenant()).forEach(s -> b.addStations(Convert.station(s)));
            return b.build();
        });
    }

    @Override
    public void createGroup(CreateGroupRequest request, StreamObserver<GroupInfo> out) {
        answer(out, () -> Convert.group(broker.createGroup(request.getTenant(), request.getStation(),
                request.getGroup(), Convert.start(request.getStart(), request.hasStart()),
                Convert.ordering(request.getOrdering()))));
    }

    @Override
    public void getGroup(GetGroupRequest request, StreamObserver<GroupInfo> out) {
        answer(out, () -> Convert.group(broker.groupInfo(request.getTenant(), request.getStation(),
                request.getGroup())));
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> out) {
        answer(out, () -> {
            ListGroupsResponse.Builder b = ListGroupsResponse.newBuilder();
            broker.listGroups(request.getTenant(), request.getStation()).forEach(g -> b.addGroups(Convert.group(g)));
            return b.build();
        });
    }
}
