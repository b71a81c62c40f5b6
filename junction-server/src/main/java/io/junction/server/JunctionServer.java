package io.junction.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;

import io.junction.broker.Broker;
import io.junction.connect.ConnectorTypes;
import io.junction.connect.Connectors;
import io.junction.broker.BrokerConfig;
import io.junction.security.AccessControl;
import io.junction.tier.ObjectStore;
import io.junction.tier.S3ObjectStore;
import io.junction.tier.TierSettings;
import io.junction.tier.Tiering;

/**
 * A running Junction server: it holds the data directory and listens with one Armeria server on two ports, gRPC
 * (clients and the CLI) and HTTP (health; later the web UI, REST and metrics). It is the wiring between transport
 * and core and keeps no broker logic of its own: it opens the {@link Broker} on the data directory and serves the
 * {@code junction.v1} gRPC services (Admin, Produce, Consume) over it.
 *
 * <p>Thread-safe: the accessors are immutable, {@link #close()} may be called from any thread (a shutdown hook,
 * say) and more than once, and {@link #awaitTermination()} lets any number of threads wait for it.
 */
public final class JunctionServer implements AutoCloseable {

    /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static final String VERSION = readVersion();

    /** After {@link #close()}, in-flight requests get this long without new ones before the ports close... */
    private static final Duration SHUTDOWN_QUIET_PERIOD = Duration.ofMillis(100);
    /** ...and at most this long in all. */
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    /** Largest gRPC message either way: a batch of messages of up to 64 MiB each needs room. */
    static final int MAX_GRPC_MESSAGE_BYTES = 80 << 20;

    private static final Logger log = LoggerFactory.getLogger(JunctionServer.class);

    private final DataDirLock lock;
    private final Broker broker;
    private final ObjectStore objectStore; // null without tiered storage; closed after the broker
    private final Services services;
    private final Server server;
    private final Metrics metrics;
    private final int grpcPort;
    private final int httpPort;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private boolean closed; // guarded by this

    private JunctionServer(DataDirLock lock, Broker broker, ObjectStore objectStore, Services services, Server server,
            Metrics metrics, int grpcPort, int httpPort) {
        this.objectStore = objectStore;
        this.metrics = metrics;
        this.lock = lock;
        this.broker = broker;
        this.services = services;
        this.server = server;
        this.grpcPort = grpcPort;
        this.httpPort = httpPort;
    }

