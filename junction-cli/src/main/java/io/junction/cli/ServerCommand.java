package io.junction.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

import org.slf4j.LoggerFactory;

import io.junction.broker.Durability;
import io.junction.server.JunctionServer;
import io.junction.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code junction server}: runs a broker in this process until Ctrl-C or SIGTERM, then stops it gracefully. The
 * option names and defaults are {@link ServerConfig}'s, so they cannot drift apart.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a Junction server until Ctrl-C or SIGTERM.")
final class ServerCommand implements Callable<Integer> {

    @Option(names = "--" + ServerConfig.DATA_DIR, paramLabel = "DIR", defaultValue = ServerConfig.DEFAULT_DATA_DIR,
            description = "Directory for everything the broker keeps; created if missing (default: ${DEFAULT-VALUE}).")
    private Path dataDir;

    @Option(names = "--" + ServerConfig.HOST, paramLabel = "ADDRESS", defaultValue = ServerConfig.DEFAULT_HOST,
            description = "Interface both ports listen on (default: ${DEFAULT-VALUE}, every one; 127.0.0.1 keeps "
                    + "the broker to this machine).")
    private String host;

    @Option(names = "--" + ServerConfig.PORT, paramLabel = "N", defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "gRPC port, for clients and the CLI; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--" + ServerConfig.HTTP_PORT, paramLabel = "N",
            defaultValue = "" + ServerConfig.DEFAULT_HTTP_PORT,
            description = "HTTP port, for /health; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    private int httpPort;

    @Option(names = "--" + ServerConfig.DURABILITY, paramLabel = "MODE", defaultValue = "fsync",
            converter = DurabilityConverter.class,
            description = {"When a produce is acknowledged: fsync (after an fsync covers it) or interval (once "
                + "written; fsynced every flush interval: faster, but a power loss can lose the last interval) "
                + "(default: ${DEFAULT-VALUE})."})
    private Durability durability;

    @Option(names = "--" + ServerConfig.FLUSH_INTERVAL, paramLabel = "DUR", defaultValue = "1s",
            converter = Converters.DurationConverter.class,
            description = "Fsync period of plain acks and, with --durability interval, of messages (default: "
                    + "${DEFAULT-VALUE}).")
    private Duration flushInterval;

    @Option(names = "--" + ServerConfig.SEGMENT_BYTES, paramLabel = "SIZE", converter = Converters.SizeConverter.class,
            defaultValue = "1GiB", description = "Seal partition segments at this size, for stations that set none; "
                    + "retention and compaction work on sealed segments (default: ${DEFAULT-VALUE}).")
    private long segmentBytes;

    @Option(names = "--" + ServerConfig.COMPACTION_THROTTLE, paramLabel = "SIZE",
            converter = Converters.SizeConverter.class, defaultValue = "64MiB",
            description = "How many bytes per second compaction may read, all stations together; 0 for no limit "
                    + "(default: ${DEFAULT-VALUE}).")
    private long compactionThrottle;

    @Option(names = "--" + ServerConfig.MAX_PREFETCH, paramLabel = "N", defaultValue = "1000",
            description = "The most unacked messages one consumer holds, however many credits it grants; more wait "
                    + "for its acks (default: ${DEFAULT-VALUE}).")
    private int maxPrefetch;

    @Option(names = "--" + ServerConfig.MAX_PREFETCH_BYTES, paramLabel = "SIZE",
            converter = Converters.SizeConverter.class, defaultValue = "32MiB",
            description = "The most bytes (keys, values, headers) of unacked messages one consumer holds; one message "
                    + "always goes (default: ${DEFAULT-VALUE}).")
    private long maxPrefetchBytes;

    @Option(names = "--" + ServerConfig.CONSUMER_HELD_BYTES, paramLabel = "SIZE",
            converter = Converters.SizeConverter.class, defaultValue = "256MiB",
            description = "The most bytes of messages all consumer groups together keep in memory beyond what they "
                    + "hand out (messages waiting behind busy keys, messages read again); past it they read again "
                    + "from disk (default: ${DEFAULT-VALUE}).")
    private long heldBytes;

    @Option(names = "--" + ServerConfig.CONSUMER_STALL_TIMEOUT, paramLabel = "DUR", defaultValue = "30s",
            converter = Converters.DurationConverter.class,
            description = "A consumer that reads nothing of its stream this long is removed and its messages go to "
                    + "the others (default: ${DEFAULT-VALUE}).")
    private Duration stallTimeout;

    @Option(names = "--" + ServerConfig.AUTH, paramLabel = "MODE", defaultValue = "loopback",
            converter = AuthConverter.class,
            description = {"Who must authenticate: loopback (a call from this machine, 127.0.0.1 or ::1, without "
                + "credentials acts as root; every other call authenticates) or required (every call) (default: "
                + "${DEFAULT-VALUE})."})
    private ServerConfig.AuthMode auth;

    @Option(names = "--" + ServerConfig.ROOT_PASSWORD_FILE, paramLabel = "FILE",
            description = "A file whose first line is root's password, read at start; the broker keeps only its "
                    + "hash, in the data directory. --auth required needs it until root has a password.")
    private Path rootPasswordFile;

    @Option(names = "--" + ServerConfig.SESSION_TTL, paramLabel = "DUR", defaultValue = "12h",
            converter = Converters.DurationConverter.class,
            description = "How long a session of 'junction login' lasts (default: ${DEFAULT-VALUE}; 1m to 30d).")
    private Duration sessionTtl;

    @Option(names = "--" + ServerConfig.TLS_CERT, paramLabel = "FILE",
            description = "TLS on both ports with this certificate chain (PEM); needs --" + ServerConfig.TLS_KEY
                    + ". Plaintext clients are then refused.")
    private Path tlsCert;

    @Option(names = "--" + ServerConfig.TLS_KEY, paramLabel = "FILE",
            description = "The private key (PEM, PKCS#8) of --" + ServerConfig.TLS_CERT + ".")
    private Path tlsKey;

    @Option(names = "--" + ServerConfig.TLS_CLIENT_CA, paramLabel = "FILE",
            description = "Require client certificates signed by these CAs (PEM): mutual TLS. A certificate's CN "
                    + "names the user a call acts as when it sends no token or password (alice@hr; root).")
    private Path tlsClientCa;

    @Option(names = "--" + ServerConfig.S3_BUCKET, paramLabel = "BUCKET",
            description = "Tiered storage in this S3 bucket: stations with --tiering on upload their sealed "
                    + "segments there and read them back when needed. Checked at start. Credentials: the AWS "
                    + "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or --"
                    + ServerConfig.S3_CREDENTIALS_FILE + ".")
    private String s3Bucket;

    @Option(names = "--" + ServerConfig.S3_ENDPOINT, paramLabel = "URL", converter = UriConverter.class,
            description = "An S3-compatible store (MinIO, Ceph, S3Proxy...) at this URL, such as "
                    + "http://127.0.0.1:9000, reached with path-style requests (default: AWS S3).")
    private java.net.URI s3Endpoint;

    @Option(names = "--" + ServerConfig.S3_REGION, paramLabel = "REGION",
            description = "The bucket's region (default: " + ServerConfig.DEFAULT_S3_REGION + ").")
    private String s3Region;

    @Option(names = "--" + ServerConfig.S3_PREFIX, paramLabel = "PREFIX",
            description = "A prefix of every object key, to share a bucket (default: none).")
    private String s3Prefix;

    @Option(names = "--" + ServerConfig.S3_CREDENTIALS_FILE, paramLabel = "FILE",
            description = "The S3 credentials, in the AWS shared-credentials format (profile [default]) "
                    + "(default: the AWS environment variables and default chain).")
    private Path s3CredentialsFile;

    @Option(names = "--" + ServerConfig.S3_UPLOAD_RATE, paramLabel = "SIZE",
            converter = Converters.SizeConverter.class, defaultValue = "0",
            description = "Upload at most this many bytes per second, all stations together, such as 10MiB "
                    + "(default: 0, unlimited).")
    private long s3UploadRate;

    @Option(names = "--" + ServerConfig.S3_CACHE_SIZE, paramLabel = "SIZE",
            converter = Converters.SizeConverter.class, defaultValue = "1GiB",
            description = "The local cache of segments read back from S3 (default: ${DEFAULT-VALUE}).")
    private long s3CacheSize;

    @Option(names = "--" + ServerConfig.S3_SYNC_INTERVAL, paramLabel = "DUR",
            converter = Converters.DurationConverter.class, defaultValue = "10s",
            description = "How often sealed segments are uploaded and uploaded ones trimmed from local disk "
                    + "(default: ${DEFAULT-VALUE}).")
    private java.time.Duration s3SyncInterval;

    @Option(names = "--" + ServerConfig.S3_ENCRYPTION_KEY_FILE, paramLabel = "FILE",
            description = "Encrypt every uploaded object (AES-256-GCM) under data keys wrapped by the key in this "
                    + "file (default: objects stored as they are on disk).")
    private Path s3EncryptionKeyFile;

    /** An absolute http(s) URL. */
    static final class UriConverter implements picocli.CommandLine.ITypeConverter<java.net.URI> {
        @Override
        public java.net.URI convert(String value) {
            try {
                final java.net.URI uri = new java.net.URI(value.strip());
                if (uri.getScheme() == null || uri.getHost() == null) {
                    throw new java.net.URISyntaxException(value, "not an absolute URL with a host");
                }
                return uri;
            } catch (java.net.URISyntaxException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a URL such as "
                        + "http://127.0.0.1:9000 or https://s3.example.com");
            }
        }
    }

