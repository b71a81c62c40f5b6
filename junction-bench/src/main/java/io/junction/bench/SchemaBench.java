package io.junction.bench;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.Durability;
import io.junction.broker.OutgoingMessage;
import io.junction.broker.StationConfig;
import io.junction.log.FileTrees;
import io.junction.schema.SchemaType;
import io.junction.schema.Schemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * {@code junction-bench/run schema}: what enforcing a schema costs produce (issue #6, point 6). An in-process
 * broker (fsync) and one station per case, 1 KiB values, 100 per request, 8 requests in flight, for
 * {@code --seconds}: no schema, a JSON Schema (JSON values), a Protobuf schema (Protobuf binary values), an Avro
 * schema (Avro binary values).
 */
final class SchemaBench {

    private static final int BATCH = 100;
    private static final int IN_FLIGHT = 8;
    private static final String JSON_SCHEMA = """
            {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
             "team": {"type": "string", "enum": ["hr", "payroll", "audit"]}, "notes": {"type": "string"}},
             "required": ["id", "name", "team"], "additionalProperties": false}""";
    private static final String AVRO_SCHEMA = """
            {"type": "record", "name": "Employee", "fields": [{"name": "id", "type": "long"},
             {"name": "name", "type": "string"}, {"name": "team", "type": "string"},
             {"name": "notes", "type": "string"}]}""";

    private static final String PROTO_SCHEMA = """
            syntax = "proto3";
            package hr.v1;
            message Employee { int64 id = 1; string name = 2; string team = 3; string notes = 4; }
            """;

    private SchemaBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of("bench-data", "schema");
        double seconds = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf(Locale.ROOT, "schema enforcement benchmark: 1 KiB values, %d per request, %d requests in "
                + "flight, %.0f s per case, %d cores, %s%n%n", BATCH, IN_FLIGHT, seconds,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        FileTrees.deleteTree(dir);
        byte[] json = json();
        byte[] avro = avro();
        byte[] protobuf = protobuf();
        System.out.println("| station | value | msgs/s | MB/s | vs no schema |");
        System.out.println("|---|---|---:|---:|---:|");
        try (Broker broker = Broker.open(new BrokerConfig(dir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES,
                Durability.FSYNC, Duration.ofSeconds(1), Clock.systemUTC()))) {
            broker.createSchema(Broker.DEFAULT_TENANT, "emp-json", SchemaType.JSON, JSON_SCHEMA, null);
            broker.createSchema(Broker.DEFAULT_TENANT, "emp-avro", SchemaType.AVRO, AVRO_SCHEMA, null);
            broker.createSchema(Broker.DEFAULT_TENANT, "emp-proto", SchemaType.PROTOBUF, PROTO_SCHEMA, null);
            broker.createStation(Broker.DEFAULT_TENANT, "plain", StationConfig.defaults());
            broker.createStation(Broker.DEFAULT_TENANT, "json", StationConfig.defaults().withSchema(
                    StationConfig.SchemaBinding.latest("emp-json")));
            broker.createStation(Broker.DEFAULT_TENANT, "avro", StationConfig.defaults().withSchema(
                    StationConfig.SchemaBinding.latest("emp-avro")));
            broker.createStation(Broker.DEFAULT_TENANT, "protobuf", StationConfig.defaults().withSchema(
                    StationConfig.SchemaBinding.latest("emp-proto")));
            produce(broker, "plain", json, seconds / 3); // warm-up
            double plain = produce(broker, "plain", json, seconds);
            double withJson = produce(broker, "json", json, seconds);
            double withProtobuf = produce(broker, "protobuf", protobuf, seconds);
            double withAvro = produce(broker, "avro", avro, seconds);
            row("no schema", "JSON, " + json.length + " B", plain, json.length, plain);
            row("JSON Schema", "JSON, " + json.length + " B", withJson, json.length, plain);
            row("Protobuf", "Protobuf binary, " + protobuf.length + " B", withProtobuf, protobuf.length, plain);
            row("Avro", "Avro binary, " + avro.length + " B", withAvro, avro.length, plain);
        }
        FileTrees.deleteTree(dir);
    }

    private static void row(String station, String value, double rate, int bytes, double baseline) {
        System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %.1f | %.0f %% |%n", station, value, rate,
                rate * bytes / 1e6, 100 * rate / baseline);
    }

    private static double produce(Broker broker, String station, byte[] value, double seconds) throws Exception {
        List<OutgoingMessage> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            batch.add(OutgoingMessage.of(("emp-" + i).getBytes(StandardCharsets.UTF_8), value));
        }
        Semaphore window = new Semaphore(IN_FLIGHT);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long sent = 0;
        while (System.nanoTime() < end) {
            window.acquire();
            broker.produce(Broker.DEFAULT_TENANT, station, batch).whenComplete((r, e) -> {
                window.release();
                if (e != null) {
                    e.printStackTrace();
                }
            });
            sent += BATCH;
        }
        window.acquire(IN_FLIGHT);
        return sent / ((System.nanoTime() - start) / 1e9);
    }

    /** A 1 KiB employee in JSON, valid against {@link #JSON_SCHEMA}. */
    private static byte[] json() {
        String head = "{\"id\": 12345, \"name\": \"Ada Lovelace\", \"team\": \"payroll\", \"notes\": \"";
        return (head + "n".repeat(1024 - head.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** The same employee in Protobuf binary, about 1 KiB. */
    private static byte[] protobuf() {
        return Schemas.parse(SchemaType.PROTOBUF, PROTO_SCHEMA).fromJson("{\"id\": 12345, \"name\": \"Ada Lovelace\", "
                + "\"team\": \"payroll\", \"notes\": \"" + "n".repeat(990) + "\"}");
    }

    /** The same employee in Avro binary, about 1 KiB. */
    private static byte[] avro() throws IOException {
        Schema schema = new Schema.Parser().parse(AVRO_SCHEMA);
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", 12345L);
        r.put("name", "Ada Lovelace");
        r.put("team", "payroll");
        r.put("notes", "n".repeat(990));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