    /**
     * Locks the data directory (creating it if missing), then listens on both ports; returns once both listen.
     *
     * @throws StartupException if the data directory cannot be used or a port cannot be listened on; nothing is
     *                          left held or listening then
     */
    public static JunctionServer start(ServerConfig config) {
        final DataDirLock lock = DataDirLock.acquire(config.dataDir());
        Broker broker = null;
        ObjectStore store = null;
        try {
            store = openObjectStore(config);
            broker = openBroker(lock.dir(), config, store);
            final AccessControl access = openAccess(lock.dir(), config);
            final JunctionServer server = listen(config, lock, broker, store, access);
            log.info("Junction {} listening: gRPC on {}, HTTP on {}, data in {}; auth {}", VERSION,
                    endpoint(config.host(), server.grpcPort), endpoint(config.host(), server.httpPort), lock.dir(),
                    config.auth() == ServerConfig.AuthMode.LOOPBACK
                            ? "loopback (calls from this machine without credentials act as root)" : "required");
            return server;
        } catch (RuntimeException | Error e) {
            if (broker != null) {
                broker.close();
            }
            if (store != null) {
                store.close();
            }
            try {
                lock.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * The object store of {@code --s3-bucket}, checked (the bucket exists and the credentials may use it); null
     * without tiered storage.
     */
    private static ObjectStore openObjectStore(ServerConfig config) {
        TierSettings tiering = config.tiering();
        if (tiering == null) {
            return null;
        }
        S3ObjectStore store;
        try {
            store = S3ObjectStore.open(tiering.s3());
        } catch (RuntimeException e) {
            throw new StartupException("cannot set up the object store " + tiering.s3().describe() + ": "
                    + e.getMessage(), e);
        }
        try {
            store.check();
        } catch (IOException | RuntimeException e) {
            store.close();
            throw new StartupException("cannot reach the object store " + tiering.s3().describe() + " (--"
                    + ServerConfig.S3_BUCKET + ", --" + ServerConfig.S3_ENDPOINT + "): " + e.getMessage(), e);
        }
        return store;
    }

    private static Broker openBroker(Path dataDir, ServerConfig config, ObjectStore store) {
        final BrokerConfig brokerConfig = new BrokerConfig(dataDir, BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES,
                config.durability(), config.flushInterval(), java.time.Clock.systemUTC(), config.segmentBytes(),
                config.compactionThrottle(), config.consumerLimits());
        final Tiering tiering = store == null ? null : startTiering(dataDir, config, store);
        try {
            if (tiering == null) {
                return Broker.open(brokerConfig);
            }
            Broker broker = Broker.open(brokerConfig, tiering);
            log.info("Tiered storage in {}", store.describe());
            return broker;
        } catch (RuntimeException e) { // a broker that fails to open has closed the tiering it was given
            throw new StartupException("cannot open the broker's data in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static Tiering startTiering(Path dataDir, ServerConfig config, ObjectStore store) {
        try {
            return Tiering.start(config.tiering(), store, java.time.Clock.systemUTC(), dataDir);
        } catch (IOException e) {
            Path key = config.tiering().encryptionKeyFile();
            throw new StartupException("cannot start tiered storage in " + dataDir + (key == null ? "" : " with "
                    + ServerConfig.S3_ENCRYPTION_KEY_FILE + " " + key) + ": " + e.getMessage(), e);
        }
    }

    /**
     * The users, tokens and sessions under the data directory; root's password from the configured file. In
     * {@code --auth required} mode, refuses to start when root could not log in (no password file, none set).
     */
    private static AccessControl openAccess(Path dataDir, ServerConfig config) {
        final AccessControl access;
        try {
            access = AccessControl.open(dataDir, java.time.Clock.systemUTC(), config.sessionTtl());
        } catch (RuntimeException e) {
            throw new StartupException("cannot read the users and tokens in " + dataDir + ": " + e.getMessage(), e);
        }
        if (config.rootPasswordFile() != null) {
            final String password;
            try {
                password = java.nio.file.Files.readAllLines(config.rootPasswordFile(), StandardCharsets.UTF_8)
                        .stream().findFirst().orElse("");
            } catch (IOException e) {
                throw new StartupException("cannot read " + ServerConfig.ROOT_PASSWORD_FILE + " "
                        + config.rootPasswordFile() + ": " + e.getMessage(), e);
            }
            try {
                access.setRootPassword(io.junction.security.Passwords.check(password));
            } catch (io.junction.security.AccessException e) {
                throw new StartupException(ServerConfig.ROOT_PASSWORD_FILE + " " + config.rootPasswordFile()
                        + ": " + e.getMessage(), e);
            }
        }
        if (config.auth() == ServerConfig.AuthMode.REQUIRED && !access.rootHasPassword()) {
            throw new StartupException("with --" + ServerConfig.AUTH + " required, root needs a password: start with "
                    + "--" + ServerConfig.ROOT_PASSWORD_FILE + " FILE (its first line is the password)");
        }
        return access;
    }

    /** The most connectors one broker runs. */
    static final int MAX_CONNECTORS = 100;

    private static Connectors openConnectors(Path dataDir, Broker broker) {
        try {
            return Connectors.open(broker, dataDir, null, ConnectorTypes.all(), MAX_CONNECTORS);
        } catch (IOException | RuntimeException e) {
            throw new StartupException("cannot open the connectors in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Threads that run the gRPC services' calls, at most. */
    static final int BLOCKING_THREADS = 32;

    private static JunctionServer listen(ServerConfig config, DataDirLock lock, Broker broker, ObjectStore store,
            AccessControl access) {
        final InetSocketAddress grpcAddress = address(config.host(), config.port());
        final InetSocketAddress httpAddress = address(config.host(), config.httpPort());
        final AtomicInteger boundHttpPort = new AtomicInteger(config.httpPort());
        final AtomicInteger boundGrpcPort = new AtomicInteger(config.port());
        final ProduceService produce = new ProduceService(broker);
        final Guard guard = new Guard(access, config.auth(), broker::audit,
                tenant -> broker.limits(tenant).maxConnections(), broker::hasTenant);
        final Connectors connectors = openConnectors(lock.dir(), broker);
        final Services services = new Services(broker, produce, access, guard, connectors);
        final SessionProtocol protocol = config.tls() ? SessionProtocol.HTTPS : SessionProtocol.HTTP;
        final com.linecorp.armeria.server.ServerBuilder builder = Server.builder()
                .port(grpcAddress, protocol)
                .port(httpAddress, protocol);
        if (config.tls()) {
            tls(builder, config);
        }
        final Metrics metrics = new Metrics(broker, guard::connections, lock.dir(), connectors::list);
        final Server server = builder
                .route().get(HealthService.PATH).build(new HealthService(boundHttpPort::get))
                .route().get(MetricsService.PATH).build(onlyOnPort(boundHttpPort).apply(
                        new MetricsService(metrics, guard::authenticateHttp)))
                .meterRegistry(metrics.registry())
                .service(grpcServices(services), onlyOnPort(boundGrpcPort))
                // REST requests are bounded, unlike the gRPC streams: a body of at most MAX_BODY_BYTES (refused by
                // its Content-Length before it is read), an answer within a minute (a fetch waits 30 s at most).
                .route().pathPrefix(RestGateway.PREFIX).maxRequestLength(RestGateway.MAX_BODY_BYTES)
                .requestTimeout(Duration.ofMinutes(1))
                .build(new RestGateway(new LocalCalls(services.definitions()), broker, guard)
                        .decorate(onlyOnPort(boundHttpPort)))
                .serviceUnder("/", WebUi.service().decorate(onlyOnPort(boundHttpPort)))
                .decorator(securityHeaders(boundHttpPort))
                .errorHandler(RestGateway.ERRORS)
                // Produce and consume are long-lived streams: no limit on a stream's total size or duration
                // (Armeria's defaults, 10 MiB and 10 s, would cut them and make clients resend). Each message is
                // still bounded by the gRPC service's maxRequestMessageLength.
                .maxRequestLength(0)
                .requestTimeout(Duration.ZERO)
                .gracefulShutdownTimeout(SHUTDOWN_QUIET_PERIOD, SHUTDOWN_TIMEOUT)
                .bossGroupFactory(AcceptorGroup::new)
                // The services' threads: bounded, and none left after a minute idle. Armeria's default (200 threads,
                // one per task until all exist) left 200 threads behind creating stations from 8 clients; nothing
                // here blocks for long any more (a sync ack no longer holds a thread until its fsync).
                .blockingTaskExecutor(com.linecorp.armeria.common.util.BlockingTaskExecutor.builder()
                        .numThreads(BLOCKING_THREADS).threadNamePrefix("junction-grpc").keepAliveTime(
                                Duration.ofMinutes(1)).daemon(true).build(), true)
                .build();
        try {
            server.start().join();
        } catch (CompletionException e) {
            server.close();
            metrics.close();
            throw bindFailure(config, grpcAddress, httpAddress, e.getCause());
        }
        // Armeria binds the ports one after another in the order they were added, and lists them in that order.
        final List<InetSocketAddress> bound = List.copyOf(server.activePorts().keySet());
        boundGrpcPort.set(bound.get(0).getPort());
        boundHttpPort.set(bound.get(1).getPort());
        return new JunctionServer(lock, broker, store, services, server, metrics, bound.get(0).getPort(),
                bound.get(1).getPort());
    }

    /**
     * Both ports speak TLS with the configured certificate and key (checked here, so that a bad file is a clear
     * startup error); with a client CA, a client must show a certificate it signed (mutual TLS).
     */
    private static void tls(com.linecorp.armeria.server.ServerBuilder builder, ServerConfig config) {
        final com.linecorp.armeria.common.TlsKeyPair pair;
        try {
            pair = com.linecorp.armeria.common.TlsKeyPair.of(config.tlsKey().toFile(), config.tlsCert().toFile());
        } catch (RuntimeException e) {
            throw new StartupException("cannot use " + ServerConfig.TLS_CERT + " " + config.tlsCert() + " with "
                    + ServerConfig.TLS_KEY + " " + config.tlsKey() + ": " + e.getMessage(), e);
        }
        builder.tls(pair);
        if (config.tlsClientCa() != null) {
            final java.io.File ca = config.tlsClientCa().toFile();
            if (!ca.canRead()) {
                throw new StartupException("cannot read " + ServerConfig.TLS_CLIENT_CA + " " + ca);
            }
            builder.tlsCustomizer(ssl -> ssl.trustManager(ca).clientAuth(io.netty.handler.ssl.ClientAuth.REQUIRE));
        }
    }

    /**
     * What every answer of the HTTP port carries: no content sniffing, no framing by other sites, no referrer, and
     * a content security policy that lets a page load only from this server (the web UI needs nothing else).
     */
    private static Function<? super HttpService, ? extends HttpService> securityHeaders(AtomicInteger httpPort) {
        return delegate -> delegate.decorate((next, ctx, req) -> {
            HttpResponse response = next.serve(ctx, req);
            if (ctx.localAddress().getPort() != httpPort.get()) {
                return response;
            }
            return response.mapHeaders(h -> h.toBuilder()
                    .set("x-content-type-options", "nosniff")
                    .set("x-frame-options", "DENY")
                    .set("referrer-policy", "no-referrer")
                    .set("content-security-policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
                    .build());
        });
    }

    /**
     * Serves a request only when it came to {@code port} (read per request: an ephemeral port is known only once
     * the server listens); elsewhere 404, so the HTTP port never serves the gRPC API (as {@link HealthService}).
     */
    private static Function<HttpService, HttpService> onlyOnPort(AtomicInteger port) {
        return delegate -> delegate.decorate((next, ctx, req) -> ctx.localAddress().getPort() == port.get()
                ? next.serve(ctx, req) : HttpResponse.of(HttpStatus.NOT_FOUND));
    }

    /**
     * The gRPC services over the broker, in gRPC's own binary framing only (no gRPC-Web, no JSON: nothing is
     * served that is not meant to be). They run on Armeria's blocking task executor: admin calls touch the disk
     * and wait for groups' owner threads, which must never happen on an event loop.
     */
    private static GrpcService grpcServices(Services services) {
        final com.linecorp.armeria.server.grpc.GrpcServiceBuilder builder = GrpcService.builder();
        services.definitions().forEach(builder::addService);
        return builder
                .supportedSerializationFormats(GrpcSerializationFormats.PROTO)
                .exceptionHandler(JunctionServer::transportRefusal)
                .maxRequestMessageLength(MAX_GRPC_MESSAGE_BYTES)
                .maxResponseMessageLength(MAX_GRPC_MESSAGE_BYTES)
                .useBlockingTaskExecutor(true)
                .build();
    }

    /**
     * The gRPC services, each behind the {@link Guard}: the same definitions serve the gRPC port and, called in
     * process, the HTTP port's REST gateway, so both have one set of checks, one audit and one set of errors.
     */
    record Services(Broker broker, ProduceService produce, AccessControl access, Guard guard, Fetches fetches,
            Connectors connectors, List<io.grpc.ServerServiceDefinition> definitions) {

        Services(Broker broker, ProduceService produce, AccessControl access, Guard guard, Connectors connectors) {
            this(broker, produce, access, guard, new Fetches(broker), connectors);
        }

        private Services(Broker broker, ProduceService produce, AccessControl access, Guard guard, Fetches fetches,
                Connectors connectors) {
            this(broker, produce, access, guard, fetches, connectors, List.of(
                    io.grpc.ServerInterceptors.intercept(new AdminService(broker, fetches), guard),
                    io.grpc.ServerInterceptors.intercept(produce, guard),
                    io.grpc.ServerInterceptors.intercept(new ConsumeService(broker, fetches), guard),
                    io.grpc.ServerInterceptors.intercept(new AccessService(broker, access, guard::connections,
                            connectors::forgetTenant), guard),
                    io.grpc.ServerInterceptors.intercept(new ConnectService(connectors), guard)));
        }

        /** What the services keep besides the broker: ends open produce streams and fetch members. */
        void shutdown() {
            fetches.close();
            produce.shutdown();
        }
    }

    private static final io.grpc.Metadata.Key<byte[]> STATUS_DETAILS = io.grpc.Metadata.Key.of(
            "grpc-status-details-bin", io.grpc.Metadata.BINARY_BYTE_MARSHALLER);

    /**
     * A failure the transport raised before any service saw the request gets a Junction code too: a request larger
     * than {@value #MAX_GRPC_MESSAGE_BYTES} bytes is MESSAGE_TOO_LARGE, one that is not a valid protobuf message of
     * the request's type INVALID_ARGUMENT. Statuses the services made keep their own.
     */
    private static io.grpc.Status transportRefusal(com.linecorp.armeria.common.RequestContext ctx,
            io.grpc.Status status, Throwable cause, io.grpc.Metadata trailers) {
        if (trailers.containsKey(STATUS_DETAILS)) {
            return status;
        }
        if (unparseable(status, cause)) {
            final String message = "the request is not a valid protobuf message of its type (" + ctx.method() + " "
                    + ctx.path() + ")";
            trailers.merge(io.junction.api.v1.Errors.toStatus(io.junction.api.v1.ErrorCode.INVALID_ARGUMENT,
                    message).getTrailers());
            return io.grpc.Status.INVALID_ARGUMENT.withDescription(message);
        }
        if (status.getCode() == io.grpc.Status.Code.RESOURCE_EXHAUSTED) {
            final String message = "the request is larger than the broker's limit of " + MAX_GRPC_MESSAGE_BYTES
                    + " bytes (" + status.getDescription() + "); send fewer or smaller messages per request";
            trailers.merge(io.junction.api.v1.Errors.toStatus(io.junction.api.v1.ErrorCode.MESSAGE_TOO_LARGE,
                    message).getTrailers());
            return status.withDescription(message);
        }
        return status;
    }

    private static boolean unparseable(io.grpc.Status status, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof com.google.protobuf.InvalidProtocolBufferException) {
                return true;
            }
        }
        return status.getCode() == io.grpc.Status.Code.INTERNAL && status.getDescription() != null
                && status.getDescription().startsWith("Invalid protobuf byte sequence");
    }

    /** The port gRPC listens on: the configured one, or the one picked for port 0. */
    public int grpcPort() {
        return grpcPort;
    }

    /** The port HTTP listens on: the configured one, or the one picked for port 0. */
    public int httpPort() {
        return httpPort;
    }

    /** The absolute data directory this server holds. */
    public Path dataDir() {
        return lock.dir();
    }

    /**
     * Closes the broker (members hear SHUTTING_DOWN, pending appends are flushed), ends the open produce streams,
     * stops listening (in-flight requests get up to a timeout), then releases the data directory.
     * Returns when all that is done, also when called again or concurrently.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // The broker first: consume streams end with SHUTTING_DOWN and pending appends are flushed; then the
            // open produce streams are ended, so the server's graceful stop does not wait for clients to hang up.
            services.connectors().close(); // stopped first: they produce and consume through the broker
            broker.close(); // and its tiering
            if (objectStore != null) {
                objectStore.close();
            }
            services.shutdown();
            server.stop().join();
            metrics.close();
            lock.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the lock on " + lock.dir(), e);
        } finally {
            terminated.countDown();
        }
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    private static InetSocketAddress address(String host, int port) {
        final InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new StartupException("cannot resolve " + ServerConfig.HOST + " '" + host + "'");
        }
        return address;
    }

    /**
     * Names the port that failed. Netty's bind errors do not say which address they were about, so each
     * configured port is tried again on its own; the cause is kept for the stack trace.
     */
    private static StartupException bindFailure(ServerConfig config, InetSocketAddress grpcAddress,
                                                InetSocketAddress httpAddress, Throwable cause) {
        String problem = bindProblem(grpcAddress);
        if (problem != null) {
            return portUnavailable(ServerConfig.PORT, "gRPC", config.host(), config.port(), problem, cause);
        }
        problem = bindProblem(httpAddress);
        if (problem != null) {
            return portUnavailable(ServerConfig.HTTP_PORT, "HTTP", config.host(), config.httpPort(), problem, cause);
        }
        return new StartupException("cannot listen on " + endpoint(config.host(), config.port()) + " and "
                + endpoint(config.host(), config.httpPort()) + ": " + cause, cause);
    }

    private static StartupException portUnavailable(String field, String protocol, String host, int port,
                                                    String problem, Throwable cause) {
        return new StartupException(field + " " + port + " (" + protocol + ") is not available on " + host + ": "
                + problem, cause);
    }

    /** Why {@code address} cannot be listened on right now, or null if it can (or is an ephemeral port). */
    private static String bindProblem(InetSocketAddress address) {
        if (address.getPort() == 0) {
            return null;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(address);
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** {@code :6666} when listening on all interfaces (as Go and NATS print it), else {@code host:6666}. */
    private static String endpoint(String host, int port) {
        return (ServerConfig.DEFAULT_HOST.equals(host) ? "" : host) + ":" + port;
    }

    private static String readVersion() {
        try (InputStream in = JunctionServer.class.getResourceAsStream("version.txt")) {
            return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
