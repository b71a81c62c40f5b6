import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stand-ins for the third-party systems of the employee-sync hub, in one small process (JDK only, run as a
 * single-file program with Jackson from Junction's jar: java -cp junction.jar ThirdParties.java PORTFILE). Each
 * system is a path:
 *
 *   POST /payroll, /timetracking, /analytics   keep the latest row per employee
 *   POST /flaky                                the same, but answers 503 to every 4th request, and 422 to a row
 *                                              whose email has no '@' (a record it rejects)
 *   GET  /state/NAME                           what a system holds: {"1":{...},...}
 *   POST /compare/NAME                         body: the database's rows (psql json_agg); answers "same" or a diff
 *
 * A system applies a change only when its LSN is not older than what it holds for that employee, as a real
 * consumer of a CDC stream would: a redelivered or resent older change is answered 200 and ignored. The request's
 * Idempotency-Key header is remembered too: the same key twice is applied once.
 */
public class ThirdParties {

    /** Per system: employee id -> [lsn, row JSON or null when deleted]. */
    static final Map<String, Map<Long, Object[]>> STATE = new ConcurrentHashMap<>();
    static final Map<String, AtomicLong> REQUESTS = new ConcurrentHashMap<>();
    static final Map<String, AtomicLong> REJECTED = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        for (String system : List.of("payroll", "timetracking", "flaky", "analytics")) {
            STATE.put(system, new ConcurrentHashMap<>());
            REQUESTS.put(system, new AtomicLong());
            REJECTED.put(system, new AtomicLong());
            server.createContext("/" + system, ex -> receive(system, ex));
            server.createContext("/state/" + system, ex -> answer(ex, 200, state(system)));
            server.createContext("/compare/" + system, ex -> answer(ex, 200,
                    compare(system, new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))));
            server.createContext("/rejected/" + system, ex -> answer(ex, 200,
                    String.valueOf(REJECTED.get(system).get())));
        }
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
        Files.writeString(Path.of(args[0]), String.valueOf(server.getAddress().getPort()));
        System.out.println("third parties listening on 127.0.0.1:" + server.getAddress().getPort());
    }

    static final ObjectMapper JSON = new ObjectMapper();

    static synchronized void receive(String system, HttpExchange ex) throws IOException {
        JsonNode body = JSON.readTree(ex.getRequestBody());
        long n = REQUESTS.get(system).incrementAndGet();
        if (system.equals("flaky") && n % 4 == 0) {
            answer(ex, 503, "{\"error\":\"try again later\"}");
            return;
        }
        JsonNode value = body.path("value");
        if (value.isNull() || value.isMissingNode()) {
            answer(ex, 200, "{\"ignored\":\"tombstone\"}"); // compaction's tombstone: the delete came first
            return;
        }
        long id = JSON.readTree(body.path("key").asText()).path("id").asLong();
        long lsn = lsn(value.path("source").path("lsn").asText(""));
        Map<Long, Object[]> rows = STATE.get(system);
        Object[] held = rows.get(id);
        if (held != null && (long) held[0] > lsn) {
            answer(ex, 200, "{\"ignored\":\"older than what we hold\"}");
            return;
        }
        JsonNode after = value.path("after");
        if (system.equals("flaky") && after.isObject() && !after.path("email").asText("").contains("@")) {
            REJECTED.get(system).incrementAndGet();
            answer(ex, 422, JSON.createObjectNode().put("error", "invalid email '" + after.path("email").asText()
                    + "' for employee " + id).toString());
            return;
        }
        rows.put(id, new Object[] {lsn, value.path("op").asText().equals("d") ? null : after});
        answer(ex, 200, "{\"ok\":true}");
    }

    static String state(String system) {
        Map<String, JsonNode> rows = new TreeMap<>();
        STATE.get(system).forEach((id, held) -> {
            if (held[1] != null) {
                rows.put(String.valueOf(id), (JsonNode) held[1]);
            }
        });
        return JSON.valueToTree(rows).toString();
    }

    /** "same" when the system holds exactly the database's rows (each field compared as text), else the diff. */
    static String compare(String system, String dbRows) throws IOException {
        Map<Long, Map<String, String>> db = new TreeMap<>();
        JsonNode rows = JSON.readTree(dbRows.isBlank() ? "[]" : dbRows);
        for (JsonNode row : rows.isArray() ? rows : JSON.createArrayNode()) {
            db.put(row.path("id").asLong(), fields(row));
        }
        Map<Long, Map<String, String>> held = new TreeMap<>();
        STATE.get(system).forEach((id, h) -> {
            if (h[1] != null) {
                held.put(id, fields((JsonNode) h[1]));
            }
        });
        List<String> diffs = new ArrayList<>();
        for (Long id : db.keySet()) {
            if (!db.get(id).equals(held.get(id))) {
                diffs.add("employee " + id + ": database " + db.get(id) + ", " + system + " " + held.get(id));
            }
        }
        for (Long id : held.keySet()) {
            if (!db.containsKey(id)) {
                diffs.add("employee " + id + ": deleted in the database, " + system + " still holds " + held.get(id));
            }
        }
        return diffs.isEmpty() ? "same (" + db.size() + " employees)" : String.join("\n", diffs);
    }

    static Map<String, String> fields(JsonNode row) {
        Map<String, String> fields = new TreeMap<>();
        row.properties().forEach(f -> fields.put(f.getKey(), f.getValue().isNull() ? null
                : f.getValue().asText()));
        return fields;
    }

    static long lsn(String lsn) {
        if (!lsn.contains("/")) {
            return 0;
        }
        String[] parts = lsn.split("/");
        return (Long.parseLong(parts[0], 16) << 32) | Long.parseLong(parts[1], 16);
    }

    static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

}
