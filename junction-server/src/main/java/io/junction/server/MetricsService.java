package io.junction.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.junction.broker.BrokerException;
import io.junction.errors.ErrorCode;
import io.junction.security.AccessException;
import io.junction.security.Permission;
import io.junction.security.Principal;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;

/**
 * {@code GET /metrics} on the HTTP port: the {@link Metrics} the caller may see, in the Prometheus text format
 * (0.0.4). The caller authenticates as for gRPC ({@link Guard#authenticate}: {@code Authorization: Bearer TOKEN} or
 * {@code Basic}, a TLS client certificate, or the loopback rule in {@code --auth loopback} mode); without valid
 * credentials the answer is 401, without {@link Permission#VIEW} 403, each with {@code {"code":..., "message":...}};
 * a refused authentication is recorded in the audit log as a refused gRPC call is.
 *
 * <p>A scrape reads the broker's state and waits for its groups' owner threads, so it runs on Armeria's blocking
 * task executor (which keeps the request's context, for the caller's address and certificate), never on an event
 * loop.
 *
 * <p>Thread-safe: it keeps no state of its own.
 */
final class MetricsService implements HttpService {

    static final String PATH = "/metrics";
    static final MediaType CONTENT_TYPE = MediaType.parse(PrometheusTextFormatWriter.CONTENT_TYPE);

    /** Who makes the request ({@link Guard#authenticateHttp}); AccessException when nobody acceptable. */
    @FunctionalInterface
    interface Authenticator {
        Principal authenticate(String authorization, String action);
    }

    /** How the audit log names a refused scrape. */
    static final String ACTION = "GET " + PATH;

    private final Metrics metrics;
    private final Authenticator authenticator;
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    MetricsService(Metrics metrics, Authenticator authenticator) {
        this.metrics = metrics;
        this.authenticator = authenticator;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> scrape(authorization),
                ctx.blockingTaskExecutor()));
    }

    private HttpResponse scrape(String authorization) {
        Principal principal;
        try {
            principal = authenticator.authenticate(authorization, ACTION);
            principal.require(Permission.VIEW);
        } catch (AccessException e) {
            return refusal(e.code(), e.getMessage());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 << 10);
        try {
            writer.write(body, metrics.scrape(principal), EscapingScheme.UNDERSCORE_ESCAPING);
        } catch (BrokerException e) {
            return error(e.code() == ErrorCode.SHUTTING_DOWN ? HttpStatus.SERVICE_UNAVAILABLE
                    : HttpStatus.INTERNAL_SERVER_ERROR, e.code(), e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return HttpResponse.of(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE),
                com.linecorp.armeria.common.HttpData.wrap(body.toByteArray()));
    }

    /** 401 for missing or bad credentials (with a challenge), 429 when logins are throttled, 403 otherwise. */
    private static HttpResponse refusal(ErrorCode code, String message) {
        if (code == ErrorCode.UNAUTHENTICATED) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
                    .contentType(MediaType.JSON_UTF_8)
                    .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"junction\"")
                    .add(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"junction\", charset=\"UTF-8\"").build(),
                    com.linecorp.armeria.common.HttpData.ofUtf8(json(code, message)));
        }
        return error(code == ErrorCode.LOGIN_THROTTLED ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.FORBIDDEN, code,
                message);
    }

    private static HttpResponse error(HttpStatus status, ErrorCode code, String message) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, json(code, message));
    }

    /** {@code {"code":"...","message":"..."}}, the message escaped as a JSON string. */
    static String json(ErrorCode code, String message) {
        StringBuilder sb = new StringBuilder("{\"code\":\"").append(code.name()).append("\",\"message\":\"");
        String m = message == null ? "" : message;
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append("\"}").toString();
    }
}
