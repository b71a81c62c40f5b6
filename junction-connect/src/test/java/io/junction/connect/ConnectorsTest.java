package io.junction.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.StationConfig;
import io.junction.errors.ErrorCode;

class ConnectorsTest {

    @TempDir
    Path dir;

    private Broker broker;
    private Connectors connectors;
    /** What the probe connectors did, in order: "start NAME secret=...", "stop NAME", "release NAME". */
    private final List<String> events = new CopyOnWriteArrayList<>();

    /** A connector type that records what is done to its connectors and writes its state on start. */
    private final ConnectorType probe = new ConnectorType() {
        @Override
        public String name() {
            return "probe";
        }

        @Override
        public Map<String, String> options() {
            return Map.of("station", "the station", "color", "a color", "header.*", "headers");
        }

        @Override
        public Map<String, String> secrets() {
            return Map.of("password", "a password");
        }

        @Override
        public java.util.Set<String> required() {
            return java.util.Set.of("station");
        }

        @Override
        public void validate(ConnectorContext context) {
            context.broker().stationInfo(context.tenant(), context.options().get("station"));
        }

        @Override
        public Connector create(ConnectorContext context) {
            return new Connector() {
                private volatile ConnectorStatus.State state = ConnectorStatus.State.STARTING;

                @Override
                public void start() {
                    try {
                        int starts = context.readState("starts").map(b -> Integer.parseInt(new String(b,
                                StandardCharsets.UTF_8))).orElse(0);
                        context.writeState("starts", String.valueOf(starts + 1).getBytes(StandardCharsets.UTF_8));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    events.add("start " + context.name() + " secret=" + context.secret("password").orElse("-"));
                    state = ConnectorStatus.State.RUNNING;
                }

                @Override
                public void stop() {
                    events.add("stop " + context.name());
                    state = ConnectorStatus.State.STOPPED;
                }

                @Override
                public ConnectorStatus status() {
                    return ConnectorStatus.of(state);
                }

                @Override
                public void release() {
                    events.add("release " + context.name());
                }
            };
        }
    };

    private void open() throws Exception {
        broker = Broker.open(BrokerConfig.defaults(dir.resolve("data")));
        connectors = Connectors.open(broker, dir.resolve("data"), null, List.of(probe), 3);
    }

    private void restart() throws Exception {
        connectors.close();
        broker.close();
        open();
    }

    @AfterEach
    void close() {
        if (connectors != null) {
            connectors.close();
            broker.close();
        }
    }

    @Test
    void aConnectorRunsFromCreationStaysPausedAcrossRestartsAndIsReleasedOnDelete() throws Exception {
        open();
        broker.createStation("default", "s", StationConfig.defaults());
        ConnectorInfo created = connectors.create("", "c1", "probe", Map.of("station", "s"),
                Map.of("password", "hunter2"));
        assertThat(created.status().state()).isEqualTo(ConnectorStatus.State.RUNNING);
        assertThat(created.secretNames()).containsExactly("password");
        assertThat(created.tenant()).isEqualTo("default");
        assertThat(events).containsExactly("start c1 secret=hunter2");

        restart();
        assertThat(events).containsExactly("start c1 secret=hunter2", "stop c1", "start c1 secret=hunter2");
        assertThat(connectors.info("default", "c1").status().state()).isEqualTo(ConnectorStatus.State.RUNNING);

        assertThat(connectors.pause("default", "c1").status().state()).isEqualTo(ConnectorStatus.State.PAUSED);
        restart();
        assertThat(events).hasSize(4).last().isEqualTo("stop c1");
        assertThat(connectors.info("default", "c1").paused()).isTrue();
        assertThat(connectors.resume("default", "c1").status().state()).isEqualTo(ConnectorStatus.State.RUNNING);
        assertThat(new String(Files.readAllBytes(dir.resolve("data/tenants/default/connectors/c1/state/starts")),
                StandardCharsets.UTF_8)).isEqualTo("3");

        assertThat(connectors.delete("default", "c1")).isEmpty();
        assertThat(events.subList(events.size() - 2, events.size())).containsExactly("stop c1", "release c1");
        assertThat(dir.resolve("data/tenants/default/connectors/c1")).doesNotExist();
        assertThatThrownBy(() -> connectors.info("default", "c1")).isInstanceOf(BrokerException.class)
                .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.UNKNOWN_CONNECTOR);
        restart();
        assertThat(connectors.list("default")).isEmpty();
    }

