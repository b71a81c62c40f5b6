package io.junction.server;

import static io.junction.security.Permission.CONSUME;
import static io.junction.security.Permission.MANAGE_ACCESS;
import static io.junction.security.Permission.MANAGE_CONNECTORS;
import static io.junction.security.Permission.MANAGE_DEAD_LETTERS;
import static io.junction.security.Permission.MANAGE_GROUPS;
import static io.junction.security.Permission.MANAGE_SCHEMAS;
import static io.junction.security.Permission.MANAGE_STATIONS;
import static io.junction.security.Permission.MANAGE_TENANTS;
import static io.junction.security.Permission.PRODUCE;
import static io.junction.security.Permission.VIEW;

import java.util.HashMap;
import java.util.Map;

import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.ConnectGrpc;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.ProduceGrpc;
import io.junction.security.Permission;

/**
 * What each RPC needs, in one table (docs/security.md shows it): the permission, the request field naming the
 * station it acts on (checked against the caller's station patterns) and the one naming its tenant. A method
 * missing here is refused for everyone ({@link Guard}); a test walks the proto's services so that a new RPC
 * cannot be forgotten.
 */
final class CallRules {

    /**
     * @param permission   what the caller's role must have; null: any authenticated caller (the service may check
     *                     more, e.g. a user setting its own password)
     * @param scope        the field of the request that holds the fields below (the consume stream's
     *                     {@code subscribe}); null: the request itself. A request without it passes (acks and
     *                     credits of a subscription checked when it was made)
     * @param stationField the field naming the station; null: not station-scoped
     * @param tenantField  the field naming the tenant; null: none
     */
    record Rule(Permission permission, String scope, String stationField, String tenantField) {
    }

    static final Map<String, Rule> RULES;

