package io.junction.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.junction.api.v1.AccessGrpc;
import io.junction.api.v1.AdminGrpc;
import io.junction.api.v1.ConnectGrpc;
import io.junction.api.v1.ConsumeGrpc;
import io.junction.api.v1.Errors;
import io.junction.api.v1.ProduceGrpc;
import io.junction.api.v1.ProduceRequest;
import io.junction.api.v1.ProduceResponse;
import io.junction.broker.Broker;
import io.junction.broker.BrokerException;
import io.junction.errors.ErrorCode;

/**
 * The REST gateway under {@code /api/v1} (docs/rest.md; the OpenAPI document at {@code /api/v1/openapi.json}):
 * JSON in and out, each route one call of the gRPC services through {@link LocalCalls} — the same authentication
 * ({@code Authorization: Bearer TOKEN} or {@code Basic}, the loopback rule), permissions, tenant scoping, audit,
 * limits and error codes as gRPC. An error is an HTTP status and {@code {"code":"UNKNOWN_STATION","message":"..."}}
 * with the gRPC API's code. Requests are read strictly: malformed JSON, an unknown field or query parameter, a
 * value of the wrong type, a body over {@link #MAX_BODY_BYTES} are refused with a code before anything runs.
 * The tenant is the caller's own unless {@code ?tenant=T} names another (root only).
 */
final class RestGateway implements HttpService {

    static final String PREFIX = "/api/v1";
    /**
     * The largest request body: 8 MiB, a few messages of the broker's largest size (1 MiB) in Base64, or a batch
     * of thousands of small ones. Larger batches go over gRPC (80 MiB a request).
     */
    static final int MAX_BODY_BYTES = 8 << 20;

    private final LocalCalls calls;
    private final RestMessages messages;
    private final Guard guard;
    private final List<Route> routes = new ArrayList<>();

    RestGateway(LocalCalls calls, Broker broker, Guard guard) {
        this.calls = calls;
        this.messages = new RestMessages(broker);
        this.guard = guard;
        routes();
    }

    /**
     * The tenant a request acts in, for reading schemas to encode and decode values: the one it names, else the
     * caller's. Credentials that do not authenticate give "default": the call itself is then refused (and audited)
     * by the guard, before any value is read or stored.
     */
    private String tenantOf(Request r) {
        if (!r.tenant().isEmpty()) {
            return r.tenant();
        }
        try {
            return guard.authenticate(r.authorization(), Guard.address()).tenant();
        } catch (RuntimeException e) {
            return Broker.DEFAULT_TENANT;
        }
    }

