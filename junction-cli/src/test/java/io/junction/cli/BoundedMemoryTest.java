package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ConsumeRequest;
import io.junction.api.v1.ConsumeResponse;
import io.junction.api.v1.Credit;
import io.junction.api.v1.StartPosition;
import io.junction.api.v1.Subscribe;
import io.junction.client.Consumer;
import io.junction.client.GroupInfo;
import io.junction.client.JunctionClient;
import io.junction.client.Message;
import io.junction.client.Producer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No client can take the broker's memory past its bounds (issue #13, case 1): consumers that grant two billion
 * credits and then read nothing, and consumers that read everything and ack nothing, on a station of 1000 KiB
 * messages. Driven on the wire with grpc-java stubs (not the Junction client, which would never ask for so much),
 * against a broker in a child JVM with the launcher's heap (1 GiB): its heap must not run out — {@code /health}
 * and produce keep answering throughout — its RSS stays at most 2 GiB, the members that read nothing are removed
 * after the stall timeout, everything is consumed afterwards without a restart, and SIGTERM stops it.
 *
 * <p>Before the fix, each group kept every delivered message's contents on the heap and the transport buffered
 * whatever credits allowed: ten such consumers made the broker run out of memory and stop answering for good.
 */
class BoundedMemoryTest {

    /** The launcher's default heap ({@code junction}: {@code -Xmx1g} unless JUNCTION_JAVA_OPTS sets one). */
    private static final String HEAP = "-Xmx1g";
    private static final int MESSAGES = 200;
    private static final int VALUE_BYTES = 1000 * 1024;
    private static final int STALLED = 10;
    private static final int GREEDY = 5;
    private static final long RSS_LIMIT = 2L << 30;

    @TempDir
    Path dir;

    @Test
    void stalledAndNeverAckingConsumersWithHugeCreditsCannotExhaustTheBroker() throws Exception {
        Path log = Path.of("target", "bounded-memory-server.log").toAbsolutePath();
        try (ChildServer server = new ChildServer(dir, ProcessBuilder.Redirect.to(log.toFile()))
                .options(List.of(HEAP), List.of("--consumer-stall-timeout", "5s")).start();
                JunctionClient client = server.connect()) {
            client.createStation("big", io.junction.client.StationOptions.builder().partitions(2).build());
            try (Producer producer = client.producer("big").build()) {
                byte[] value = new byte[VALUE_BYTES];
                for (int i = 0; i < MESSAGES; i++) {
                    value[0] = (byte) i;
                    producer.send(Message.builder().key("k" + i).value(value).build()).join();
                }
            }
            long pid = server.process().pid();
            AtomicLong maxRss = new AtomicLong(rss(pid));

            ManagedChannel channel = ManagedChannelBuilder.forTarget(server.address()).usePlaintext()
                    .maxInboundMessageSize(100 << 20).build();
            List<ClientCallStreamObserver<ConsumeRequest>> streams = new ArrayList<>();
            try {
                for (int i = 0; i < STALLED; i++) { // subscribe, grant everything, read nothing
                    streams.add(subscribe(channel, "stalled-" + i, false, null));
                }
                AtomicLong greedyReceived = new AtomicLong();
                for (int i = 0; i < GREEDY; i++) { // read everything, ack nothing
                    streams.add(subscribe(channel, "greedy-" + i, true, greedyReceived));
                }

                // For 12 s (past the 5 s stall timeout): the broker answers health checks and stores messages.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
                try (Producer producer = client.producer("big").build()) {
                    int n = 0;
                    while (System.nanoTime() < until) {
                        assertThat(health(server.httpPort())).as("/health while consumers hoard").isEqualTo(200);
                        producer.send(Message.builder().key("small").value("tick-" + n++).build())
                                .get(10, TimeUnit.SECONDS);
                        maxRss.accumulateAndGet(rss(pid), Math::max);
                        Thread.sleep(200);
                    }
                }
                assertThat(greedyReceived.get()).as("the readers got messages, as many as the limits allow")
                        .isPositive();
                for (int i = 0; i < STALLED; i++) {
                    GroupInfo info = client.group("big", "stalled-" + i);
                    assertThat(info.members()).as("a member that read nothing for the stall timeout is removed")
                            .isEmpty();
                }
            } finally {
                for (ClientCallStreamObserver<ConsumeRequest> s : streams) {
                    s.cancel("test over", null);
                }
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }

            // Afterwards: a fresh group reads every message, without a restart.
            Set<String> seen = ConcurrentHashMap.newKeySet();
            Consumer consumer = client.consumer("big", "after").handler(m -> {
                seen.add(m.partition() + "@" + m.offset());
                m.ack();
            }).build().start();
            try {
                long total = client.station("big").messages();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (seen.size() < total && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(seen).hasSize((int) total);
            } finally {
                consumer.close();
            }
            maxRss.accumulateAndGet(rss(pid), Math::max);
            System.out.println("BoundedMemoryTest: the broker's largest RSS was " + (maxRss.get() >> 20) + " MiB");
            assertThat(maxRss.get()).as("RSS in bytes").isLessThanOrEqualTo(RSS_LIMIT);

            server.process().destroy(); // SIGTERM
            assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of SIGTERM").isTrue();
        }
    }

    /**
     * A raw Consume stream on group {@code group}: two billion credits; with {@code read} false it never asks the
     * transport for a single response (a paused client), else it reads everything and acks nothing.
     */
    private static ClientCallStreamObserver<ConsumeRequest> subscribe(ManagedChannel channel, String group,
            boolean read, AtomicLong received) {
        List<ClientCallStreamObserver<ConsumeRequest>> holder = new ArrayList<>();
        ConsumeGrpc.newStub(channel).consume(new ClientResponseObserver<ConsumeRequest, ConsumeResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ConsumeRequest> requests) {
                holder.add(requests);
                if (!read) {
                    requests.disableAutoRequestWithInitial(0);
                }
            }

            @Override
            public void onNext(ConsumeResponse r) {
                if (received != null) {
                    received.addAndGet(r.getBatch().getMessagesCount() + (r.hasMessage() ? 1 : 0));
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        });
        ClientCallStreamObserver<ConsumeRequest> requests = holder.get(0);
        requests.onNext(ConsumeRequest.newBuilder().setSubscribe(Subscribe.newBuilder().setStation("big")
                .setGroup(group).setStart(StartPosition.newBuilder().setEarliest(true)).setBatches(true)
                .setInitialCredits(2_000_000_000)).build());
        requests.onNext(ConsumeRequest.newBuilder().setCredit(Credit.newBuilder().setMessages(2_000_000_000))
                .build());
        return requests;
    }

    private static int health(int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The resident set of process {@code pid}, in bytes (Linux). */
    private static long rss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
