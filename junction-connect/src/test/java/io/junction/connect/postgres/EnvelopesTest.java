package io.junction.connect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The pgoutput decoder and the JSON mapping, without a server. */
class EnvelopesTest {

    @Test
    void columnValuesMapByType() {
        assertThat(Envelopes.value(Envelopes.BOOL, "t").asBoolean()).isTrue();
        assertThat(Envelopes.value(Envelopes.BOOL, "false").asBoolean()).isFalse();
        assertThat(Envelopes.value(Envelopes.INT8, "9007199254740993").toString()).isEqualTo("9007199254740993");
        assertThat(Envelopes.value(Envelopes.NUMERIC, "12.50").toString()).isEqualTo("\"12.50\"");
        assertThat(Envelopes.value(Envelopes.FLOAT8, "NaN").toString()).isEqualTo("\"NaN\"");
        assertThat(Envelopes.value(Envelopes.FLOAT8, "-1.5").toString()).isEqualTo("-1.5");
        assertThat(Envelopes.value(Envelopes.JSONB, "{\"a\": [1]}").toString()).isEqualTo("{\"a\":[1]}");
        assertThat(Envelopes.value(25, "text").toString()).isEqualTo("\"text\"");
        assertThat(Envelopes.value(25, null).isNull()).isTrue();
    }

    @Test
    void theKeyFollowsKeyOrderNotColumnOrder() {
        LinkedHashMap<String, Integer> columns = new LinkedHashMap<>(Map.of("a", 23));
        columns.put("b", 25);
        Envelopes.Table t = new Envelopes.Table("public.t", columns, List.of("b", "a"));
        Map<String, JsonNode> row = new LinkedHashMap<>();
        row.put("a", Envelopes.value(23, "1"));
        row.put("b", Envelopes.value(25, "x"));
        assertThat(new String(Envelopes.key(t, row), StandardCharsets.UTF_8)).isEqualTo("{\"b\":\"x\",\"a\":1}");
    }

    @Test
    void decodesAnUpdateWithAnUnchangedToastColumn() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte('U');
        out.writeInt(16384);
        out.writeByte('N');
        out.writeShort(3);
        out.writeByte('t');
        out.writeInt(2);
        out.write("42".getBytes(StandardCharsets.UTF_8));
        out.writeByte('u');
        out.writeByte('n');
        PgOutput.Message m = PgOutput.decode(ByteBuffer.wrap(bytes.toByteArray()));
        assertThat(m).isInstanceOf(PgOutput.Update.class);
        PgOutput.Update u = (PgOutput.Update) m;
        assertThat(u.before()).isNull();
        assertThat(u.after()).containsExactly(new PgOutput.Value('t', "42"), PgOutput.Value.UNCHANGED,
                PgOutput.Value.NULL);
    }

    @Test
    void decodesARelation() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte('R');
        out.writeInt(7);
        out.write("public\0employees\0".getBytes(StandardCharsets.UTF_8));
        out.writeByte('d');
        out.writeShort(2);
        out.writeByte(1);
        out.write("id\0".getBytes(StandardCharsets.UTF_8));
        out.writeInt(23);
        out.writeInt(-1);
        out.writeByte(0);
        out.write("name\0".getBytes(StandardCharsets.UTF_8));
        out.writeInt(25);
        out.writeInt(-1);
        PgOutput.Relation r = (PgOutput.Relation) PgOutput.decode(ByteBuffer.wrap(bytes.toByteArray()));
        assertThat(r.qualifiedName()).isEqualTo("public.employees");
        assertThat(r.columns()).containsExactly(new PgOutput.Column(true, "id", 23),
                new PgOutput.Column(false, "name", 25));
    }

    @Test
    void commitLagPercentilesOverTheLastTransactions() {
        CommitLag lag = new CommitLag();
        Map<String, Long> none = new LinkedHashMap<>();
        lag.addTo(none);
        assertThat(none).isEmpty();
        for (int i = 1; i <= 100; i++) {
            lag.record(i);
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        lag.addTo(counts);
        assertThat(counts).containsEntry("lag_ms_p50", 50L).containsEntry("lag_ms_p99", 99L)
                .containsEntry("lag_ms_max", 100L);
    }
}