    /** {@code fsync} or {@code interval}. */
    static final class DurabilityConverter implements picocli.CommandLine.ITypeConverter<Durability> {
        @Override
        public Durability convert(String value) {
            switch (value.strip()) {
                case "fsync": return Durability.FSYNC;
                case "interval": return Durability.INTERVAL;
                default: throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a durability: use fsync or interval");
            }
        }
    }

    /** {@code loopback} or {@code required}. */
    static final class AuthConverter implements picocli.CommandLine.ITypeConverter<ServerConfig.AuthMode> {
        @Override
        public ServerConfig.AuthMode convert(String value) {
            switch (value.strip()) {
                case "loopback": return ServerConfig.AuthMode.LOOPBACK;
                case "required": return ServerConfig.AuthMode.REQUIRED;
                default: throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not an auth mode: use loopback or required");
            }
        }
    }

    /** How long a graceful stop may take before the process halts (unacked work is redelivered after a restart). */
    static final Duration STOP_LIMIT = Duration.ofSeconds(30);

    @Override
    public Integer call() throws InterruptedException {
        final JunctionServer server = JunctionServer.start(ServerConfig.builder()
                .dataDir(dataDir)
                .host(host)
                .port(port)
                .httpPort(httpPort)
                .durability(durability)
                .flushInterval(flushInterval)
                .segmentBytes(segmentBytes)
                .compactionThrottle(compactionThrottle)
                .maxPrefetch(maxPrefetch)
                .maxPrefetchBytes(maxPrefetchBytes)
                .consumerStallTimeout(stallTimeout)
                .consumerHeldBytes(heldBytes)
                .auth(auth)
                .rootPasswordFile(rootPasswordFile)
                .sessionTtl(sessionTtl)
                .tls(tlsCert, tlsKey)
                .tlsClientCa(tlsClientCa)
                .s3(s3Endpoint, s3Bucket, s3Region, s3Prefix, s3CredentialsFile)
                .s3UploadRate(s3UploadRate)
                .s3CacheSize(s3CacheSize)
                .s3SyncInterval(s3SyncInterval)
                .s3EncryptionKeyFile(s3EncryptionKeyFile)
                .build());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM always stops the process: if a graceful stop hangs, the process halts after STOP_LIMIT.
            final Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(STOP_LIMIT.toMillis());
                } catch (InterruptedException stopped) {
                    return;
                }
                LoggerFactory.getLogger(ServerCommand.class).error("Junction did not stop within {}; halting",
                        STOP_LIMIT);
                Runtime.getRuntime().halt(1);
            }, "junction-stop-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            server.close();
            watchdog.interrupt();
            LoggerFactory.getLogger(ServerCommand.class).info("Junction stopped");
        }, "junction-shutdown"));
        server.awaitTermination();
        return 0;
    }
}
