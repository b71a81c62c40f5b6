package io.junction.connect.postgres;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.StationConfig;
import io.junction.broker.StoredMessage;
import io.junction.connect.Connector;
import io.junction.connect.ConnectorStatus;
import io.junction.testing.PostgresServer;

/**
 * {@link PostgresCrashTest}'s broker: {@code PostgresConnectorChild DATA_DIR JDBC_URL [drain]} opens the broker in
 * DATA_DIR (creating station "t"), runs a postgres connector on table public.t with its state in DATA_DIR/connector,
 * prints READY, then RUNNING each time the connector streams. With {@code drain} it runs until the station holds the
 * marker row (id -1), then stops the connector, closes the broker and prints DONE.
 */
public final class PostgresConnectorChild {

    static final String MARKER_KEY = "{\"id\":-1}";

    private PostgresConnectorChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Broker broker = Broker.open(BrokerConfig.defaults(dir.resolve("broker")));
        try {
            broker.createStation(Broker.DEFAULT_TENANT, "t", StationConfig.defaults());
        } catch (BrokerException e) {
            // created by an earlier run
        }
        TestConnectorContext ctx = new TestConnectorContext(broker, Broker.DEFAULT_TENANT, "crash",
                Map.of("url", args[1], "user", PostgresServer.SUPERUSER, "tables", "public.t", "station", "t"),
                Map.of("password", PostgresServer.PASSWORD), dir.resolve("connector"));
        Connector connector = new PostgresConnectorType().create(ctx);
        connector.start();
        System.out.println("READY");
        System.out.flush();
        boolean drain = args.length > 2 && args[2].equals("drain");
        boolean said = false;
        while (true) {
            ConnectorStatus s = connector.status();
            if (s.state() == ConnectorStatus.State.RUNNING && !said) {
                System.out.println("RUNNING");
                System.out.flush();
                said = true;
            }
            if (drain && said && holdsMarker(broker)) {
                connector.stop();
                broker.close();
                System.out.println("DONE");
                System.out.flush();
                return;
            }
            Thread.sleep(20);
        }
    }

    private static boolean holdsMarker(Broker broker) {
        List<StoredMessage> last = broker.browse(Broker.DEFAULT_TENANT, "t", 0,
                new io.junction.broker.StartPosition.LastN(1), 1, null).messages();
        return !last.isEmpty() && last.get(0).key() != null
                && new String(last.get(0).key(), StandardCharsets.UTF_8).equals(MARKER_KEY);
    }
}
