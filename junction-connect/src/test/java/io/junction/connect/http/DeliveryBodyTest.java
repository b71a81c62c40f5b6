package io.junction.connect.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.junction.broker.Delivery;
import io.junction.broker.Header;

/** The JSON body's value rule: embedded JSON object/array, else UTF-8 text, else base64. */
class DeliveryBodyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode body(byte[] key, byte[] value, Header... headers) throws Exception {
        Delivery d = new Delivery(2, 7, key, value, List.of(headers), 0, 3, 99, null);
        return JSON.readTree(DeliveryBody.encode("s", d, DeliveryBody.msgId(d)));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldEmbedExactlyOneJsonObjectOrArray() throws Exception {
        assertThat(body(null, utf8(" {\"a\": [1, {\"b\": null}]}\n")).path("value").path("a").get(1).has("b"))
                .isTrue();
        assertThat(body(null, utf8("[1,2]")).path("value").isArray()).isTrue();
        assertThat(body(null, utf8("[1,2]")).path("value_format").asText()).isEqualTo("json");
        for (String text : List.of("{\"a\": 1} {\"b\": 2}", "{\"a\": 1", "{'a': 1}", "42", "\"quoted\"", "true",
                "[1,]", "")) {
            JsonNode b = body(null, utf8(text));
            assertThat(b.path("value").asText()).as(text).isEqualTo(text);
            assertThat(b.path("value_format").asText()).as(text).isEqualTo("text");
        }
    }

    @Test
    void shouldSendBytesThatAreNotUtf8AsBase64AndATombstoneAsNull() throws Exception {
        JsonNode b = body(new byte[] {(byte) 0xc3}, new byte[] {(byte) 0xc3, 0x28});
        assertThat(b.path("key_base64").asText()).isEqualTo("ww==");
        assertThat(b.has("key")).isFalse();
        assertThat(b.path("value_base64").asText()).isEqualTo("wyg=");
        assertThat(b.path("value_format").asText()).isEqualTo("base64");
        JsonNode tombstone = body(utf8("k"), null);
        assertThat(tombstone.path("value").isNull()).isTrue();
        assertThat(tombstone.has("value_format")).isFalse();
    }

    @Test
    void shouldCarryHeadersButTheBrokersOwnAndTheMsgIdApart() throws Exception {
        JsonNode b = body(utf8("k"), utf8("v"), new Header("a", utf8("1")), new Header("a", utf8("2")),
                new Header("bin", new byte[] {(byte) 0xff}), new Header("none", null),
                new Header("junction-msg-id", utf8("m-1")), new Header("junction-schema", utf8("x")));
        assertThat(b.path("headers").path("a").asText()).isEqualTo("2");
        assertThat(b.path("headers").path("none").isNull()).isTrue();
        assertThat(b.path("headers").has("junction-schema")).isFalse();
        assertThat(b.path("headers_base64").path("bin").asText()).isEqualTo("/w==");
        assertThat(b.path("msg_id").asText()).isEqualTo("m-1");
        assertThat(b.path("partition").asInt()).isEqualTo(2);
        assertThat(b.path("offset").asLong()).isEqualTo(7);
        assertThat(b.path("deliveries").asInt()).isEqualTo(3);
        assertThat(b.path("timestamp").asText()).isEqualTo("1970-01-01T00:00:00Z");
    }

    @Test
    void shouldSignTheBodyWithHmacSha256InHex() {
        // RFC 4231 test case 2
        assertThat(DeliveryBody.signature(utf8("Jefe"), utf8("what do ya want for nothing?"))).isEqualTo(
                "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
