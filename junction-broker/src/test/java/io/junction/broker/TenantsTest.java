package io.junction.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.junction.errors.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tenants (issue #15): isolated namespaces of stations, groups and schemas under DATA/tenants/T/. */
class TenantsTest {

    @TempDir
    Path dir;

    private Broker broker;

    @BeforeEach
    void open() {
        broker = Broker.open(BrokerConfig.defaults(dir));
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private static void refused(Runnable call, ErrorCode code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BrokerException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    private static List<OutgoingMessage> one(String value) {
        return List.of(OutgoingMessage.of(null, value.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aTenantHasItsOwnStationsGroupsAndSchemasOnDiskUnderItsDirectory() throws Exception {
        assertThat(broker.listTenants()).extracting(TenantInfo::name).containsExactly("default");
        broker.createTenant("hr");
        broker.createStation("default", "orders", StationConfig.defaults());
        broker.createStation("hr", "orders", StationConfig.defaults());
        broker.produce("hr", "orders", one("hr's")).join();
        broker.createSchema("hr", "emp", io.junction.schema.SchemaType.JSON, "{\"type\":\"object\"}", null);

        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        GroupMember m = broker.subscribe("hr", "orders", "g", StartPosition.earliest(), "m", 10, box);
        assertThat(new String(box.next().value(), StandardCharsets.UTF_8)).isEqualTo("hr's");
        m.leave();

        assertThat(broker.stationInfo("default", "orders").partitions().get(0).nextOffset()).isZero();
        assertThat(broker.listGroups("default", "orders")).isEmpty();
        assertThat(broker.listSchemas("default")).isEmpty();
        assertThat(broker.listTenants()).extracting(TenantInfo::name, TenantInfo::stations)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("default", 1),
                        org.assertj.core.groups.Tuple.tuple("hr", 1));
        assertThat(Files.isDirectory(dir.resolve("tenants/hr/stations/orders"))).isTrue();
    }

    @Test
    void tenantsAndTheirStationsComeBackAfterARestart() {
        broker.createTenant("hr");
        broker.createStation("hr", "people", StationConfig.defaults());
        broker.produce("hr", "people", one("ada")).join();
        broker.close();

        broker = Broker.open(BrokerConfig.defaults(dir));

        assertThat(broker.listTenants()).extracting(TenantInfo::name).containsExactly("default", "hr");
        assertThat(broker.stationInfo("hr", "people").partitions().get(0).nextOffset()).isEqualTo(1);
        refused(() -> broker.stationInfo("default", "people"), ErrorCode.UNKNOWN_STATION);
    }

    @Test
    void aTenantWithStationsIsDeletedOnlyWithForceAndDefaultNever() throws Exception {
        broker.createTenant("hr");
        broker.createStation("hr", "people", StationConfig.defaults());
        BrokerTest.Mailbox box = new BrokerTest.Mailbox();
        broker.subscribe("hr", "people", "g", StartPosition.earliest(), "m", 10, box);

        refused(() -> broker.deleteTenant("hr", false), ErrorCode.TENANT_NOT_EMPTY);
        assertThat(broker.stationInfo("hr", "people").name()).as("refused: nothing changed").isEqualTo("people");
        refused(() -> broker.deleteTenant("default", true), ErrorCode.INVALID_ARGUMENT);

        broker.deleteTenant("hr", true);

        refused(() -> broker.tenantInfo("hr"), ErrorCode.UNKNOWN_TENANT);
        refused(() -> broker.stationInfo("hr", "people"), ErrorCode.UNKNOWN_TENANT);
        assertThat(box.closedWith).isNotNull();
        assertThat(Files.exists(dir.resolve("tenants/hr"))).isFalse();
        assertThat(Files.list(dir.resolve(".trash")).toList()).isEmpty();

        // the name is free again, and the new tenant starts empty
        broker.createTenant("hr");
        assertThat(broker.listStations("hr")).isEmpty();
    }

    @Test
    void anEmptyTenantIsDeletedWithoutForce() {
        broker.createTenant("temp");
        broker.deleteTenant("temp", false);
        assertThat(broker.hasTenant("temp")).isFalse();
    }

    @Test
    void badNamesAndDuplicatesAreRefused() {
        refused(() -> broker.createTenant("Bad/Name"), ErrorCode.INVALID_NAME);
        refused(() -> broker.createTenant("../etc"), ErrorCode.INVALID_NAME);
        refused(() -> broker.createTenant("default"), ErrorCode.TENANT_EXISTS);
        broker.createTenant("hr");
        refused(() -> broker.createTenant("hr"), ErrorCode.TENANT_EXISTS);
        refused(() -> broker.deleteTenant("nope", true), ErrorCode.UNKNOWN_TENANT);
        refused(() -> broker.createStation("nope", "s", StationConfig.defaults()), ErrorCode.UNKNOWN_TENANT);
    }

    @Test
    void aDeletionCutShortByACrashIsFinishedOnOpen() throws Exception {
        broker.createTenant("hr");
        broker.createStation("hr", "people", StationConfig.defaults());
        broker.close();
        // A crash after the tenant's directory moved to the trash, before the trash was emptied.
        Files.createDirectories(dir.resolve(".trash"));
        Files.move(dir.resolve("tenants/hr"), dir.resolve(".trash/hr-123"));

        broker = Broker.open(BrokerConfig.defaults(dir));

        assertThat(broker.hasTenant("hr")).isFalse();
        assertThat(Files.exists(dir.resolve(".trash/hr-123"))).isFalse();
    }

    @Test
    void aHalfCreatedTenantDirectoryIsNotATenantAndItsNameCanBeTaken() throws Exception {
        Files.createDirectories(dir.resolve("tenants/half"));
        Files.writeString(dir.resolve("tenants/half/stray"), "x");
        broker.close();
        broker = Broker.open(BrokerConfig.defaults(dir));
        assertThat(broker.hasTenant("half")).isFalse();

        broker.createTenant("half");
        assertThat(Files.exists(dir.resolve("tenants/half/stray"))).isFalse();
        assertThat(broker.listStations("half")).isEmpty();
    }
}
