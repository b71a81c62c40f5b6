package io.junction.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.protobuf.ByteString;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.Ack;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.CreateStationRequest;
import io.junction.api.v1.CreateTenantRequest;
import io.junction.api.v1.CreateTokenRequest;
import io.junction.api.v1.DeadLetterMessages;
import io.junction.api.v1.DeleteGroupRequest;
import io.junction.api.v1.DeleteStationRequest;
import io.junction.api.v1.DeliveredMessage;
import io.junction.api.v1.Header;
import io.junction.api.v1.ListAuditRequest;
import io.junction.api.v1.LoginRequest;
import io.junction.api.v1.MessageRef;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceMessage;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.ProduceResponse;
import io.junction.api.v1.StationConfig;
import io.junction.api.v1.Subscribe;

/**
 * {@code /metrics} over a real server: what is produced, consumed, acked and dead-lettered shows in the counters and
 * gauges with the right labels, the whole answer parses strictly as the Prometheus text format, a deleted station's
 * and group's series are gone, no label carries a message's key or value, and with {@code --auth required} a caller
 * authenticates and sees only its own tenant's series. No timing is asserted.
 */
class MetricsEndpointTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** The label names a junction_* series may have: nothing that grows with messages, keys, members, deliveries. */
    private static final Set<String> JUNCTION_LABELS = Set.of("tenant", "station", "group", "partition", "log", "le",
            "version",
            // connectors: at most 100 per broker; their states, lag units and count names are fixed by their types
            "connector", "type", "state", "unit", "count");

    @TempDir
    Path dir;

    @Test
    void countsWhatWasProducedConsumedAckedAndDeadLetteredAndForgetsDeletedStations() throws Exception {
        try (io.junction.tier.S3ProxyServer s3 = io.junction.tier.S3ProxyServer.start(dir.resolve("s3"));
                JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir.resolve("data"))
                        .host("127.0.0.1").port(0).httpPort(0).s3(s3.endpoint(), s3.bucket(), null, "metrics/",
                                s3.credentialsFile()).build())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
                // a station with tiering: its partitions' tier series (the others have none)
                admin.createStation(CreateStationRequest.newBuilder().setName("archive")
                        .setConfig(StationConfig.newBuilder().setTiering(true)).build());
                admin.createStation(CreateStationRequest.newBuilder().setName("orders")
                        .setConfig(StationConfig.newBuilder().setPartitions(2)).build());
                admin.createStation(CreateStationRequest.newBuilder().setName("doomed").build());
                admin.createStation(CreateStationRequest.newBuilder().setName("hooks").build());
                // an http-sink to a port where nothing listens: it runs, and retries what it cannot deliver
                io.junction.api.v1.ConnectGrpc.newBlockingStub(channel).createConnector(
                        io.junction.api.v1.CreateConnectorRequest.newBuilder().setName("hook").setType("http-sink")
                                .setStation("hooks").putOptions("group", "hook")
                                .putOptions("url", "http://127.0.0.1:9/nowhere").build());
                List<ProduceMessage> orders = new ArrayList<>();
                long bytes = 0;
                for (int i = 0; i < 5; i++) {
                    ProduceMessage m = message("emp-key-" + i, "secret-value-" + i);
                    orders.add(m);
                    bytes += m.getKey().size() + m.getValue().size() + "type".length() + m.getHeaders(0).getValue()
                            .size();
                }
                produce(channel, "", "orders", orders.subList(0, 3));
                produce(channel, "", "orders", orders.subList(3, 5));
                produce(channel, "", "doomed", List.of(message("doomed-key", "doomed-value")));

                GrpcApiTest.ConsumeStream consumer = new GrpcApiTest.ConsumeStream(channel);
                consumer.requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder()
                        .setStation("orders").setGroup("billing").setInitialCredits(10)).build());
                assertThat(consumer.next().hasSubscribed()).isTrue();
                List<DeliveredMessage> got = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    got.add(consumer.next().getMessage());
                }
                consumer.requests.onNext(ConsumeRequest.newBuilder().setAck(Ack.newBuilder()
                        .addMessages(ref(got.get(0))).addMessages(ref(got.get(1)))).build());
                consumer.requests.onNext(ConsumeRequest.newBuilder().setDeadLetter(DeadLetterMessages.newBuilder()
                        .addMessages(ref(got.get(2))).setReason("cannot parse")).build());

                PrometheusText m = awaitScrape(server, null,
                        // The group counts a dead letter once it is stored (then the message is done for it).
                        t -> t.samples("junction_group_dead_lettered_total", "group", "billing").stream()
                                .anyMatch(s -> s.value() == 1)
                                && t.samples("junction_group_messages_acked_total", "group", "billing").stream()
                                .anyMatch(s -> s.value() == 2));

                String[] station = {"tenant", "default", "station", "orders"};
                String[] group = {"tenant", "default", "station", "orders", "group", "billing"};
                assertThat(m.type("junction_station_messages_produced_total")).isEqualTo("counter");
                assertThat(m.value("junction_station_messages_produced_total", station)).isEqualTo(5);
                assertThat(m.value("junction_station_produced_bytes_total", station)).isEqualTo(bytes);
                assertThat(m.value("junction_station_messages_consumed_total", station)).isEqualTo(5);
                assertThat(m.value("junction_station_consumed_bytes_total", station)).isEqualTo(bytes);
                assertThat(m.value("junction_station_stored_messages", station)).isEqualTo(5);
                assertThat(m.value("junction_station_partitions", station)).isEqualTo(2);
                assertThat(m.value("junction_station_storage_bytes", station)).isGreaterThan(bytes);
                assertThat(m.value("junction_station_dead_letters", station)).isEqualTo(1);
                assertThat(m.value("junction_station_messages_produced_total", "station", "doomed")).isEqualTo(1);

                // 5 produced, 2 acked, 1 dead-lettered (done for the group): 2 unacked, both in flight.
                assertThat(m.type("junction_group_lag")).isEqualTo("gauge");
                assertThat(m.value("junction_group_lag", group)).isEqualTo(2);
                assertThat(m.samples("junction_group_partition_lag", group)).extracting(s -> s.label("partition"))
                        .containsExactlyInAnyOrder("0", "1");
                assertThat(m.samples("junction_group_partition_lag", group).stream()
                        .mapToDouble(PrometheusText.Sample::value).sum()).isEqualTo(2);
                assertThat(m.value("junction_group_in_flight", group)).isEqualTo(2);
                assertThat(m.value("junction_group_members", group)).isEqualTo(1);
                assertThat(m.value("junction_group_messages_delivered_total", group)).isEqualTo(5);
                assertThat(m.value("junction_group_messages_acked_total", group)).isEqualTo(2);
                assertThat(m.value("junction_group_redeliveries_total", group)).isEqualTo(0);
                assertThat(m.value("junction_group_dead_lettered_total", group)).isEqualTo(1);
                assertThat(m.value("junction_group_dead_letters", group)).isEqualTo(1);

                // One produce-ack latency observation per request (3), every fsync of the partitions counted.
                assertThat(m.type("junction_produce_ack_latency_seconds")).isEqualTo("histogram");
                assertThat(m.value("junction_produce_ack_latency_seconds_count", "tenant", "default")).isEqualTo(3);
                assertThat(m.samples("junction_produce_ack_latency_seconds_bucket", "tenant", "default"))
                        .hasSize(LatencyHistogramBounds.COUNT + 1);
                assertThat(m.value("junction_fsync_latency_seconds_count", "log", "partition")).isGreaterThan(0);
                assertThat(m.value("junction_fsync_latency_seconds_count", "log", "dead_letters")).isGreaterThan(0);
                assertThat(m.value("junction_tenant_connections", "tenant", "default")).isGreaterThanOrEqualTo(1);
                assertThat(m.samples("junction_build_info")).singleElement()
                        .satisfies(s -> assertThat(s.label("version")).isEqualTo(JunctionServer.VERSION));

                // JVM and process metrics (Micrometer's binders), in base units.
                assertThat(m.samples("jvm_memory_used_bytes")).isNotEmpty();
                assertThat(m.samples("jvm_threads_live_threads")).isNotEmpty();
                assertThat(m.samples("process_uptime_seconds")).hasSize(1);
                assertThat(m.samples("disk_free_bytes")).hasSize(1);
                assertThat(m.samples()).as("base units only").noneMatch(
                        s -> s.name().matches(".*_(ns|nanoseconds|ms|milliseconds|kb|kilobytes)(_.*)?"));

                // Tiered storage: per partition of a station with tiering on, nothing for the others.
                String[] archive = {"tenant", "default", "station", "archive", "partition", "0"};
                assertThat(m.type("junction_tier_pending_segments")).isEqualTo("gauge");
                assertThat(m.value("junction_tier_pending_segments", archive)).isZero();
                assertThat(m.value("junction_tier_failures", archive)).isZero();
                assertThat(m.value("junction_tier_remote_bytes", archive)).isZero();
                assertThat(m.samples("junction_tier_local_bytes", archive)).hasSize(1);
                assertThat(m.samples("junction_tier_pending_bytes", archive)).hasSize(1);
                assertThat(m.samples("junction_tier_uploaded_bytes_total", archive)).hasSize(1);
                assertThat(m.samples("junction_tier_last_upload_timestamp_seconds", archive)).hasSize(1);
                assertThat(m.samples("junction_tier_local_bytes", "station", "orders")).isEmpty();
                // the broker-wide read-back cache and the requests waiting on the store (root's only)
                assertThat(m.value("junction_tier_cache_capacity_bytes")).isEqualTo(ServerConfig.DEFAULT_S3_CACHE_SIZE);
                assertThat(m.value("junction_tier_cache_bytes")).isZero();
                assertThat(m.value("junction_tier_cache_hits_total")).isZero();
                assertThat(m.value("junction_tier_cache_misses_total")).isZero();
                assertThat(m.value("junction_tier_reads_waiting")).isZero();
                assertThat(m.value("junction_tier_reads_refused_total")).isZero();
                assertThat(m.type("junction_tier_reads_refused_total")).isEqualTo("counter");

                String[] hook = {"tenant", "default", "connector", "hook", "type", "http-sink"};
                assertThat(m.samples("junction_connector_state", hook)).extracting(s -> s.label("state"))
                        .containsExactlyInAnyOrder("starting", "running", "paused", "failed", "stopped");
                assertThat(m.samples("junction_connector_state", hook).stream()
                        .mapToDouble(PrometheusText.Sample::value).sum()).isEqualTo(1);
                assertThat(m.samples("junction_connector_lag", hook)).singleElement()
                        .satisfies(s -> assertThat(s.label("unit")).isEqualTo("messages"));
                assertThat(m.samples("junction_connector_count", hook)).extracting(s -> s.label("count"))
                        .contains("delivered", "dead_lettered", "retried");

                assertDocumentedAndCharted(m);
                assertBoundedLabels(m, "emp-key-", "secret-value-", "doomed-key", "doomed-value", "billing-1",
                        Long.toString(got.get(0).getDeliveryId()));

                consumer.requests.onCompleted();
                admin.deleteStation(DeleteStationRequest.newBuilder().setName("doomed").build());
                admin.deleteGroup(DeleteGroupRequest.newBuilder().setStation("orders").setGroup("billing")
                        .setForce(true).build());
                PrometheusText after = scrape(server, null);
                assertThat(after.samples().stream().filter(s -> "doomed".equals(s.label("station")))).isEmpty();
                assertThat(after.samples().stream().filter(s -> "billing".equals(s.label("group")))).isEmpty();
                assertThat(after.value("junction_station_messages_produced_total", station)).isEqualTo(5);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void countsMessagesProducedAndFetchedThroughTheRestGatewayAsGrpcOnesAndNoDuplicate() throws Exception {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            RestClient rest = new RestClient(server.httpPort(), null);
            rest.post("/api/v1/stations", java.util.Map.of("name", "orders", "partitions", 1));
            java.util.Map<String, Object> message = java.util.Map.of("key", "k1", "value", "first", "msg_id", "m-1");
            assertThat(rest.post("/api/v1/stations/orders/messages", java.util.Map.of("messages", List.of(message)))
                    .status()).isEqualTo(201);
            assertThat(rest.post("/api/v1/stations/orders/messages", java.util.Map.of("messages", List.of(message)))
                    .json().path("receipts").get(0).path("duplicate").asBoolean()).isTrue();
            RestClient.Answer fetched = rest.post("/api/v1/stations/orders/groups/g/fetch",
                    java.util.Map.of("max", 10, "wait_ms", 1000));
            assertThat(fetched.json().path("messages")).hasSize(1);

            PrometheusText m = scrape(server, null);
            String[] station = {"tenant", "default", "station", "orders"};
            assertThat(m.value("junction_station_messages_produced_total", station)).isEqualTo(1);
            assertThat(m.value("junction_station_produced_bytes_total", station)).isEqualTo("k1first".length());
            assertThat(m.value("junction_station_messages_consumed_total", station)).isEqualTo(1);
            assertThat(m.value("junction_group_in_flight", "station", "orders", "group", "g")).isEqualTo(1);
            assertThat(m.value("junction_produce_ack_latency_seconds_count", "tenant", "default")).isEqualTo(2);
        }
    }

    @Test
    void isServedOnlyOnTheHttpPort() throws Exception {
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir).host("127.0.0.1")
                .port(0).httpPort(0).build())) {
            assertThat(get(server.httpPort(), null).statusCode()).isEqualTo(200);
            assertThat(get(server.grpcPort(), null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void requiresCredentialsWhenAuthIsRequiredAndShowsATenantOnlyItsOwnSeries() throws Exception {
        Path password = dir.resolve("root-password");
        Files.writeString(password, "root password of the metrics test\n");
        try (JunctionServer server = JunctionServer.start(ServerConfig.builder().dataDir(dir.resolve("data"))
                .host("127.0.0.1").port(0).httpPort(0).auth(ServerConfig.AuthMode.REQUIRED)
                .rootPasswordFile(password).build())) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                    .build();
            try {
                String root = basic("root", "root password of the metrics test");
                Channel asRoot = as(channel, "Bearer " + AccessGrpc.newBlockingStub(as(channel, root))
                        .login(LoginRequest.getDefaultInstance()).getToken());
                var access = AccessGrpc.newBlockingStub(asRoot);
                var admin = AdminGrpc.newBlockingStub(asRoot);
                for (String tenant : List.of("acme", "other")) {
                    access.createTenant(CreateTenantRequest.newBuilder().setName(tenant).build());
                    for (String station : List.of("orders", "invoices")) {
                        admin.createStation(CreateStationRequest.newBuilder().setTenant(tenant).setName(station)
                                .build());
                        produce(asRoot, tenant, station, List.of(message("k", "v")));
                    }
                }
                String viewer = "Bearer " + access.createToken(CreateTokenRequest.newBuilder().setTenant("acme")
                        .setName("grafana").setRole("viewer").build()).getSecret();
                String narrow = "Bearer " + access.createToken(CreateTokenRequest.newBuilder().setTenant("acme")
                        .setName("narrow").setRole("viewer").addStations("invoices").build()).getSecret();

                HttpResponse<String> none = get(server.httpPort(), null);
                assertThat(none.statusCode()).isEqualTo(401);
                assertThat(none.headers().firstValue("content-type")).hasValueSatisfying(
                        v -> assertThat(v).startsWith("application/json"));
                assertThat(none.body()).startsWith("{\"code\":\"UNAUTHENTICATED\",\"message\":\"");
                assertThat(none.headers().allValues("www-authenticate")).anyMatch(v -> v.startsWith("Bearer"));
                HttpResponse<String> bad = get(server.httpPort(), "Bearer jn_0000000000000000000a_" + "A".repeat(43));
                assertThat(bad.statusCode()).isEqualTo(401);
                assertThat(bad.body()).contains("\"code\":\"UNAUTHENTICATED\"");
                assertThat(get(server.httpPort(), basic("root", "wrong password")).statusCode()).isEqualTo(401);
                awaitAudited(access, "user root");

                PrometheusText acme = scrape(server, viewer);
                assertThat(tenantsIn(acme)).containsExactly("acme");
                assertThat(acme.value("junction_station_messages_produced_total", "tenant", "acme", "station",
                        "orders")).isEqualTo(1);
                assertThat(acme.samples().stream().filter(s -> !s.name().startsWith("junction_")))
                        .as("no JVM or process series for a tenant").isEmpty();
                assertThat(acme.samples("junction_fsync_latency_seconds_count")).isEmpty();
                assertThat(acme.samples("junction_build_info")).isEmpty();

                PrometheusText narrowed = scrape(server, narrow);
                assertThat(narrowed.samples().stream().map(s -> s.label("station")).filter(s -> s != null)
                        .distinct()).containsExactly("invoices");

                PrometheusText all = scrape(server, root);
                assertThat(tenantsIn(all)).containsExactlyInAnyOrder("default", "acme", "other");
                assertThat(all.value("junction_station_messages_produced_total", "tenant", "other", "station",
                        "invoices")).isEqualTo(1);
                assertThat(all.samples("jvm_memory_used_bytes")).isNotEmpty();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    // ----- helpers -------------------------------------------------------------------------------------------

    /** The number of finite bounds of the latency histograms. */
    private static final class LatencyHistogramBounds {
        static final int COUNT = io.junction.broker.LatencyHistogram.BOUNDS_SECONDS.length;
    }

    /**
     * docs/metrics.md names every junction_* metric a scrape shows and nothing it does not; every metric the example
     * Grafana dashboard queries is served (so neither goes stale as metrics change).
     */
    private static void assertDocumentedAndCharted(PrometheusText m) throws Exception {
        Path docs = Path.of("..", "docs");
        Set<String> served = new HashSet<>();
        m.samples().forEach(s -> served.add(s.name()));
        Set<String> families = new HashSet<>(m.families().keySet());
        String doc = Files.readString(docs.resolve("metrics.md"));
        Set<String> documented = names(doc, "`(junction_[a-z_]+)`");
        Set<String> junctionFamilies = new HashSet<>();
        families.stream().filter(f -> f.startsWith("junction_")).forEach(junctionFamilies::add);
        assertThat(documented).as("junction_* metrics in docs/metrics.md").isEqualTo(junctionFamilies);
        String dashboard = Files.readString(docs.resolve("grafana-dashboard.json"));
        for (String name : names(dashboard, "\\b((?:junction|jvm|process|system)_[a-z_0-9]+)")) {
            String family = name.replaceAll("_(bucket|sum|count)$", "");
            if (family.equals("jvm_gc_pause_seconds") && !families.contains(family)) {
                continue; // Micrometer registers it at the JVM's first GC pause, which may not have come yet
            }
            assertThat(served.contains(name) || families.contains(family))
                    .as("the dashboard's %s is served", name).isTrue();
        }
    }

    private static Set<String> names(String text, String regex) {
        Set<String> names = new HashSet<>();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(regex).matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** Waits until default's audit log holds a refused {@code GET /metrics} by {@code who}. */
    private static void awaitAudited(AccessGrpc.AccessBlockingStub access, String who) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            boolean found = access.listAudit(ListAuditRequest.newBuilder().setTenant("default").setLimit(1000).build())
                    .getEntriesList().stream().anyMatch(e -> e.getAction().equals("GET /metrics")
                            && e.getWho().equals(who) && e.getResult().equals("UNAUTHENTICATED"));
            if (found) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no audit entry of a refused GET /metrics by " + who);
    }

    private static Set<String> tenantsIn(PrometheusText m) {
        Set<String> tenants = new HashSet<>();
        m.samples().forEach(s -> {
            if (s.label("tenant") != null) {
                tenants.add(s.label("tenant"));
            }
        });
        return tenants;
    }

    /**
     * Junction's series have only the labels of {@link #JUNCTION_LABELS}, and no label of any series carries a
     * message's key or value, a member or a delivery.
     */
    private static void assertBoundedLabels(PrometheusText m, String... forbidden) {
        for (PrometheusText.Sample s : m.samples()) {
            if (s.name().startsWith("junction_")) {
                assertThat(JUNCTION_LABELS).as("labels of %s", s).containsAll(s.labels().keySet());
            }
            for (String value : s.labels().values()) {
                for (String f : forbidden) {
                    assertThat(value).as("a label of %s", s).doesNotContain(f);
                }
            }
        }
    }

    private static PrometheusText awaitScrape(JunctionServer server, String authorization,
            Predicate<PrometheusText> until) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        PrometheusText m = scrape(server, authorization);
        while (!until.test(m) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            m = scrape(server, authorization);
        }
        assertThat(until.test(m)).as("the metrics reached the expected state within 10 s").isTrue();
        return m;
    }

    /** GETs /metrics, checks the status and content type, and parses the body strictly. */
    private static PrometheusText scrape(JunctionServer server, String authorization) throws Exception {
        HttpResponse<String> r = get(server.httpPort(), authorization);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        return PrometheusText.parse(r.body());
    }

    private static HttpResponse<String> get(int port, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static String basic(String login, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static Channel as(Channel channel, String authorization) {
        Metadata headers = new Metadata();
        headers.put(Guard.AUTHORIZATION, authorization);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static MessageRef ref(DeliveredMessage m) {
        return MessageRef.newBuilder().setPartition(m.getPartition()).setOffset(m.getOffset())
                .setDeliveryId(m.getDeliveryId()).build();
    }

    private static ProduceMessage message(String key, String value) {
        return ProduceMessage.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value))
                .addHeaders(Header.newBuilder().setKey("type").setValue(ByteString.copyFromUtf8("t-" + value)))
                .build();
    }

    /** Produces {@code messages} as one request and waits for its receipts. */
    private static void produce(Channel channel, String tenant, String station, List<ProduceMessage> messages)
            throws Exception {
        CompletableFuture<ProduceResponse> done = new CompletableFuture<>();
        StreamObserver<ProduceRequest> out = ProduceGrpc.newStub(channel).produce(new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        out.onNext(ProduceRequest.newBuilder().setTenant(tenant).setStation(station).setRequestId(1)
                .addAllMessages(messages).build());
        ProduceResponse response = done.get(10, TimeUnit.SECONDS);
        assertThat(response.hasError()).as("%s", response).isFalse();
        out.onCompleted();
    }
}
