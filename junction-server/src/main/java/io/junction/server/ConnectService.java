package io.junction.server;

import static io.junction.server.AdminService.answer;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import io.grpc.stub.StreamObserver;
import io.junction.api.v1.ConnectGrpc;
import io.junction.api.v1.ConnectorInfo;
import io.junction.api.v1.CreateConnectorRequest;
import io.junction.api.v1.DeleteConnectorRequest;
import io.junction.api.v1.DeleteConnectorResponse;
import io.junction.api.v1.GetConnectorRequest;
import io.junction.api.v1.ListConnectorsRequest;
import io.junction.api.v1.ListConnectorsResponse;
import io.junction.api.v1.PauseConnectorRequest;
import io.junction.api.v1.ResumeConnectorRequest;
import io.junction.broker.BrokerException;
import io.junction.connect.ConnectorStatus;
import io.junction.connect.Connectors;
import io.junction.errors.ErrorCode;

/** {@code junction.v1.Connect}: the broker's connectors ({@link Connectors}). Stateless over them; thread-safe. */
final class ConnectService extends ConnectGrpc.ConnectImplBase {

    /** The option that names the connector's station (the request's {@code station} field). */
    static final String STATION = "station";

    private final Connectors connectors;

    ConnectService(Connectors connectors) {
        this.connectors = connectors;
    }

    @Override
    public void createConnector(CreateConnectorRequest request, StreamObserver<ConnectorInfo> out) {
        answer(out, () -> {
            if (request.getOptionsMap().containsKey(STATION)) {
                throw new BrokerException(ErrorCode.INVALID_CONFIG, "name the station in the request's station "
                        + "field, not as an option");
            }
            if (request.getStation().isEmpty()) {
                throw new BrokerException(ErrorCode.INVALID_CONFIG, "a connector needs a station (the one it "
                        + "writes to or reads from)");
            }
            Map<String, String> options = new HashMap<>(request.getOptionsMap());
            options.put(STATION, request.getStation());
            return info(connectors.create(request.getTenant(), request.getName(), request.getType(), options,
                    request.getSecretsMap()));
        });
    }

    @Override
    public void getConnector(GetConnectorRequest request, StreamObserver<ConnectorInfo> out) {
        answer(out, () -> info(connectors.info(request.getTenant(), request.getName())));
    }

    @Override
    public void listConnectors(ListConnectorsRequest request, StreamObserver<ListConnectorsResponse> out) {
        answer(out, () -> ListConnectorsResponse.newBuilder().addAllConnectors(connectors.list(request.getTenant())
                .stream().map(ConnectService::info).toList()).build());
    }

    @Override
    public void pauseConnector(PauseConnectorRequest request, StreamObserver<ConnectorInfo> out) {
        answer(out, () -> info(connectors.pause(request.getTenant(), request.getName())));
    }

    @Override
    public void resumeConnector(ResumeConnectorRequest request, StreamObserver<ConnectorInfo> out) {
        answer(out, () -> info(connectors.resume(request.getTenant(), request.getName())));
    }

    @Override
    public void deleteConnector(DeleteConnectorRequest request, StreamObserver<DeleteConnectorResponse> out) {
        answer(out, () -> DeleteConnectorResponse.newBuilder().addAllWarnings(
                connectors.delete(request.getTenant(), request.getName())).build());
    }

    static ConnectorInfo info(io.junction.connect.ConnectorInfo c) {
        ConnectorStatus s = c.status();
        Map<String, String> options = new HashMap<>(c.options());
        String station = options.remove(STATION);
        return ConnectorInfo.newBuilder().setTenant(c.tenant()).setName(c.name()).setType(c.type())
                .setStation(station == null ? "" : station).putAllOptions(options)
                .addAllSecrets(c.secretNames().stream().sorted().toList()).setPaused(c.paused())
                .setCreatedMs(c.createdMs()).setState(s.state().name().toLowerCase(Locale.ROOT))
                .setLastError(s.lastError() == null ? "" : s.lastError()).setPosition(s.position()).setLag(s.lag())
                .setLagUnit(s.lagUnit()).putAllCounts(s.counts()).addAllWarnings(s.warnings()).build();
    }
}
