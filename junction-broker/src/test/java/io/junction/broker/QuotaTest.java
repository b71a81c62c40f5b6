package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.broker.internal.Pace;
import io.junction.errors.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tenant's quotas (issue #15): stations and storage refused past their limit, produce paced, kept durably. */
class QuotaTest {

    @TempDir
    Path dir;

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private Broker broker;

    @AfterEach
    void close() {
        if (broker != null) {
            broker.close();
        }
    }

    private Broker open() {
        broker = Broker.open(BrokerConfig.defaults(dir), nanos::get);
        return broker;
    }

    private static void refused(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BrokerException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    private static List<OutgoingMessage> bytes(int n) {
        return List.of(OutgoingMessage.of(null, new byte[n]));
    }

    @Test
    void aTenantHasAtMostItsStationsAndGetsOneBackWhenItDeletesOne() {
        open().createTenant("hr", new TenantLimits(0, 0, 0, 2, 0));
        broker.createStation("hr", "a", StationConfig.defaults());
        broker.createStation("hr", "b", StationConfig.defaults());
        refused(() -> broker.createStation("hr", "c", StationConfig.defaults()), ErrorCode.QUOTA_EXCEEDED);
        assertThat(broker.listStations("hr")).hasSize(2);
        broker.deleteStation("hr", "a");
        broker.createStation("hr", "c", StationConfig.defaults());
        broker.createStation("default", "d", StationConfig.defaults()); // other tenants: their own limits
    }

    @Test
    void produceIsRefusedWholePastTheStorageQuotaAndWorksAgainOnceThereIsRoom() {
        open().createTenant("hr", new TenantLimits(10_000, 0, 0, 0, 0));
        broker.createStation("hr", "s", new StationConfig(2, null, 0, 0, Duration.ofSeconds(30), 5));
        int stored = 0;
        BrokerException refusal = null;
        for (int i = 0; i < 100 && refusal == null; i++) {
            try {
                broker.produce("hr", "s", List.of(OutgoingMessage.of(null, new byte[1000]),
                        OutgoingMessage.of(null, new byte[1000]))).join();
                stored += 2;
                nanos.addAndGet(TimeUnit.SECONDS.toNanos(1)); // usage is measured at most once a second
            } catch (BrokerException e) {
                refusal = e;
            }
        }
        assertThat(refusal).isNotNull();
        assertThat(refusal.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(refusal.getMessage()).contains("tenant 'hr' stores", "its storage limit is 10000 bytes");
        assertThat(broker.stationInfo("hr", "s").messages()).as("nothing of the refused request").isEqualTo(stored);
        assertThat(broker.tenantInfo("hr").storedBytes()).isGreaterThan(8_000);

        broker.updateTenant("hr", new TenantLimits(1_000_000, 0, 0, 0, 0));
        broker.produce("hr", "s", bytes(1000)).join();
        assertThat(broker.stationInfo("hr", "s").messages()).isEqualTo(stored + 1);
    }

    @Test
    void overTheProduceRateTheMessageIsStoredAndItsAcknowledgementWaits() throws Exception {
        open().createTenant("hr", new TenantLimits(0, 1000, 0, 0, 0));
        broker.createStation("hr", "s", StationConfig.defaults());
        // a second's worth goes at once
        broker.produce("hr", "s", bytes(900)).get(10, TimeUnit.SECONDS);
        // 100 KB at 1000 bytes/s: its acknowledgement waits about 100 s; the message is stored meanwhile
        CompletableFuture<List<Receipt>> paced = broker.produce("hr", "s", bytes(100_000));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (broker.stationInfo("hr", "s").messages() < 2) {
            assertThat(System.nanoTime()).as("stored within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(paced).as("acknowledged only once the rate allows").isNotDone();
        // the default tenant is not paced
        broker.createStation("default", "s", StationConfig.defaults());
        broker.produce("default", "s", bytes(100_000)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void limitsAreKeptAcrossARestart() {
        open().createTenant("hr", new TenantLimits(5, 6, 7, 8, 9));
        broker.updateTenant("default", new TenantLimits(1, 0, 0, 0, 0));
        broker.close();

        open();

        assertThat(broker.tenantInfo("hr").limits()).isEqualTo(new TenantLimits(5, 6, 7, 8, 9));
        assertThat(broker.limits("default")).isEqualTo(new TenantLimits(1, 0, 0, 0, 0));
        refused(() -> new TenantLimits(-1, 0, 0, 0, 0), ErrorCode.INVALID_CONFIG);
    }

    @Test
    void aCorruptLimitsFileStopsTheOpenNamingIt() throws Exception {
        open().createTenant("hr", new TenantLimits(5, 6, 7, 8, 9));
        broker.close();
        broker = null;
        java.nio.file.Files.writeString(dir.resolve("tenants/hr/tenant.properties"), "max.stations=eight\n");

        assertThatThrownBy(this::open).hasMessageContaining("tenant.properties");
    }

    @Test
    void aPaceLetsASecondsWorthThroughThenHoldsTheRate() {
        AtomicLong now = new AtomicLong(0);
        Pace pace = new Pace(now::get, 1000);
        assertThat(pace.take(1000)).as("a second's worth at once").isZero();
        assertThat(pace.take(500)).as("then half a second to wait").isEqualTo(500_000_000L);
        now.addAndGet(500_000_000L);
        assertThat(pace.debt()).isZero();
        assertThat(pace.take(2000)).isEqualTo(2_000_000_000L);
        now.addAndGet(10_000_000_000L); // idle for long: still only a second's worth of burst
        assertThat(pace.take(1500)).isEqualTo(500_000_000L);
        pace.rate(0);
        assertThat(pace.take(1_000_000)).as("no limit").isZero();
    }
}
