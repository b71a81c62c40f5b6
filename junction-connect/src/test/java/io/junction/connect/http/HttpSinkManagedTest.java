package io.junction.connect.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.StationConfig;
import io.junction.connect.ConnectorInfo;
import io.junction.connect.ConnectorStatus;
import io.junction.connect.ConnectorTypes;
import io.junction.connect.Connectors;

/**
 * http-sink as the connector manager runs it: created with a secret header and an HMAC key (sealed, never in
 * info), paused and resumed, and going on where its group is after a broker restart.
 */
class HttpSinkManagedTest {

    private static final String T = Broker.DEFAULT_TENANT;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static void produce(Broker broker, int from, int to) {
        List<OutgoingMessage> messages = new java.util.ArrayList<>();
        for (int i = from; i < to; i++) {
            messages.add(OutgoingMessage.of(("emp-" + i).getBytes(StandardCharsets.UTF_8),
                    ("{\"n\": " + i + "}").getBytes(StandardCharsets.UTF_8)));
        }
        broker.produce(T, "employees", messages).join();
    }

    @Test
    void shouldRunUnderTheConnectorManagerAcrossPauseAndRestart() throws Exception {
        Path data = dir.resolve("data");
        try (Receiver receiver = new Receiver()) {
            try (Broker broker = Broker.open(BrokerConfig.defaults(data))) {
                broker.createStation(T, "employees", StationConfig.defaults());
                produce(broker, 0, 10);
                Connectors connectors = Connectors.open(broker, data, null, ConnectorTypes.all(), 10);
                ConnectorInfo created = connectors.create(T, "crm-sync", "http-sink", Map.of("station", "employees",
                        "group", "crm", "url", receiver.url().toString(), "header.X-Source", "junction"),
                        Map.of("hmac-key", "k3y", "header.Authorization", "Bearer s3cret"));
                assertThat(created.secretNames()).containsExactlyInAnyOrder("hmac-key", "header.Authorization");
                Await.until(WAIT, () -> connectors.info(T, "crm-sync").status().lag() == 0,
                        () -> connectors.info(T, "crm-sync").toString());

                ConnectorInfo info = connectors.info(T, "crm-sync");
                assertThat(info.status().state()).isEqualTo(ConnectorStatus.State.RUNNING);
                assertThat(info.status().counts()).containsEntry("delivered", 10L);
                assertThat(info.toString()).doesNotContain("s3cret").doesNotContain("k3y");
                Receiver.Request first = receiver.requests().get(0);
                assertThat(first.header("Authorization")).isEqualTo("Bearer s3cret");
                assertThat(first.header("X-Source")).isEqualTo("junction");
                assertThat(first.header("X-Junction-Signature"))
                        .isEqualTo(DeliveryBody.signature("k3y".getBytes(StandardCharsets.UTF_8), first.body()));
                try (Stream<Path> files = Files.walk(data)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
                                .as("%s holds no secret in clear", f).doesNotContain("s3cret");
                    }
                }

                connectors.pause(T, "crm-sync");
                produce(broker, 10, 15);
                assertThat(connectors.info(T, "crm-sync").paused()).isTrue();
                assertThat(broker.groupInfo(T, "employees", "crm").members()).isEmpty();
                connectors.resume(T, "crm-sync");
                Await.until(WAIT, () -> broker.groupInfo(T, "employees", "crm").lag() == 0,
                        () -> connectors.info(T, "crm-sync").toString());
                connectors.close();
            }
            // After a restart the manager starts it again; it goes on from the group's durable position.
            try (Broker broker = Broker.open(BrokerConfig.defaults(data))) {
                produce(broker, 15, 20);
                Connectors connectors = Connectors.open(broker, data, null, ConnectorTypes.all(), 10);
                Await.until(WAIT, () -> broker.groupInfo(T, "employees", "crm").lag() == 0,
                        () -> connectors.info(T, "crm-sync").toString());
                connectors.close();
            }
            assertThat(receiver.requests()).extracting(r -> r.json().path("value").path("n").asInt())
                    .as("every message once, acks durable across the restart")
                    .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
        }
    }
}