    /** One route: a method and a path pattern ({@code {name}} segments), and what it does. */
    record Route(HttpMethod method, String pattern, HttpStatus success, Doc doc, Handler handler) {
        /** The path's {@code {name}} values when {@code path} fits the pattern; else null. */
        Map<String, String> match(String[] path) {
            String[] parts = pattern.substring(1).split("/");
            if (parts.length != path.length) {
                return null;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < parts.length; i++) {
                if (parts[i].startsWith("{")) {
                    params.put(parts[i].substring(1, parts[i].length() - 1), path[i]);
                } else if (!parts[i].equals(path[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    /** What a route does with a request: answers its JSON. */
    @FunctionalInterface
    interface Handler {
        CompletableFuture<JsonNode> handle(Request request);
    }

    /** A request as a route sees it. */
    record Request(Map<String, String> path, QueryParams query, List<String> allowedQuery, JsonNode body,
            String authorization) {
        String tenant() {
            return query.get("tenant", "");
        }
    }

    private volatile JsonNode document;

    /** The OpenAPI document (made once). */
    JsonNode document() {
        JsonNode d = document;
        if (d == null) {
            d = RestApiDocument.of(this);
            document = d;
        }
        return d;
    }

    /** The routes, in the order the OpenAPI document lists them. */
    List<Route> routeList() {
        return List.copyOf(routes);
    }

    /** Routes that create something answer 201 Created; the others 200. */
    private static final java.util.Set<String> CREATING = java.util.Set.of("/stations", "/stations/{station}/messages",
            "/stations/{station}/groups", "/schemas", "/tenants", "/users", "/tokens", "/connectors");

    private void route(HttpMethod method, String pattern, Doc doc, Handler handler) {
        routes.add(new Route(method, pattern, method == HttpMethod.POST && CREATING.contains(pattern)
                ? HttpStatus.CREATED : HttpStatus.OK, doc, handler));
    }

    private void routes() {
        // Stations
        route(HttpMethod.GET, "/stations", doc("List stations (by name, paged with after)", List.of("after",
                "limit"), null, AdminGrpc.getListStationsMethod()), r -> admin(AdminGrpc.getListStationsMethod(), r,
                Map.of()));
        route(HttpMethod.POST, "/stations", doc("Create a station: its name and any station settings",
                List.of(), "CreateStation", AdminGrpc.getCreateStationMethod()), r -> {
            ObjectNode body = object(r.body());
            JsonNode name = body.remove("name");
            ObjectNode request = ProtoJson.MAPPER.createObjectNode();
            request.put("tenant", r.tenant());
            if (name != null) {
                request.set("name", name);
            }
            request.set("config", body);
            return unary(AdminGrpc.getCreateStationMethod(), request, r.authorization());
        });
        route(HttpMethod.GET, "/stations/{station}", doc("A station: settings, partitions, counts", List.of(), null,
                AdminGrpc.getGetStationMethod()), r -> admin(AdminGrpc.getGetStationMethod(), r,
                Map.of("name", r.path().get("station"))));
        route(HttpMethod.PATCH, "/stations/{station}", doc("Change a station's settings (the fields sent)",
                List.of(), "StationConfig", AdminGrpc.getUpdateStationMethod()), r -> {
            ObjectNode request = ProtoJson.MAPPER.createObjectNode();
            request.put("tenant", r.tenant());
            request.put("name", r.path().get("station"));
            request.set("config", object(r.body()));
            return unary(AdminGrpc.getUpdateStationMethod(), request, r.authorization());
        });
        route(HttpMethod.DELETE, "/stations/{station}", doc("Delete a station and everything in it", List.of(),
                null, AdminGrpc.getDeleteStationMethod()), r -> admin(AdminGrpc.getDeleteStationMethod(), r,
                Map.of("name", r.path().get("station"))));
        route(HttpMethod.POST, "/stations/{station}/clean", doc("Run retention (and compaction) now", List.of(),
                null, AdminGrpc.getCleanStationMethod()), r -> admin(AdminGrpc.getCleanStationMethod(), r,
                Map.of("name", r.path().get("station"))));
        route(HttpMethod.GET, "/stations/{station}/tier-status", doc("Tiered storage per partition: remote and "
                + "local ranges, uploads pending, the last upload and error", List.of(), null,
                AdminGrpc.getTierStatusMethod()), r -> admin(AdminGrpc.getTierStatusMethod(), r,
                Map.of("station", r.path().get("station"))));
        // Messages
        route(HttpMethod.POST, "/stations/{station}/messages", doc("Produce messages; answered once durable",
                List.of(), "ProduceBody", "Receipts"), this::produce);
        route(HttpMethod.GET, "/stations/{station}/messages", doc("Browse a partition's messages without a group "
                + "(from: earliest, latest, an offset, a time (ISO-8601), last:N; search: text in key, value or "
                + "headers); values decoded by their schema", List.of("partition", "from", "limit", "search"), null,
                "Browsed"), this::browse);
        // Groups
        route(HttpMethod.GET, "/stations/{station}/groups", doc("List a station's groups", List.of("after", "limit"),
                null, AdminGrpc.getListGroupsMethod()), r -> admin(AdminGrpc.getListGroupsMethod(), r,
                Map.of("station", r.path().get("station"))));
        route(HttpMethod.POST, "/stations/{station}/groups", doc("Create a group (name, start, ordering, "
                + "on_dead_letter, history)", List.of(), "CreateGroup", AdminGrpc.getCreateGroupMethod()), r -> {
            ObjectNode body = object(r.body());
            JsonNode name = body.remove("name");
            if (name != null) {
                body.set("group", name);
            }
            return withBody(AdminGrpc.getCreateGroupMethod(), r, body, Map.of("station", r.path().get("station")));
        });
        route(HttpMethod.GET, "/stations/{station}/groups/{group}", doc("A group: lag per partition, in flight, "
                + "members", List.of(), null, AdminGrpc.getGetGroupMethod()), r -> admin(AdminGrpc.getGetGroupMethod(),
                r, Map.of("station", r.path().get("station"), "group", r.path().get("group"))));
        route(HttpMethod.DELETE, "/stations/{station}/groups/{group}", doc("Delete a group (force: with members)",
                List.of("force"), null, AdminGrpc.getDeleteGroupMethod()), r -> admin(AdminGrpc.getDeleteGroupMethod(),
                r, Map.of("station", r.path().get("station"), "group", r.path().get("group"))));
        route(HttpMethod.POST, "/stations/{station}/groups/{group}/reset", doc("Move a group without members to a "
                + "position (earliest, latest, offset, timestamp_ms, last_n), on one partition or all", List.of(),
                "ResetGroup", AdminGrpc.getResetGroupMethod()), r -> withBody(AdminGrpc.getResetGroupMethod(), r,
                object(r.body()), Map.of("station", r.path().get("station"), "group", r.path().get("group"))));
        route(HttpMethod.POST, "/stations/{station}/groups/{group}/fetch", doc("Fetch up to max messages, leased to "
                + "the caller until settled or their ack timeout", List.of(), "FetchBody", "Fetched"), this::fetch);
        route(HttpMethod.POST, "/stations/{station}/groups/{group}/ack", doc("Ack fetched deliveries (answered once "
                + "durable)", List.of(), "SettleBody", "Settled"), r -> settle(r, "ack"));
        route(HttpMethod.POST, "/stations/{station}/groups/{group}/nack", doc("Hand fetched deliveries back "
                + "(delay_ms, error)", List.of(), "SettleBody", "Settled"), r -> settle(r, "nack"));
        route(HttpMethod.POST, "/stations/{station}/groups/{group}/dead-letter", doc("Dead-letter fetched "
                + "deliveries (reason); answered once stored", List.of(), "SettleBody", "Settled"),
                r -> settle(r, "dead_letter"));
        route(HttpMethod.POST, "/stations/{station}/groups/{group}/in-progress", doc("Extend fetched deliveries' "
                + "leases by an ack timeout", List.of(), "SettleBody", "Settled"), r -> settle(r, "in_progress"));
        // Dead letters
        route(HttpMethod.GET, "/stations/{station}/dead-letters", doc("A station's open dead letters (of group), "
                + "paged with after_id", List.of("group", "after_id", "limit"), null, "DeadLetters"), r -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("station", r.path().get("station"));
            return call(AdminGrpc.getListDeadLettersMethod(), request(AdminGrpc.getListDeadLettersMethod(), r,
                    null, fields), r.authorization())
                    .thenApply(list -> {
                        ObjectNode out = ProtoJson.MAPPER.createObjectNode();
                        ArrayNode letters = out.putArray("dead_letters");
                        String tenant = tenantOf(r);
                        list.getDeadLettersList().forEach(d -> letters.add(messages.deadLetter(tenant, d)));
                        return out;
                    });
        });
        route(HttpMethod.POST, "/stations/{station}/dead-letters/resend", doc("Resend dead letters to their group "
                + "(ids, or all; of group)", List.of(), "ResolveDeadLetters", AdminGrpc.getResendDeadLettersMethod()),
                r -> withBody(AdminGrpc.getResendDeadLettersMethod(), r, object(r.body()), Map.of("station",
                        r.path().get("station"))));
        route(HttpMethod.POST, "/stations/{station}/dead-letters/drop", doc("Drop dead letters (ids, or all; of "
                + "group)", List.of(), "ResolveDeadLetters", AdminGrpc.getDropDeadLettersMethod()),
                r -> withBody(AdminGrpc.getDropDeadLettersMethod(), r, object(r.body()), Map.of("station",
                        r.path().get("station"))));
        // Schemas
        route(HttpMethod.GET, "/schemas", doc("List schemas", List.of("after", "limit"), null,
                AdminGrpc.getListSchemasMethod()), r -> admin(AdminGrpc.getListSchemasMethod(), r, Map.of()));
        route(HttpMethod.POST, "/schemas", doc("Create a schema (name, type, definition, compatibility, "
                + "message_type)", List.of(), AdminGrpc.getCreateSchemaMethod(), AdminGrpc.getCreateSchemaMethod()),
                r -> withBody(AdminGrpc.getCreateSchemaMethod(), r, object(r.body()), Map.of()));
        route(HttpMethod.GET, "/schemas/{schema}", doc("A schema and its versions", List.of(), null,
                AdminGrpc.getGetSchemaMethod()), r -> admin(AdminGrpc.getGetSchemaMethod(), r, Map.of("name",
                r.path().get("schema"))));
        route(HttpMethod.DELETE, "/schemas/{schema}", doc("Delete a schema no station uses", List.of(), null,
                AdminGrpc.getDeleteSchemaMethod()), r -> admin(AdminGrpc.getDeleteSchemaMethod(), r, Map.of("name",
                r.path().get("schema"))));
        route(HttpMethod.POST, "/schemas/{schema}/versions", doc("Add a version; INCOMPATIBLE_SCHEMA says what "
                + "breaks", List.of(), AdminGrpc.getAddSchemaVersionMethod(), AdminGrpc.getAddSchemaVersionMethod()),
                r -> withBody(AdminGrpc.getAddSchemaVersionMethod(), r, object(r.body()), Map.of("name",
                        r.path().get("schema"))));
        route(HttpMethod.PUT, "/stations/{station}/schema", doc("Attach a schema to a station (schema, version)",
                List.of(), AdminGrpc.getAttachSchemaMethod(), AdminGrpc.getAttachSchemaMethod()),
                r -> withBody(AdminGrpc.getAttachSchemaMethod(), r, object(r.body()), Map.of("station",
                        r.path().get("station"))));
        route(HttpMethod.DELETE, "/stations/{station}/schema", doc("Detach a station's schema", List.of(), null,
                AdminGrpc.getDetachSchemaMethod()), r -> admin(AdminGrpc.getDetachSchemaMethod(), r,
                Map.of("station", r.path().get("station"))));
        // Connectors
        route(HttpMethod.GET, "/connectors", doc("List connectors (configuration without secrets, state, position, "
                + "lag, counts)", List.of(), null, ConnectGrpc.getListConnectorsMethod()),
                r -> admin(ConnectGrpc.getListConnectorsMethod(), r, Map.of()));
        route(HttpMethod.POST, "/connectors", doc("Create a connector (name, type, station, options, secrets) and "
                + "start it", List.of(), ConnectGrpc.getCreateConnectorMethod(),
                ConnectGrpc.getCreateConnectorMethod()),
                r -> withBody(ConnectGrpc.getCreateConnectorMethod(), r, object(r.body()), Map.of()));
        route(HttpMethod.GET, "/connectors/{connector}", doc("A connector: configuration, state, last error, "
                + "position, lag, counts, warnings", List.of(), null, ConnectGrpc.getGetConnectorMethod()),
                r -> admin(ConnectGrpc.getGetConnectorMethod(), r, Map.of("name", r.path().get("connector"))));
        route(HttpMethod.POST, "/connectors/{connector}/pause", doc("Stop a connector until resumed (across "
                + "restarts)", List.of(), null, ConnectGrpc.getPauseConnectorMethod()),
                r -> admin(ConnectGrpc.getPauseConnectorMethod(), r, Map.of("name", r.path().get("connector"))));
        route(HttpMethod.POST, "/connectors/{connector}/resume", doc("Start a paused connector again", List.of(),
                null, ConnectGrpc.getResumeConnectorMethod()),
                r -> admin(ConnectGrpc.getResumeConnectorMethod(), r, Map.of("name", r.path().get("connector"))));
        route(HttpMethod.DELETE, "/connectors/{connector}", doc("Delete a connector (its replication slot "
                + "dropped); warnings name what could not be released", List.of(), null,
                ConnectGrpc.getDeleteConnectorMethod()),
                r -> admin(ConnectGrpc.getDeleteConnectorMethod(), r, Map.of("name", r.path().get("connector"))));
        // Access
        route(HttpMethod.GET, "/whoami", doc("Who the credentials are", List.of(), null,
                AccessGrpc.getWhoAmIMethod()), r -> noTenant(AccessGrpc.getWhoAmIMethod(), r, Map.of()));
        route(HttpMethod.POST, "/login", doc("Exchange Basic credentials for a session token", List.of(), null,
                AccessGrpc.getLoginMethod()), r -> noTenant(AccessGrpc.getLoginMethod(), r, Map.of()));
        route(HttpMethod.POST, "/logout", doc("End the session whose token authenticates the call", List.of(), null,
                AccessGrpc.getLogoutMethod()), r -> noTenant(AccessGrpc.getLogoutMethod(), r, Map.of()));
        route(HttpMethod.GET, "/tenants", doc("List tenants (root: all; others: their own)", List.of(), null,
                AccessGrpc.getListTenantsMethod()), r -> noTenant(AccessGrpc.getListTenantsMethod(), r, Map.of()));
        route(HttpMethod.POST, "/tenants", doc("Create a tenant (root)", List.of(), AccessGrpc.getCreateTenantMethod(),
                AccessGrpc.getCreateTenantMethod()), r -> unary(AccessGrpc.getCreateTenantMethod(), object(r.body()),
                r.authorization()));
        route(HttpMethod.GET, "/tenants/{name}", doc("A tenant: stations, storage, limits", List.of(), null,
                AccessGrpc.getGetTenantMethod()), r -> noTenant(AccessGrpc.getGetTenantMethod(), r, Map.of("name",
                r.path().get("name"))));
        route(HttpMethod.PATCH, "/tenants/{name}", doc("Change a tenant's limits (the fields sent; root)", List.of(),
                "TenantLimits", AccessGrpc.getUpdateTenantMethod()), r -> {
            ObjectNode request = ProtoJson.MAPPER.createObjectNode();
            request.put("name", r.path().get("name"));
            request.set("limits", object(r.body()));
            return unary(AccessGrpc.getUpdateTenantMethod(), request, r.authorization());
        });
        route(HttpMethod.DELETE, "/tenants/{name}", doc("Delete a tenant (force: with its stations; root)",
                List.of("force"), null, AccessGrpc.getDeleteTenantMethod()), r -> {
            requireNoBody(r);
            ObjectNode request = ProtoJson.object(Map.of("name", r.path().get("name")));
            queryInto(r, request, AccessGrpc.getDeleteTenantMethod());
            return unary(AccessGrpc.getDeleteTenantMethod(), request, r.authorization());
        });
        route(HttpMethod.GET, "/users", doc("List users", List.of(), null, AccessGrpc.getListUsersMethod()),
                r -> admin(AccessGrpc.getListUsersMethod(), r, Map.of()));
        route(HttpMethod.POST, "/users", doc("Create a user (name, role, password, stations, deny_stations)",
                List.of(), AccessGrpc.getCreateUserMethod(), AccessGrpc.getCreateUserMethod()),
                r -> withBody(AccessGrpc.getCreateUserMethod(), r, object(r.body()), Map.of()));
        route(HttpMethod.GET, "/users/{user}", doc("A user", List.of(), null, AccessGrpc.getGetUserMethod()),
                r -> admin(AccessGrpc.getGetUserMethod(), r, Map.of("name", r.path().get("user"))));
        route(HttpMethod.DELETE, "/users/{user}", doc("Delete a user", List.of(), null,
                AccessGrpc.getDeleteUserMethod()), r -> admin(AccessGrpc.getDeleteUserMethod(), r, Map.of("name",
                r.path().get("user"))));
        route(HttpMethod.POST, "/users/{user}/password", doc("Set a user's password", List.of(),
                AccessGrpc.getSetPasswordMethod(), AccessGrpc.getSetPasswordMethod()),
                r -> withBody(AccessGrpc.getSetPasswordMethod(), r, object(r.body()), Map.of("name",
                        r.path().get("user"))));
        route(HttpMethod.GET, "/tokens", doc("List API tokens (never their secrets)", List.of(), null,
                AccessGrpc.getListTokensMethod()), r -> admin(AccessGrpc.getListTokensMethod(), r, Map.of()));
        route(HttpMethod.POST, "/tokens", doc("Create an API token; its secret is shown this once", List.of(),
                AccessGrpc.getCreateTokenMethod(), AccessGrpc.getCreateTokenMethod()),
                r -> withBody(AccessGrpc.getCreateTokenMethod(), r, object(r.body()), Map.of()));
        route(HttpMethod.DELETE, "/tokens/{token}", doc("Revoke an API token", List.of(), null,
                AccessGrpc.getRevokeTokenMethod()), r -> admin(AccessGrpc.getRevokeTokenMethod(), r, Map.of("name",
                r.path().get("token"))));
        route(HttpMethod.GET, "/audit", doc("The tenant's audit log, paged with after_id", List.of("since_ms",
                "after_id", "limit"), null, AccessGrpc.getListAuditMethod()), r -> admin(
                AccessGrpc.getListAuditMethod(), r, Map.of()));
    }

    /**
     * What the OpenAPI document says of a route: a summary, the query parameters it takes (besides
     * {@code tenant}), its body and its answer — each a gRPC method (its request or response message), the name of
     * one of {@link RestApiDocument}'s own schemas, or null (none).
     */
    record Doc(String summary, List<String> query, Object body, Object answer) {
    }

    private static Doc doc(String summary, List<String> query, Object body, Object answer) {
        return new Doc(summary, query, body, answer);
    }

    // ----- building requests ----------------------------------------------------------------------------------

    /** A call whose request is the path's fields, the tenant and the named query parameters (no body). */
    private <Q extends Message, R extends Message> CompletableFuture<JsonNode> admin(MethodDescriptor<Q, R> method,
            Request r, Map<String, String> fields) {
        requireNoBody(r);
        return unary(method, request(method, r, null, new LinkedHashMap<>(fields)), r.authorization());
    }

    /** A call whose request is the body, with the path's fields and the tenant set over it. */
    private <Q extends Message, R extends Message> CompletableFuture<JsonNode> withBody(
            MethodDescriptor<Q, R> method, Request r, ObjectNode body, Map<String, String> fields) {
        return unary(method, request(method, r, body, new LinkedHashMap<>(fields)), r.authorization());
    }

    /** A call of the Access service whose request has no tenant field of the caller's (whoami, tenants). */
    private <Q extends Message, R extends Message> CompletableFuture<JsonNode> noTenant(MethodDescriptor<Q, R> method,
            Request r, Map<String, String> fields) {
        ObjectNode body = r.body() == null ? ProtoJson.MAPPER.createObjectNode() : object(r.body());
        fields.forEach(body::put);
        return unary(method, body, r.authorization());
    }

    private <Q extends Message, R extends Message> ObjectNode request(MethodDescriptor<Q, R> method, Request r,
            ObjectNode body, Map<String, Object> fields) {
        ObjectNode request = body == null ? ProtoJson.MAPPER.createObjectNode() : body;
        Descriptor type = descriptor(method);
        if (type.findFieldByName("tenant") != null) {
            request.put("tenant", r.tenant());
        }
        fields.forEach((k, v) -> request.set(k, ProtoJson.MAPPER.valueToTree(v)));
        queryInto(r, request, method);
        return request;
    }

    /** Any query parameter but {@code tenant} and those the route takes is INVALID_ARGUMENT. */
    private static void checkQuery(QueryParams query, List<String> allowed) {
        for (String name : query.names()) {
            if (!name.equals("tenant") && !allowed.contains(name)) {
                throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "unknown query parameter '" + quote(name)
                        + "'" + (allowed.isEmpty() ? "" : "; this route takes " + String.join(", ", allowed)));
            }
        }
    }

    /** The route's query parameters into the request, typed by its fields. */
    private static void queryInto(Request r, ObjectNode request, MethodDescriptor<?, ?> method) {
        Descriptor type = descriptor(method);
        for (String name : r.allowedQuery()) {
            String value = r.query().get(name);
            if (value == null) {
                continue;
            }
            FieldDescriptor f = type.findFieldByName(name);
            switch (f.getJavaType()) {
                case INT, LONG -> {
                    try {
                        request.put(name, Long.parseLong(value));
                    } catch (NumberFormatException e) {
                        throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "query parameter '" + name
                                + "' must be a whole number, was '" + quote(value) + "'");
                    }
                }
                case BOOLEAN -> {
                    if (!value.equals("true") && !value.equals("false")) {
                        throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "query parameter '" + name
                                + "' must be true or false, was '" + quote(value) + "'");
                    }
                    request.put(name, Boolean.parseBoolean(value));
                }
                default -> request.put(name, value);
            }
        }
    }

    static Descriptor descriptor(MethodDescriptor<?, ?> method) {
        return ((io.grpc.protobuf.ProtoMethodDescriptorSupplier) method.getSchemaDescriptor()).getMethodDescriptor()
                .getInputType();
    }

    private static void requireNoBody(Request r) {
        if (r.body() != null && !(r.body().isObject() && r.body().isEmpty())) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "this route takes no request body");
        }
    }

