package io.junction.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The REST gateway as a plain HTTP client sees it (the JDK's client): status, headers and the JSON body. */
final class RestClient {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String authorization;

    RestClient(int port, String authorization) {
        this.base = "http://127.0.0.1:" + port;
        this.authorization = authorization;
    }

    RestClient as(String authorization) {
        return new RestClient(Integer.parseInt(base.substring(base.lastIndexOf(':') + 1)), authorization);
    }

    /** One answer: its status, its headers and its body (JSON when it is JSON, else null). */
    record Answer(int status, java.net.http.HttpHeaders headers, String text) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + text, e);
            }
        }

        String code() {
            return json().path("code").asText();
        }

        @Override
        public String toString() {
            return status + " " + text;
        }
    }

    Answer get(String path) {
        return send("GET", path, null, "application/json");
    }

    Answer delete(String path) {
        return send("DELETE", path, null, "application/json");
    }

    Answer post(String path, Object body) {
        return send("POST", path, body, "application/json");
    }

    Answer patch(String path, Object body) {
        return send("PATCH", path, body, "application/json");
    }

    Answer put(String path, Object body) {
        return send("PUT", path, body, "application/json");
    }

    /** {@code body}: a String sent as it is, anything else as its JSON; null: no body. */
    Answer send(String method, String path, Object body, String contentType) {
        try {
            String text = body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
            return exchange(method, path, text == null ? null : text.getBytes(StandardCharsets.UTF_8), contentType);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Sends {@code bytes} as the body, as they are (for the size limit). */
    Answer postBytes(String path, byte[] bytes) {
        return exchange("POST", path, bytes, "application/json");
    }

    private Answer exchange(String method, String path, byte[] body, String contentType) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            if (body != null) {
                b.header("Content-Type", contentType);
            }
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Answer(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
