package io.junction.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import io.grpc.MethodDescriptor;

/**
 * The OpenAPI 3.1 document of the REST gateway, made from its routes: each route's path, parameters, body and
 * answer, the answers' schemas made from the protos exactly as {@link ProtoJson} writes them (every field present
 * but unset messages and oneof members; 64-bit integers as numbers; no other property), plus the gateway's own
 * shapes (messages, fetch, settle, dead letters, errors) from {@code rest-schemas.json}. Served at
 * {@code /api/v1/openapi.json}; RestOpenApiTest checks real answers against it.
 */
final class RestApiDocument {

    private RestApiDocument() {
    }

    static ObjectNode of(RestGateway gateway) {
        ObjectNode doc = ProtoJson.MAPPER.createObjectNode();
        doc.put("openapi", "3.1.0");
        ObjectNode info = doc.putObject("info");
        info.put("title", "Junction REST gateway");
        info.put("version", "v1");
        info.put("description", "Stations, messages, groups, dead letters, schemas and access as JSON; the same "
                + "authentication, permissions and error codes as the gRPC API (docs/rest.md).");
        doc.putArray("servers").addObject().put("url", RestGateway.PREFIX);
        ObjectNode components = doc.putObject("components");
        ObjectNode security = components.putObject("securitySchemes");
        security.putObject("bearer").put("type", "http").put("scheme", "bearer");
        security.putObject("basic").put("type", "http").put("scheme", "basic");
        ArrayNode anyOf = doc.putArray("security");
        anyOf.addObject().putArray("bearer");
        anyOf.addObject().putArray("basic");
        anyOf.addObject(); // a loopback caller of a server in the default mode needs none

        Map<String, JsonNode> schemas = new TreeMap<>();
        Deque<Descriptor> pending = new ArrayDeque<>();
        JsonNode own = own();
        own.properties().forEach(e -> schemas.put(e.getKey(), e.getValue()));
        pending.add(io.junction.api.v1.Receipt.getDescriptor());
        pending.add(io.junction.api.v1.Rejected.getDescriptor());
        pending.add(io.junction.api.v1.StartPosition.getDescriptor());
        pending.add(io.junction.api.v1.StationConfig.getDescriptor());
        pending.add(io.junction.api.v1.TenantLimits.getDescriptor());

        ObjectNode paths = doc.putObject("paths");
        for (RestGateway.Route route : gateway.routeList()) {
            ObjectNode path = paths.has(route.pattern()) ? (ObjectNode) paths.get(route.pattern())
                    : paths.putObject(route.pattern());
            ObjectNode operation = path.putObject(route.method().name().toLowerCase(java.util.Locale.ROOT));
            operation.put("summary", route.doc().summary());
            operation.put("operationId", (route.method().name() + route.pattern()).toLowerCase(java.util.Locale.ROOT)
                    .replaceAll("[^a-z0-9]+", "_").replaceAll("_$", ""));
            ArrayNode parameters = operation.putArray("parameters");
            for (String segment : route.pattern().split("/")) {
                if (segment.startsWith("{")) {
                    ObjectNode p = parameters.addObject();
                    p.put("name", segment.substring(1, segment.length() - 1));
                    p.put("in", "path");
                    p.put("required", true);
                    p.putObject("schema").put("type", "string");
                }
            }
            ObjectNode tenant = parameters.addObject();
            tenant.put("name", "tenant");
            tenant.put("in", "query");
            tenant.put("description", "the tenant to act in; absent: the caller's own (another: root only)");
            tenant.putObject("schema").put("type", "string");
            for (String q : route.doc().query()) {
                ObjectNode p = parameters.addObject();
                p.put("name", q);
                p.put("in", "query");
                p.putObject("schema").put("type", q.equals("force") ? "boolean" : q.equals("after") || q.equals(
                        "group") ? "string" : "integer");
            }
            Object body = route.doc().body();
            if (body != null) {
                ObjectNode content = operation.putObject("requestBody").put("required", true).putObject("content")
                        .putObject("application/json");
                content.set("schema", ref(body, pending, true));
            }
            ObjectNode responses = operation.putObject("responses");
            ObjectNode ok = responses.putObject(Integer.toString(route.success().code()));
            ok.put("description", "OK");
            ok.putObject("content").putObject("application/json").set("schema", ref(route.doc().answer(), pending,
                    false));
            ObjectNode error = responses.putObject("default");
            error.put("description", "an error: the HTTP status of its code, and the code (docs/rest.md)");
            error.putObject("content").putObject("application/json").putObject("schema").put("$ref",
                    "#/components/schemas/Error");
        }
        while (!pending.isEmpty()) {
            Descriptor d = pending.poll();
            if (!schemas.containsKey(d.getName())) {
                schemas.put(d.getName(), message(d, pending));
            }
        }
        // A new station: its name and any of its settings.
        ObjectNode create = ((ObjectNode) schemas.get("StationConfig")).deepCopy();
        ((ObjectNode) create.get("properties")).putObject("name").put("type", "string");
        create.putArray("required").add("name");
        create.put("description", "the station's name and any of its settings; 0 or absent: the default");
        schemas.put("CreateStation", create);
        ObjectNode all = components.putObject("schemas");
        schemas.forEach(all::set);
        return doc;
    }

