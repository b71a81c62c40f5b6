package io.junction.connect.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import io.junction.broker.Delivery;
import io.junction.broker.Header;

/**
 * The JSON body of one delivery's POST (docs/connectors.md, "http-sink"):
 *
 * <pre>
 * {"station": "employees", "partition": 0, "offset": 41, "deliveries": 1,
 *  "timestamp": "2026-12-02T14:00:00.123Z", "msg_id": "e-17" (only when the message has one),
 *  "key": "emp-17",                       (or "key_base64": "..." when not UTF-8; null when keyless)
 *  "value": {"name": "Ada"},              (see below)
 *  "value_format": "json",                ("json", "text", "base64"; absent for a tombstone)
 *  "headers": {"source": "hr"},           (UTF-8 values; a header whose value is not UTF-8 goes to
 *  "headers_base64": {"blob": "AAE="}      headers_base64, present only then)}
 * </pre>
 *
 * The value: when its bytes are exactly one JSON object or array (strict JSON, UTF-8) it is embedded as JSON
 * ({@code value_format} json); else when they are valid UTF-8 it is a JSON string (text); else it is
 * {@code value_base64} (base64). A tombstone (no value) has {@code "value": null}. Headers of the broker's own
 * ({@code junction-*}) are left out; the msg-id is {@code msg_id}. A repeated header keeps its last value.
 * Stateless and thread-safe.
 */
final class DeliveryBody {

    static final String MSG_ID_HEADER = "junction-msg-id";
    static final String RESERVED_HEADER_PREFIX = "junction-";

    private static final JsonFactory JSON = new JsonFactory();

    private DeliveryBody() {
    }

    /** The delivery's msg-id, or null when it has none. */
    static String msgId(Delivery d) {
        String id = null;
        for (Header h : d.headers()) {
            if (h.key().equals(MSG_ID_HEADER) && h.value() != null) {
                id = new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return id;
    }

    static byte[] encode(String station, Delivery d, String msgId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (int) Math.min(d.size() * 2, 1 << 20));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("station", station);
            g.writeNumberField("partition", d.partition());
            g.writeNumberField("offset", d.offset());
            g.writeNumberField("deliveries", d.deliveries());
            g.writeStringField("timestamp", Instant.ofEpochMilli(d.timestampMs()).toString());
            if (msgId != null) {
                g.writeStringField("msg_id", msgId);
            }
            writeKey(g, d.key());
            writeValue(g, d.value());
            writeHeaders(g, d);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private static void writeKey(JsonGenerator g, byte[] key) throws IOException {
        if (key == null) {
            g.writeNullField("key");
            return;
        }
        String text = utf8(key);
        if (text != null) {
            g.writeStringField("key", text);
        } else {
            g.writeStringField("key_base64", Base64.getEncoder().encodeToString(key));
        }
    }

    private static void writeValue(JsonGenerator g, byte[] value) throws IOException {
        if (value == null) {
            g.writeNullField("value");
            return;
        }
        String text = utf8(value);
        if (text == null) {
            g.writeStringField("value_base64", Base64.getEncoder().encodeToString(value));
            g.writeStringField("value_format", "base64");
        } else if (isJsonContainer(value)) {
            g.writeFieldName("value");
            g.writeRawValue(text);
            g.writeStringField("value_format", "json");
        } else {
            g.writeStringField("value", text);
            g.writeStringField("value_format", "text");
        }
    }

    private static void writeHeaders(JsonGenerator g, Delivery d) throws IOException {
        Map<String, String> text = new LinkedHashMap<>();
        Map<String, String> binary = new LinkedHashMap<>();
        for (Header h : d.headers()) {
            if (h.key().startsWith(RESERVED_HEADER_PREFIX)) {
                continue;
            }
            String v = h.value() == null ? null : utf8(h.value());
            if (h.value() != null && v == null) {
                text.remove(h.key());
                binary.put(h.key(), Base64.getEncoder().encodeToString(h.value()));
            } else {
                binary.remove(h.key());
                text.put(h.key(), v);
            }
        }
        g.writeObjectFieldStart("headers");
        for (Map.Entry<String, String> e : text.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        if (!binary.isEmpty()) {
            g.writeObjectFieldStart("headers_base64");
            for (Map.Entry<String, String> e : binary.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
    }

    /** The bytes as text when they are valid UTF-8, else null. */
    static String utf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Whether the bytes are exactly one strict JSON object or array (whitespace around it allowed). */
    static boolean isJsonContainer(byte[] value) {
        int i = 0;
        while (i < value.length && (value[i] == ' ' || value[i] == '\n' || value[i] == '\r' || value[i] == '\t')) {
            i++;
        }
        if (i == value.length || value[i] != '{' && value[i] != '[') {
            return false;
        }
        try (JsonParser p = JSON.createParser(value)) {
            p.nextToken();
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code X-Junction-Signature}: {@code sha256=} and the lower-case hex HMAC-SHA256 of the body. */
    static String signature(byte[] key, byte[] body) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
            return "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
