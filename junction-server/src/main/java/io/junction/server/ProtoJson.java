package io.junction.server;

import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import io.junction.broker.BrokerException;
import io.junction.errors.ErrorCode;

/**
 * The REST gateway's JSON for the gRPC messages: field names as in the .proto (snake_case), every field shown
 * (defaults too, so a client sees the whole shape), 64-bit integers as JSON numbers (offsets and times stay far
 * below 2^53), bytes as Base64, enums by name. Requests are read by protobuf's own JSON parser, strict: an unknown
 * field or a value of the wrong type is INVALID_ARGUMENT naming it.
 */
final class ProtoJson {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();

    private ProtoJson() {
    }

    static ObjectNode toJson(Message message) {
        ObjectNode node = MAPPER.createObjectNode();
        for (FieldDescriptor f : message.getDescriptorForType().getFields()) {
            if (f.hasPresence() && !f.isRepeated() && !message.hasField(f)) {
                if (f.getRealContainingOneof() == null && f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                    node.putNull(f.getName()); // a proto3 optional scalar not set
                }
                continue; // an unset message or oneof member: left out
            }
            Object value = message.getField(f);
            if (f.isMapField()) {
                ObjectNode map = node.putObject(f.getName());
                for (Object entry : (java.util.List<?>) value) {
                    Message e = (Message) entry;
                    FieldDescriptor k = e.getDescriptorForType().findFieldByName("key");
                    FieldDescriptor v = e.getDescriptorForType().findFieldByName("value");
                    map.set(String.valueOf(e.getField(k)), scalar(v, e.getField(v)));
                }
            } else if (f.isRepeated()) {
                ArrayNode array = node.putArray(f.getName());
                for (Object item : (java.util.List<?>) value) {
                    array.add(scalar(f, item));
                }
            } else {
                node.set(f.getName(), scalar(f, value));
            }
        }
        return node;
    }

    private static JsonNode scalar(FieldDescriptor f, Object value) {
        return switch (f.getJavaType()) {
            case MESSAGE -> toJson((Message) value);
            case INT -> MAPPER.getNodeFactory().numberNode((Integer) value);
            case LONG -> MAPPER.getNodeFactory().numberNode((Long) value);
            case FLOAT -> MAPPER.getNodeFactory().numberNode((Float) value);
            case DOUBLE -> MAPPER.getNodeFactory().numberNode((Double) value);
            case BOOLEAN -> MAPPER.getNodeFactory().booleanNode((Boolean) value);
            case STRING -> MAPPER.getNodeFactory().textNode((String) value);
            case BYTE_STRING -> MAPPER.getNodeFactory().textNode(Base64.getEncoder().encodeToString(
                    ((ByteString) value).toByteArray()));
            case ENUM -> MAPPER.getNodeFactory().textNode(((EnumValueDescriptor) value).getName());
        };
    }

    /** Reads {@code json} into {@code builder}; INVALID_ARGUMENT naming what is wrong. */
    static <B extends Message.Builder> B read(JsonNode json, B builder) {
        try {
            PARSER.merge(MAPPER.writeValueAsString(json), builder);
            return builder;
        } catch (InvalidProtocolBufferException | com.fasterxml.jackson.core.JsonProcessingException
                | RuntimeException e) {
            throw new BrokerException(ErrorCode.INVALID_ARGUMENT, "the request body does not fit "
                    + builder.getDescriptorForType().getName() + ": " + e.getMessage());
        }
    }

    /** A JSON object of the given fields (nulls left out), for building requests from paths and queries. */
    static ObjectNode object(Map<String, ?> fields) {
        ObjectNode node = MAPPER.createObjectNode();
        fields.forEach((k, v) -> {
            if (v != null) {
                node.set(k, MAPPER.valueToTree(v));
            }
        });
        return node;
    }
}