    static {
        Map<String, Rule> r = new HashMap<>();
        // Admin: stations
        station(r, AdminGrpc.getCreateStationMethod().getFullMethodName(), MANAGE_STATIONS, "name");
        station(r, AdminGrpc.getUpdateStationMethod().getFullMethodName(), MANAGE_STATIONS, "name");
        station(r, AdminGrpc.getDeleteStationMethod().getFullMethodName(), MANAGE_STATIONS, "name");
        station(r, AdminGrpc.getCleanStationMethod().getFullMethodName(), MANAGE_STATIONS, "name");
        station(r, AdminGrpc.getGetStationMethod().getFullMethodName(), VIEW, "name");
        tenant(r, AdminGrpc.getListStationsMethod().getFullMethodName(), VIEW);
        // Admin: groups and dead letters
        station(r, AdminGrpc.getCreateGroupMethod().getFullMethodName(), MANAGE_GROUPS, "station");
        station(r, AdminGrpc.getDeleteGroupMethod().getFullMethodName(), MANAGE_GROUPS, "station");
        station(r, AdminGrpc.getGetGroupMethod().getFullMethodName(), VIEW, "station");
        station(r, AdminGrpc.getListGroupsMethod().getFullMethodName(), VIEW, "station");
        station(r, AdminGrpc.getResetGroupMethod().getFullMethodName(), MANAGE_GROUPS, "station");
        // the browser shows values only to callers with read_values (Guard.filter), and searches only for them
        station(r, AdminGrpc.getBrowseMessagesMethod().getFullMethodName(), VIEW, "station");
        station(r, AdminGrpc.getListDeadLettersMethod().getFullMethodName(), VIEW, "station");
        station(r, AdminGrpc.getResendDeadLettersMethod().getFullMethodName(), MANAGE_DEAD_LETTERS, "station");
        station(r, AdminGrpc.getDropDeadLettersMethod().getFullMethodName(), MANAGE_DEAD_LETTERS, "station");
        // Admin: schemas
        tenant(r, AdminGrpc.getCreateSchemaMethod().getFullMethodName(), MANAGE_SCHEMAS);
        tenant(r, AdminGrpc.getAddSchemaVersionMethod().getFullMethodName(), MANAGE_SCHEMAS);
        tenant(r, AdminGrpc.getDeleteSchemaMethod().getFullMethodName(), MANAGE_SCHEMAS);
        tenant(r, AdminGrpc.getGetSchemaMethod().getFullMethodName(), VIEW);
        tenant(r, AdminGrpc.getListSchemasMethod().getFullMethodName(), VIEW);
        station(r, AdminGrpc.getAttachSchemaMethod().getFullMethodName(), MANAGE_STATIONS, "station");
        station(r, AdminGrpc.getDetachSchemaMethod().getFullMethodName(), MANAGE_STATIONS, "station");
        // Admin: tiered storage
        station(r, AdminGrpc.getTierStatusMethod().getFullMethodName(), VIEW, "station");
        // Produce and consume: every produce request; a consume stream's subscription
        station(r, ProduceGrpc.getProduceMethod().getFullMethodName(), PRODUCE, "station");
        r.put(ConsumeGrpc.getConsumeMethod().getFullMethodName(), new Rule(CONSUME, "subscribe", "station",
                "tenant"));
        station(r, ConsumeGrpc.getFetchMethod().getFullMethodName(), CONSUME, "station");
        station(r, ConsumeGrpc.getSettleMethod().getFullMethodName(), CONSUME, "station");
        // Connect: a connector's station must pass the caller's station patterns when it is created
        station(r, ConnectGrpc.getCreateConnectorMethod().getFullMethodName(), MANAGE_CONNECTORS, "station");
        tenant(r, ConnectGrpc.getPauseConnectorMethod().getFullMethodName(), MANAGE_CONNECTORS);
        tenant(r, ConnectGrpc.getResumeConnectorMethod().getFullMethodName(), MANAGE_CONNECTORS);
        tenant(r, ConnectGrpc.getDeleteConnectorMethod().getFullMethodName(), MANAGE_CONNECTORS);
        tenant(r, ConnectGrpc.getGetConnectorMethod().getFullMethodName(), VIEW);
        tenant(r, ConnectGrpc.getListConnectorsMethod().getFullMethodName(), VIEW);
        // Access
        r.put(AccessGrpc.getLoginMethod().getFullMethodName(), new Rule(null, null, null, null));
        r.put(AccessGrpc.getLogoutMethod().getFullMethodName(), new Rule(null, null, null, null));
        r.put(AccessGrpc.getWhoAmIMethod().getFullMethodName(), new Rule(null, null, null, null));
        r.put(AccessGrpc.getCreateTenantMethod().getFullMethodName(), new Rule(MANAGE_TENANTS, null, null, null));
        r.put(AccessGrpc.getDeleteTenantMethod().getFullMethodName(), new Rule(MANAGE_TENANTS, null, null, null));
        r.put(AccessGrpc.getUpdateTenantMethod().getFullMethodName(), new Rule(MANAGE_TENANTS, null, null, null));
        r.put(AccessGrpc.getGetTenantMethod().getFullMethodName(), new Rule(VIEW, null, null, "name"));
        r.put(AccessGrpc.getListTenantsMethod().getFullMethodName(), new Rule(VIEW, null, null, null));
        tenant(r, AccessGrpc.getCreateUserMethod().getFullMethodName(), MANAGE_ACCESS);
        tenant(r, AccessGrpc.getGetUserMethod().getFullMethodName(), MANAGE_ACCESS);
        tenant(r, AccessGrpc.getListUsersMethod().getFullMethodName(), MANAGE_ACCESS);
        tenant(r, AccessGrpc.getDeleteUserMethod().getFullMethodName(), MANAGE_ACCESS);
        tenant(r, AccessGrpc.getSetPasswordMethod().getFullMethodName(), null);
        tenant(r, AccessGrpc.getCreateTokenMethod().getFullMethodName(), MANAGE_ACCESS);
        tenant(r, AccessGrpc.getListTokensMethod().getFullMethodName(), MANAGE_ACCESS);
        tenant(r, AccessGrpc.getRevokeTokenMethod().getFullMethodName(), MANAGE_ACCESS);
        tenant(r, AccessGrpc.getListAuditMethod().getFullMethodName(), MANAGE_ACCESS);
        RULES = Map.copyOf(r);
    }

    private CallRules() {
    }

    private static void station(Map<String, Rule> r, String method, Permission permission, String field) {
        r.put(method, new Rule(permission, null, field, "tenant"));
    }

    private static void tenant(Map<String, Rule> r, String method, Permission permission) {
        r.put(method, new Rule(permission, null, null, "tenant"));
    }
}