    @Test
    void secretsAreSealedOnDiskBoundToTheirConnectorAndNeverShown() throws Exception {
        open();
        broker.createStation("default", "s", StationConfig.defaults());
        connectors.create("", "c1", "probe", Map.of("station", "s"), Map.of("password", "hunter2-secret"));
        connectors.create("", "c2", "probe", Map.of("station", "s"), Map.of("password", "other-secret"));
        Path data = dir.resolve("data");
        String spec = Connectors.specText(data, "default", "c1");
        assertThat(spec).doesNotContain("hunter2").contains("sealedSecrets");
        assertThat(connectors.info("default", "c1").toString()).doesNotContain("hunter2");
        try (var files = Files.walk(data)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f, StandardCharsets.ISO_8859_1)).as(f.toString()).doesNotContain("hunter2");
            }
        }
        assertThat(Files.getPosixFilePermissions(data.resolve(Connectors.KEY_FILE)).toString())
                .isEqualTo("[OWNER_READ, OWNER_WRITE]");
        // c1's sealed password copied into c2's file does not open as c2's: sealed values are bound to their place
        String sealedOfC1 = new com.fasterxml.jackson.databind.ObjectMapper().readTree(spec).get("sealedSecrets")
                .get("password").asText();
        Path c2 = data.resolve("tenants/default/connectors/c2/connector.json");
        String c2Spec = Files.readString(c2);
        String sealedOfC2 = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c2Spec).get("sealedSecrets")
                .get("password").asText();
        Files.writeString(c2, c2Spec.replace(sealedOfC2, sealedOfC1));
        events.clear();
        restart();
        assertThat(events).filteredOn(e -> e.startsWith("start")).containsExactly("start c1 secret=hunter2-secret");
        assertThat(connectors.info("default", "c2").status().state()).isEqualTo(ConnectorStatus.State.FAILED);
        assertThat(connectors.info("default", "c2").status().lastError()).contains("cannot be opened");
    }

    @Test
    void badInputIsRefusedWithItsCodeAndStoresNothing() throws Exception {
        open();
        broker.createStation("default", "s", StationConfig.defaults());
        record Case(String name, String type, Map<String, String> options, Map<String, String> secrets,
                ErrorCode code, String mentioning) { }
        List<Case> cases = List.of(
                new Case("Bad Name", "probe", Map.of("station", "s"), Map.of(), ErrorCode.INVALID_NAME, "invalid"),
                new Case("c", "nope", Map.of("station", "s"), Map.of(), ErrorCode.INVALID_CONFIG, "probe"),
                new Case("c", "probe", Map.of(), Map.of(), ErrorCode.INVALID_CONFIG, "needs option station"),
                new Case("c", "probe", Map.of("station", "s", "colour", "x"), Map.of(), ErrorCode.INVALID_CONFIG,
                        "unknown option"),
                new Case("c", "probe", Map.of("station", "s"), Map.of("pasword", "x"), ErrorCode.INVALID_CONFIG,
                        "unknown secret"),
                new Case("c", "probe", Map.of("station", "s", "color", "a\nb"), Map.of(), ErrorCode.INVALID_CONFIG,
                        "control"),
                new Case("c", "probe", Map.of("station", "s", "color", "x".repeat(5000)), Map.of(),
                        ErrorCode.INVALID_CONFIG, "at most"),
                new Case("c", "probe", Map.of("station", "nowhere"), Map.of(), ErrorCode.UNKNOWN_STATION, "nowhere"));
        for (Case c : cases) {
            assertThatThrownBy(() -> connectors.create("", c.name(), c.type(), c.options(), c.secrets()))
                    .as(c.toString()).isInstanceOf(BrokerException.class).hasMessageContaining(c.mentioning())
                    .extracting(e -> ((BrokerException) e).code()).isEqualTo(c.code());
        }
        assertThatThrownBy(() -> connectors.create("nobody", "c", "probe", Map.of("station", "s"), Map.of()))
                .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.UNKNOWN_TENANT);
        assertThat(connectors.list("")).isEmpty();
        assertThat(dir.resolve("data/tenants/default/connectors")).satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
        assertThat(events).isEmpty();

        connectors.create("", "c", "probe", Map.of("station", "s"), Map.of());
        assertThatThrownBy(() -> connectors.create("", "c", "probe", Map.of("station", "s"), Map.of()))
                .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.CONNECTOR_EXISTS);
        connectors.create("", "d", "probe", Map.of("station", "s"), Map.of());
        connectors.create("", "e", "probe", Map.of("station", "s", "header.X-Api", "1"), Map.of());
        assertThatThrownBy(() -> connectors.create("", "f", "probe", Map.of("station", "s"), Map.of()))
                .extracting(e -> ((BrokerException) e).code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
    }

    @Test
    void aDamagedConfigurationShowsAsFailedAndTheOthersStart() throws Exception {
        open();
        broker.createStation("default", "s", StationConfig.defaults());
        connectors.create("", "good", "probe", Map.of("station", "s"), Map.of());
        connectors.create("", "bad", "probe", Map.of("station", "s"), Map.of());
        Files.writeString(dir.resolve("data/tenants/default/connectors/bad/connector.json"), "{not json");
        events.clear();
        restart();
        assertThat(events).filteredOn(e -> e.startsWith("start")).containsExactly("start good secret=-");
        ConnectorInfo bad = connectors.info("default", "bad");
        assertThat(bad.status().state()).isEqualTo(ConnectorStatus.State.FAILED);
        assertThat(bad.status().lastError()).contains("cannot be read");
        assertThat(connectors.delete("default", "bad")).isEmpty();
        assertThat(connectors.list("").stream().map(ConnectorInfo::name)).containsExactly("good");
    }

    @Test
    void aDeletedTenantsConnectorsAreStoppedAndReleased() throws Exception {
        open();
        broker.createTenant("hr");
        broker.createStation("hr", "s", StationConfig.defaults());
        broker.createStation("default", "s", StationConfig.defaults());
        connectors.create("hr", "c1", "probe", Map.of("station", "s"), Map.of());
        connectors.create("", "c2", "probe", Map.of("station", "s"), Map.of());
        broker.deleteTenant("hr", true);
        assertThat(connectors.forgetTenant("hr")).isEmpty();
        assertThat(events).containsSubsequence("stop c1", "release c1").doesNotContain("stop c2");
        assertThatThrownBy(() -> connectors.list("hr")).extracting(e -> ((BrokerException) e).code())
                .isEqualTo(ErrorCode.UNKNOWN_TENANT);
        assertThat(connectors.info("default", "c2").status().state()).isEqualTo(ConnectorStatus.State.RUNNING);
    }
}
