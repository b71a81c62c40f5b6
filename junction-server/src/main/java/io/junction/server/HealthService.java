package io.junction.server;

import java.util.function.IntSupplier;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * Answers {@code GET /health} with {@code {"status":"ok"}} on the HTTP port, and with Armeria's usual 404 on the
 * gRPC port. Armeria's port-based virtual hosts would say this declaratively, but they need the port number when
 * the server is built, so they cannot serve an ephemeral ({@code 0}) port; hence the check of the local port.
 *
 * <p>Thread-safe: it keeps no state; the port is read per request.
 */
final class HealthService implements HttpService {

    static final String PATH = "/health";
    static final String OK_BODY = "{\"status\":\"ok\"}";

    private final IntSupplier httpPort;

    /** {@code httpPort} supplies the bound HTTP port, which for port 0 is known only once the server listens. */
    HealthService(IntSupplier httpPort) {
        this.httpPort = httpPort;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (ctx.localAddress().getPort() != httpPort.getAsInt()) {
            throw HttpStatusException.of(HttpStatus.NOT_FOUND);
        }
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, OK_BODY);
    }
}