    /** A route's body or answer: a gRPC method's request or response, one of our own schemas, or none. */
    private static JsonNode ref(Object what, Deque<Descriptor> pending, boolean request) {
        ObjectNode node = ProtoJson.MAPPER.createObjectNode();
        if (what instanceof MethodDescriptor<?, ?> method) {
            com.google.protobuf.Descriptors.MethodDescriptor m = ((io.grpc.protobuf.ProtoMethodDescriptorSupplier)
                    method.getSchemaDescriptor()).getMethodDescriptor();
            Descriptor d = request ? m.getInputType() : m.getOutputType();
            pending.add(d);
            node.put("$ref", "#/components/schemas/" + d.getName());
        } else {
            node.put("$ref", "#/components/schemas/" + what);
        }
        return node;
    }

    /** A proto message's JSON as {@link ProtoJson} writes it. */
    private static ObjectNode message(Descriptor d, Deque<Descriptor> pending) {
        ObjectNode schema = ProtoJson.MAPPER.createObjectNode();
        schema.put("type", "object");
        schema.put("additionalProperties", false);
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (FieldDescriptor f : d.getFields()) {
            boolean message = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
            boolean oneof = f.getRealContainingOneof() != null;
            ObjectNode type;
            if (f.isMapField()) {
                type = ProtoJson.MAPPER.createObjectNode().put("type", "object");
                type.set("additionalProperties", scalar(f.getMessageType().findFieldByName("value"), pending));
            } else if (f.isRepeated()) {
                type = ProtoJson.MAPPER.createObjectNode().put("type", "array");
                type.set("items", scalar(f, pending));
            } else {
                type = scalar(f, pending);
                if (f.hasPresence() && !message && !oneof) { // proto3 optional: null when not set
                    type.putArray("type").add(type.remove("type").asText()).add("null");
                }
            }
            properties.set(f.getName(), type);
            if (f.isRepeated() || !(message || oneof)) {
                required.add(f.getName());
            }
        }
        return schema;
    }

    private static ObjectNode scalar(FieldDescriptor f, Deque<Descriptor> pending) {
        ObjectNode type = ProtoJson.MAPPER.createObjectNode();
        switch (f.getJavaType()) {
            case MESSAGE -> {
                pending.add(f.getMessageType());
                type.put("$ref", "#/components/schemas/" + f.getMessageType().getName());
            }
            case INT, LONG -> type.put("type", "integer");
            case FLOAT, DOUBLE -> type.put("type", "number");
            case BOOLEAN -> type.put("type", "boolean");
            case STRING -> type.put("type", "string");
            case BYTE_STRING -> type.put("type", "string").put("contentEncoding", "base64");
            case ENUM -> {
                type.put("type", "string");
                ArrayNode values = type.putArray("enum");
                for (EnumValueDescriptor v : f.getEnumType().getValues()) {
                    values.add(v.getName());
                }
            }
        }
        return type;
    }

    private static JsonNode own() {
        try (InputStream in = RestApiDocument.class.getResourceAsStream("rest-schemas.json")) {
            return ProtoJson.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rest-schemas.json", e);
        }
    }
}