    private static ObjectNode object(JsonNode body) {
        if (body == null) {
            return ProtoJson.MAPPER.createObjectNode();
        }
        if (!body.isObject()) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "the request body must be a JSON object");
        }
        return ((ObjectNode) body).deepCopy();
    }

    @SuppressWarnings("unchecked")
    private <Q extends Message, R extends Message> CompletableFuture<JsonNode> unary(MethodDescriptor<Q, R> method,
            ObjectNode json, String authorization) {
        return call(method, json, authorization).thenApply(ProtoJson::toJson);
    }

    @SuppressWarnings("unchecked")
    private <Q extends Message, R extends Message> CompletableFuture<R> call(MethodDescriptor<Q, R> method,
            ObjectNode json, String authorization) {
        Message.Builder builder = ((io.grpc.MethodDescriptor.PrototypeMarshaller<Q>) method
                .getRequestMarshaller()).getMessagePrototype().newBuilderForType();
        Q request = (Q) ProtoJson.read(json, builder).build();
        return calls.unary(method, request, authorization);
    }

    // ----- messages -------------------------------------------------------------------------------------------

    private CompletableFuture<JsonNode> produce(Request r) {
        String station = r.path().get("station");
        ProduceRequest request = messages.produceRequest(r.tenant(), station, object(r.body()), tenantOf(r));
        return calls.call(ProduceGrpc.getProduceMethod(), request, r.authorization()).thenApply(responses -> {
            if (responses.size() != 1) {
                throw new BrokerException(ErrorCode.INTERNAL, "produce answered " + responses.size() + " times");
            }
            ProduceResponse response = responses.get(0);
            if (response.hasError()) {
                throw new RestError(ErrorCode.valueOf(response.getError().getCode().name()),
                        response.getError().getMessage(), response.getRejectedList().isEmpty() ? null
                        : rejected(response));
            }
            ObjectNode out = ProtoJson.MAPPER.createObjectNode();
            ArrayNode receipts = out.putArray("receipts");
            response.getReceiptsList().forEach(receipt -> receipts.add(ProtoJson.toJson(receipt)));
            return out;
        });
    }

    private static ArrayNode rejected(ProduceResponse response) {
        ArrayNode list = ProtoJson.MAPPER.createArrayNode();
        response.getRejectedList().forEach(x -> list.add(ProtoJson.toJson(x)));
        return list;
    }

    private CompletableFuture<JsonNode> browse(Request r) {
        ObjectNode request = ProtoJson.MAPPER.createObjectNode();
        request.put("tenant", r.tenant());
        request.put("station", r.path().get("station"));
        String partition = r.query().get("partition");
        if (partition != null) {
            request.put("partition", integer("partition", partition));
        }
        String limit = r.query().get("limit");
        if (limit != null) {
            request.put("limit", integer("limit", limit));
        }
        String search = r.query().get("search");
        if (search != null) {
            request.put("search", search);
        }
        String from = r.query().get("from");
        if (from != null) {
            request.set("from", position(from));
        }
        return call(AdminGrpc.getBrowseMessagesMethod(), request, r.authorization()).thenApply(page -> {
            String tenant = tenantOf(r);
            ObjectNode out = ProtoJson.MAPPER.createObjectNode();
            ArrayNode list = out.putArray("messages");
            page.getMessagesList().forEach(m -> list.add(messages.browsed(tenant, m)));
            out.put("next_offset", page.getNextOffset());
            out.put("end_reached", page.getEndReached());
            out.put("first_offset", page.getFirstOffset());
            out.put("end_offset", page.getEndOffset());
            return out;
        });
    }

    /** {@code earliest}, {@code latest}, an offset, a time (ISO-8601) or {@code last:N} as a StartPosition. */
    static ObjectNode position(String from) {
        ObjectNode p = ProtoJson.MAPPER.createObjectNode();
        if (from.equals("earliest") || from.equals("latest")) {
            return p.put(from, true);
        }
        if (from.startsWith("last:")) {
            return p.put("last_n", integer("from", from.substring(5)));
        }
        if (from.matches("[0-9]{1,19}")) {
            return p.put("offset", integer("from", from));
        }
        try {
            return p.put("timestamp_ms", java.time.OffsetDateTime.parse(from).toInstant().toEpochMilli());
        } catch (java.time.format.DateTimeParseException e) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "from must be earliest, latest, an offset, a time "
                    + "(ISO-8601, e.g. 2026-12-01T10:00:00Z) or last:N, was '" + quote(from) + "'");
        }
    }

    private static long integer(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "query parameter '" + name + "' must be a whole "
                    + "number, was '" + quote(value) + "'");
        }
    }

    private CompletableFuture<JsonNode> fetch(Request r) {
        ObjectNode body = object(r.body());
        body.put("tenant", r.tenant());
        body.put("station", r.path().get("station"));
        body.put("group", r.path().get("group"));
        return call(ConsumeGrpc.getFetchMethod(), body, r.authorization()).thenApply(response -> {
            ObjectNode out = ProtoJson.MAPPER.createObjectNode();
            ArrayNode list = out.putArray("messages");
            String tenant = tenantOf(r);
            response.getMessagesList().forEach(m -> list.add(messages.delivered(tenant, m)));
            out.put("ack_timeout_ms", response.getAckTimeoutMs());
            return out;
        });
    }

    /**
     * Ack, nack, dead-letter or in-progress of fetched deliveries: {@code {"delivery_ids":[...]}} plus
     * {@code delay_ms} and {@code error} for a nack, {@code reason} for a dead-letter.
     */
    private CompletableFuture<JsonNode> settle(Request r, String kind) {
        ObjectNode body = object(r.body());
        JsonNode ids = body.remove("delivery_ids");
        if (ids == null || !ids.isArray()) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "delivery_ids must be an array of the ids fetch "
                    + "answered");
        }
        if (ids.size() > ConsumeService.MAX_REFS_PER_REQUEST) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "delivery_ids names " + ids.size()
                    + " deliveries, more than the limit of " + ConsumeService.MAX_REFS_PER_REQUEST + " per request");
        }
        ArrayNode refs = body.putArray("messages");
        for (JsonNode id : ids) {
            refs.add(RestMessages.ref(id));
        }
        ObjectNode request = ProtoJson.MAPPER.createObjectNode();
        request.put("tenant", r.tenant());
        request.put("station", r.path().get("station"));
        request.put("group", r.path().get("group"));
        request.set(kind, body);
        return call(ConsumeGrpc.getSettleMethod(), request, r.authorization()).thenApply(response -> {
            ObjectNode out = ProtoJson.MAPPER.createObjectNode();
            out.put("settled", response.getSettled());
            ArrayNode stale = out.putArray("stale");
            response.getStaleList().forEach(ref -> stale.add(RestMessages.deliveryId(ref)));
            return out;
        });
    }

    // ----- serving ----------------------------------------------------------------------------------------------

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        ctx.setMaxRequestLength(MAX_BODY_BYTES);
        CompletableFuture<HttpResponse> response = req.aggregate().thenApplyAsync(agg -> answer(ctx, agg),
                ctx.blockingTaskExecutor()).thenCompose(Function.identity()).exceptionally(RestGateway::error);
        return HttpResponse.of(response);
    }

    private CompletableFuture<HttpResponse> answer(ServiceRequestContext ctx, AggregatedHttpRequest req) {
        String path = ctx.path();
        if (!path.startsWith(PREFIX + "/")) {
            throw new RestError(ErrorCode.INVALID_ARGUMENT, "no such route: " + quote(path), null, HttpStatus.NOT_FOUND);
        }
        if (path.equals(PREFIX + "/openapi.json") && req.method() == HttpMethod.GET) {
            return CompletableFuture.completedFuture(json(HttpStatus.OK, document()));
        }
        String[] segments = path.substring(PREFIX.length() + 1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = java.net.URLDecoder.decode(segments[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            if (s.isEmpty() || s.equals(".") || s.equals("..") || s.contains("/") || s.contains("\\")) {
                throw new RestError(ErrorCode.INVALID_NAME, "path segment '" + quote(s) + "' is not a name",
                        null, HttpStatus.BAD_REQUEST);
            }
            segments[i] = s;
        }
        boolean pathMatched = false;
        for (Route route : routes) {
            Map<String, String> params = route.match(segments);
            if (params == null) {
                continue;
            }
            if (route.method() != req.method()) {
                pathMatched = true;
                continue;
            }
            QueryParams query = QueryParams.fromQueryString(ctx.query());
            checkQuery(query, route.doc().query());
            Request request = new Request(params, query, route.doc().query(), body(req),
                    req.headers().get(HttpHeaderNames.AUTHORIZATION));
            return route.handler().handle(request).thenApply(json -> json(route.success(), json));
        }
        if (pathMatched) {
            throw new RestError(ErrorCode.INVALID_ARGUMENT, req.method() + " is not allowed on " + quote(path), null,
                    HttpStatus.METHOD_NOT_ALLOWED);
        }
        throw new RestError(ErrorCode.INVALID_ARGUMENT, "no such route: " + req.method() + " " + quote(path), null,
                HttpStatus.NOT_FOUND);
    }

    /** The body as JSON; null when empty. INVALID_ARGUMENT when it is not JSON or not sent as JSON. */
    private static JsonNode body(AggregatedHttpRequest req) {
        if (req.content().isEmpty()) {
            return null;
        }
        MediaType type = req.contentType();
        if (type != null && !type.is(MediaType.JSON) && !type.subtype().endsWith("+json")) {
            throw new RestError(ErrorCode.INVALID_ARGUMENT, "the request body must be JSON (Content-Type: "
                    + "application/json), was " + type, null, HttpStatus.UNSUPPORTED_MEDIA_TYPE);
        }
        try {
            JsonNode node = ProtoJson.MAPPER.readTree(req.content().array());
            return node;
        } catch (java.io.IOException e) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "the request body is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    static HttpResponse json(HttpStatus status, JsonNode json) {
        try {
            return HttpResponse.of(ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store").build(),
                    com.linecorp.armeria.common.HttpData.wrap(ProtoJson.MAPPER.writeValueAsBytes(json)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A failure as the HTTP status of its code and {@code {"code","message"}}. */
    static HttpResponse error(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        ErrorCode code;
        String message;
        HttpStatus status = null;
        JsonNode rejected = null;
        if (t instanceof RestError e) {
            code = e.code;
            message = e.getMessage();
            status = e.status;
            rejected = e.rejected;
        } else if (t instanceof BrokerException e) {
            code = e.code();
            message = e.getMessage();
        } else if (t instanceof io.junction.security.AccessException e) {
            code = e.code();
            message = e.getMessage();
        } else if (t instanceof StatusRuntimeException e) {
            java.util.Optional<io.junction.api.v1.Error> error = Errors.fromStatus(e);
            code = error.map(x -> ErrorCode.valueOf(x.getCode().name())).orElse(ErrorCode.INTERNAL);
            message = error.map(io.junction.api.v1.Error::getMessage).orElse(e.getStatus().getDescription());
        } else if (t instanceof com.linecorp.armeria.common.ContentTooLargeException) {
            code = ErrorCode.MESSAGE_TOO_LARGE;
            message = "the request body is larger than the limit of " + MAX_BODY_BYTES + " bytes";
        } else {
            LOG.log(System.Logger.Level.WARNING, "REST request failed", t);
            code = ErrorCode.INTERNAL;
            message = String.valueOf(t);
        }
        ObjectNode body = ProtoJson.MAPPER.createObjectNode();
        body.put("code", code.name());
        body.put("message", message == null ? "" : message);
        if (rejected != null) {
            body.set("rejected", rejected);
        }
        HttpResponse response = json(status != null ? status : status(code), body);
        if (code == ErrorCode.UNAUTHENTICATED) {
            return response.mapHeaders(h -> h.toBuilder().set(HttpHeaderNames.WWW_AUTHENTICATE,
                    "Bearer realm=\"junction\"").build());
        }
        return response;
    }

    private static final System.Logger LOG = System.getLogger(RestGateway.class.getName());

    /**
     * What the server answers under {@code /api/} when it refuses a request before any route sees it (a path it
     * cannot normalize, a body over the limit): the same {@code {"code","message"}} JSON as the routes' errors.
     */
    static final com.linecorp.armeria.server.ServerErrorHandler ERRORS = new com.linecorp.armeria.server
            .ServerErrorHandler() {
        @Override
        public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
            return null; // the default handling
        }

        @Override
        public com.linecorp.armeria.common.AggregatedHttpResponse onProtocolViolation(
                com.linecorp.armeria.server.ServiceConfig config, com.linecorp.armeria.common.RequestHeaders headers,
                HttpStatus status, String description, Throwable cause) {
            return renderStatus(null, config, headers, status, description, cause);
        }

        @Override
        public com.linecorp.armeria.common.AggregatedHttpResponse renderStatus(ServiceRequestContext ctx,
                com.linecorp.armeria.server.ServiceConfig config, com.linecorp.armeria.common.RequestHeaders headers,
                HttpStatus status, String description, Throwable cause) {
            if (headers != null && !headers.path().startsWith("/api/")) {
                return null; // the web UI's, gRPC's, health's own (a request too broken to read has no headers)
            }
            ErrorCode code = switch (status.code()) {
                case 401 -> ErrorCode.UNAUTHENTICATED;
                case 403 -> ErrorCode.PERMISSION_DENIED;
                case 413 -> ErrorCode.MESSAGE_TOO_LARGE;
                case 503 -> ErrorCode.SHUTTING_DOWN;
                default -> status.code() >= 500 ? ErrorCode.INTERNAL : ErrorCode.INVALID_ARGUMENT;
            };
            String message = code == ErrorCode.MESSAGE_TOO_LARGE ? "the request body is larger than the limit of "
                    + MAX_BODY_BYTES + " bytes" : "the request was refused: " + status.reasonPhrase()
                    + (description == null ? "" : " (" + description + ")");
            ObjectNode body = ProtoJson.MAPPER.createObjectNode();
            body.put("code", code.name());
            body.put("message", message);
            try {
                return com.linecorp.armeria.common.AggregatedHttpResponse.of(ResponseHeaders.builder(status)
                        .contentType(MediaType.JSON_UTF_8).set("x-content-type-options", "nosniff")
                        .set(HttpHeaderNames.CACHE_CONTROL, "no-store").build(),
                        com.linecorp.armeria.common.HttpData.wrap(ProtoJson.MAPPER.writeValueAsBytes(body)));
            } catch (JsonProcessingException e) {
                return null;
            }
        }
    };

    /** The HTTP status of each code (docs/rest.md lists them). */
    static HttpStatus status(ErrorCode code) {
        return switch (code) {
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
            case UNKNOWN_TENANT, UNKNOWN_STATION, UNKNOWN_GROUP, UNKNOWN_DEAD_LETTER, UNKNOWN_SCHEMA, UNKNOWN_USER,
                    UNKNOWN_TOKEN, UNKNOWN_CONNECTOR -> HttpStatus.NOT_FOUND;
            case STATION_EXISTS, SCHEMA_EXISTS, TENANT_EXISTS, USER_EXISTS, TOKEN_EXISTS, CONNECTOR_EXISTS,
                    GROUP_IN_USE, SCHEMA_IN_USE,
                    TENANT_NOT_EMPTY, INCOMPATIBLE_SCHEMA, STALE_DELIVERY -> HttpStatus.CONFLICT;
            case SCHEMA_VIOLATION -> HttpStatus.UNPROCESSABLE_ENTITY;
            case MESSAGE_TOO_LARGE -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
            case LOGIN_THROTTLED, QUOTA_EXCEEDED -> HttpStatus.TOO_MANY_REQUESTS;
            case SHUTTING_DOWN, UNAVAILABLE, SLOW_CONSUMER -> HttpStatus.SERVICE_UNAVAILABLE;
            case STORAGE_FULL -> HttpStatus.INSUFFICIENT_STORAGE;
            case INTERNAL, STORAGE_ERROR -> HttpStatus.INTERNAL_SERVER_ERROR;
            default -> HttpStatus.BAD_REQUEST; // INVALID_*, OFFSET_OUT_OF_RANGE
        };
    }

    static String quote(String s) {
        String shown = s.length() <= 64 ? s : s.substring(0, 64) + "...";
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    /** A refusal of the gateway itself (a route, a body), or a produce error with its rejected messages. */
    static final class RestError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final ErrorCode code;
        final transient JsonNode rejected;
        final transient HttpStatus status;

        RestError(ErrorCode code, String message, JsonNode rejected) {
            this(code, message, rejected, null);
        }

        RestError(ErrorCode code, String message, JsonNode rejected, HttpStatus status) {
            super(message, null, false, false);
            this.code = code;
            this.rejected = rejected;
            this.status = status;
        }
    }
}
