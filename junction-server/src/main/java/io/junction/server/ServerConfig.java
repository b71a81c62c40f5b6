package io.junction.server;

import io.junction.broker.BrokerConfig;
import io.junction.broker.Durability;
import io.junction.broker.StationConfig;
import io.junction.tier.S3Settings;
import io.junction.tier.TierSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of one Junction server, validated once when built; a bad value names its field. Each setting's
 * name, default and meaning is here and nowhere else: the names are the ones the {@code junction server} command
 * takes as options ({@code --port}), so an error message points at what the user typed. Immutable; thread-safe.
 */
public final class ServerConfig {

    /** Where the broker keeps everything it stores; created when missing, locked while a server runs on it. */
    public static final String DATA_DIR = "data";
    public static final String DEFAULT_DATA_DIR = "./data";

    /**
     * Interface both ports listen on. All of them by default, like Kafka and NATS, so a broker in a container or
     * on a LAN is reachable without extra settings; use {@code 127.0.0.1} to keep it to this machine.
     */
    public static final String HOST = "host";
    public static final String DEFAULT_HOST = "0.0.0.0";

    /** The gRPC port: clients and the CLI. {@code 0} picks a free port (see {@link JunctionServer#grpcPort()}). */
    public static final String PORT = "port";
    public static final int DEFAULT_PORT = 6666;

    /** The HTTP port: health now; later the web UI, REST gateway and metrics. {@code 0} picks a free port. */
    public static final String HTTP_PORT = "http-port";
    public static final int DEFAULT_HTTP_PORT = 9000;

    /**
     * When a produce is acknowledged: {@code fsync} (after an fsync covers it; group commit) or {@code interval}
     * (once written to the OS; fsynced every flush interval — faster, but a power loss can lose the last interval).
     */
    public static final String DURABILITY = "durability";
    public static final Durability DEFAULT_DURABILITY = Durability.FSYNC;

    /** The fsync period of group state (plain acks) and, in {@code interval} durability, of the partitions. */
    public static final String FLUSH_INTERVAL = "flush-interval";
    public static final Duration DEFAULT_FLUSH_INTERVAL = BrokerConfig.DEFAULT_FLUSH_INTERVAL;

    /** The size at which partitions' segments are sealed, for stations that do not set their own. */
    public static final String SEGMENT_BYTES = "segment-bytes";
    public static final long DEFAULT_SEGMENT_BYTES = BrokerConfig.DEFAULT_SEGMENT_BYTES;

    /** How fast compaction may read, in bytes per second, all stations together; 0 = unlimited. */
    public static final String COMPACTION_THROTTLE = "compaction-throttle";
    public static final long DEFAULT_COMPACTION_THROTTLE = BrokerConfig.DEFAULT_COMPACTION_BYTES_PER_SECOND;

    /** The most unacked deliveries one group member holds, however many credits it grants. */
    public static final String MAX_PREFETCH = "max-prefetch";
    /** The most bytes of unacked deliveries one group member holds (one message always goes). */
    public static final String MAX_PREFETCH_BYTES = "max-prefetch-bytes";
    /**
     * The most bytes of message contents all groups together keep beyond what they hand out (messages waiting
     * behind busy keys, messages read again); past it they keep offsets and read again.
     */
    public static final String CONSUMER_HELD_BYTES = "consumer-held-bytes";
    /** How long a group member may leave its stream unread before it is removed. */
    public static final String CONSUMER_STALL_TIMEOUT = "consumer-stall-timeout";
    public static final BrokerConfig.ConsumerLimits DEFAULT_CONSUMER_LIMITS = BrokerConfig.ConsumerLimits.DEFAULTS;

    /**
     * Who must authenticate: {@code loopback} (a call from 127.0.0.1 or ::1 without credentials acts as root;
     * every other call authenticates) or {@code required} (every call authenticates).
     */
    public static final String AUTH = "auth";
    public static final AuthMode DEFAULT_AUTH = AuthMode.LOOPBACK;

    /** A file whose first line is root's password, read at start and kept only as a hash. */
    public static final String ROOT_PASSWORD_FILE = "root-password-file";

    /** How long a session from {@code junction login} lasts. */
    public static final String SESSION_TTL = "session-ttl";
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(12);

    /**
     * TLS on both ports: the server's certificate chain and its private key (PEM, the key PKCS#8). With TLS, both
     * ports speak only TLS: a plaintext client is refused.
     */
    public static final String TLS_CERT = "tls-cert";
    public static final String TLS_KEY = "tls-key";
    /**
     * Require client certificates signed by these CAs (PEM): mutual TLS. A certificate's subject CN names the user
     * it authenticates as ({@code alice@hr}; {@code root}; no "@": the default tenant) when a call carries no
     * other credentials.
     */
    public static final String TLS_CLIENT_CA = "tls-client-ca";

    /**
     * Tiered storage (stations with tiering on upload their sealed segments there): the bucket; without it the
     * server has no object store and refuses stations with tiering. Checked at start: an unreachable store or a
     * missing bucket stops the server with a message naming them.
     */
    public static final String S3_BUCKET = "s3-bucket";
    /** An S3-compatible server ({@code http(s)://host:port}), reached with path-style requests; none: AWS S3. */
    public static final String S3_ENDPOINT = "s3-endpoint";
    /** The signing region (AWS: the bucket's region). */
    public static final String S3_REGION = "s3-region";
    public static final String DEFAULT_S3_REGION = S3Settings.DEFAULT_REGION;
    /** A prefix of every object's key (several brokers in one bucket); none by default. */
    public static final String S3_PREFIX = "s3-prefix";
    /**
     * The credentials: a file in the AWS shared-credentials format (profile {@code [default]}); none: the standard
     * AWS environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the SDK's default chain.
     */
    public static final String S3_CREDENTIALS_FILE = "s3-credentials-file";
    /** How fast segments are uploaded, in bytes per second, all stations together; 0 = unlimited. */
    public static final String S3_UPLOAD_RATE = "s3-upload-rate";
    public static final long DEFAULT_S3_UPLOAD_RATE = 0;
    /** The local cache of segments read back from the object store. */
    public static final String S3_CACHE_SIZE = "s3-cache-size";
    public static final String S3_SYNC_INTERVAL = "s3-sync-interval";
    public static final long DEFAULT_S3_CACHE_SIZE = TierSettings.DEFAULT_CACHE_BYTES;
    /** Encrypts every uploaded object (AES-256-GCM) under data keys wrapped by the key in this file. */
    public static final String S3_ENCRYPTION_KEY_FILE = "s3-encryption-key-file";

    /** The server's authentication modes: see {@link #AUTH}. */
    public enum AuthMode {
        LOOPBACK, REQUIRED
    }

    static final int MAX_PORT = 65_535;

    private final Path dataDir;
    private final String host;
    private final int port;
    private final int httpPort;
    private final Durability durability;
    private final Duration flushInterval;
    private final long segmentBytes;
    private final long compactionThrottle;
    private final BrokerConfig.ConsumerLimits consumerLimits;
    private final AuthMode auth;
    private final Path rootPasswordFile;
    private final Duration sessionTtl;
    private final Path tlsCert;
    private final Path tlsKey;
    private final Path tlsClientCa;
    private final TierSettings tiering;

    private ServerConfig(Builder b, TierSettings tiering) {
        this.tiering = tiering;
        this.tlsCert = b.tlsCert;
        this.tlsKey = b.tlsKey;
        this.tlsClientCa = b.tlsClientCa;
        this.auth = b.auth;
        this.rootPasswordFile = b.rootPasswordFile;
        this.sessionTtl = b.sessionTtl;
        this.dataDir = b.dataDir;
        this.host = b.host;
        this.port = b.port;
        this.httpPort = b.httpPort;
        this.durability = b.durability;
        this.flushInterval = b.flushInterval;
        this.segmentBytes = b.segmentBytes;
        this.compactionThrottle = b.compactionThrottle;
        this.consumerLimits = new BrokerConfig.ConsumerLimits(b.maxPrefetch, b.maxPrefetchBytes, b.stallTimeout,
                b.heldBytes);
    }

    public static ServerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** As given, possibly relative; {@link JunctionServer#dataDir()} is the absolute directory in use. */
    public Path dataDir() {
        return dataDir;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int httpPort() {
        return httpPort;
    }

    public Durability durability() {
        return durability;
    }

    public Duration flushInterval() {
        return flushInterval;
    }

    public long segmentBytes() {
        return segmentBytes;
    }

    /** Bytes per second; 0 = unlimited. */
    public long compactionThrottle() {
        return compactionThrottle;
    }

    public BrokerConfig.ConsumerLimits consumerLimits() {
        return consumerLimits;
    }

    public AuthMode auth() {
        return auth;
    }

    /** Null when none was given. */
    public Path rootPasswordFile() {
        return rootPasswordFile;
    }

    public Duration sessionTtl() {
        return sessionTtl;
    }

    /** Whether both ports speak TLS. */
    public boolean tls() {
        return tlsCert != null;
    }

    /** Null without TLS. */
    public Path tlsCert() {
        return tlsCert;
    }

    /** Null without TLS. */
    public Path tlsKey() {
        return tlsKey;
    }

    /** Null unless client certificates are required. */
    public Path tlsClientCa() {
        return tlsClientCa;
    }

    /** The object store and how tiered storage uses it; null without {@code --s3-bucket} (no tiering). */
    public TierSettings tiering() {
        return tiering;
    }

    @Override
    public String toString() {
        return "ServerConfig{" + DATA_DIR + "=" + dataDir + ", " + HOST + "=" + host + ", " + PORT + "=" + port
                + ", " + HTTP_PORT + "=" + httpPort + ", " + DURABILITY + "=" + durability + ", " + FLUSH_INTERVAL + "="
                + flushInterval + ", " + SEGMENT_BYTES + "=" + segmentBytes + ", " + COMPACTION_THROTTLE + "="
                + compactionThrottle + ", " + MAX_PREFETCH + "=" + consumerLimits.maxPrefetch() + ", "
                + MAX_PREFETCH_BYTES + "=" + consumerLimits.maxPrefetchBytes() + ", " + CONSUMER_STALL_TIMEOUT + "="
                + consumerLimits.stallTimeout() + ", " + CONSUMER_HELD_BYTES + "=" + consumerLimits.heldBytes() + ", "
                + AUTH + "=" + auth + ", " + ROOT_PASSWORD_FILE + "=" + rootPasswordFile + ", " + SESSION_TTL + "="
                + sessionTtl + ", " + TLS_CERT + "=" + tlsCert + ", " + TLS_KEY + "=" + tlsKey + ", " + TLS_CLIENT_CA
                + "=" + tlsClientCa + ", tiering=" + (tiering == null ? "off" : tiering.s3().describe() + ", "
                + S3_UPLOAD_RATE + "=" + tiering.uploadBytesPerSecond() + ", " + S3_CACHE_SIZE + "="
                + tiering.cacheBytes() + ", " + S3_ENCRYPTION_KEY_FILE + "=" + tiering.encryptionKeyFile()) + "}";
    }

    /** Not thread-safe. */
    public static final class Builder {
        private Path dataDir = Path.of(DEFAULT_DATA_DIR);
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private int httpPort = DEFAULT_HTTP_PORT;
        private Durability durability = DEFAULT_DURABILITY;
        private Duration flushInterval = DEFAULT_FLUSH_INTERVAL;
        private long segmentBytes = DEFAULT_SEGMENT_BYTES;
        private long compactionThrottle = DEFAULT_COMPACTION_THROTTLE;
        private int maxPrefetch = DEFAULT_CONSUMER_LIMITS.maxPrefetch();
        private long maxPrefetchBytes = DEFAULT_CONSUMER_LIMITS.maxPrefetchBytes();
        private Duration stallTimeout = DEFAULT_CONSUMER_LIMITS.stallTimeout();
        private long heldBytes = DEFAULT_CONSUMER_LIMITS.heldBytes();
        private AuthMode auth = DEFAULT_AUTH;
        private Path rootPasswordFile;
        private Duration sessionTtl = DEFAULT_SESSION_TTL;
        private Path tlsCert;
        private Path tlsKey;
        private Path tlsClientCa;
        private URI s3Endpoint;
        private String s3Bucket;
        private String s3Region;
        private String s3Prefix;
        private Path s3CredentialsFile;
        private long s3UploadRate = DEFAULT_S3_UPLOAD_RATE;
        private long s3CacheSize = DEFAULT_S3_CACHE_SIZE;
        private java.time.Duration s3SyncInterval = TierSettings.DEFAULT_INTERVAL;
        private Path s3EncryptionKeyFile;

        private Builder() {
        }

        /**
         * Tiered storage in {@code bucket} (null: none), at {@code endpoint} (null: AWS S3) in {@code region} (null:
         * the default), under {@code prefix} (null: none), with the credentials of {@code credentialsFile} (null: the
         * AWS environment variables and default chain).
         */
        public Builder s3(URI endpoint, String bucket, String region, String prefix, Path credentialsFile) {
            this.s3Endpoint = endpoint;
            this.s3Bucket = bucket;
            this.s3Region = region;
            this.s3Prefix = prefix;
            this.s3CredentialsFile = credentialsFile;
            return this;
        }

        /** Bytes per second of uploads, all stations together; 0 = unlimited. */
        public Builder s3UploadRate(long bytesPerSecond) {
            this.s3UploadRate = bytesPerSecond;
            return this;
        }

        /** How often the tier looks for sealed segments to upload and local segments to trim (default 10 s). */
        public Builder s3SyncInterval(java.time.Duration interval) {
            this.s3SyncInterval = interval;
            return this;
        }

        public Builder s3CacheSize(long bytes) {
            this.s3CacheSize = bytes;
            return this;
        }

        /** Null: objects stored unencrypted. */
        public Builder s3EncryptionKeyFile(Path keyFile) {
            this.s3EncryptionKeyFile = keyFile;
            return this;
        }

        /** TLS on both ports with this certificate chain and private key (PEM files); null for none. */
        public Builder tls(Path certificateChain, Path privateKey) {
            this.tlsCert = certificateChain;
            this.tlsKey = privateKey;
            return this;
        }

        /** Require client certificates signed by these CAs (a PEM file); null for none. */
        public Builder tlsClientCa(Path caCertificates) {
            this.tlsClientCa = caCertificates;
            return this;
        }

        public Builder auth(AuthMode auth) {
            this.auth = auth;
            return this;
        }

        public Builder rootPasswordFile(Path file) {
            this.rootPasswordFile = file;
            return this;
        }

        public Builder sessionTtl(Duration ttl) {
            this.sessionTtl = ttl;
            return this;
        }

        public Builder maxPrefetch(int messages) {
            this.maxPrefetch = messages;
            return this;
        }

        public Builder maxPrefetchBytes(long bytes) {
            this.maxPrefetchBytes = bytes;
            return this;
        }

        public Builder consumerHeldBytes(long bytes) {
            this.heldBytes = bytes;
            return this;
        }

        public Builder consumerStallTimeout(Duration timeout) {
            this.stallTimeout = timeout;
            return this;
        }

        public Builder segmentBytes(long segmentBytes) {
            this.segmentBytes = segmentBytes;
            return this;
        }

        public Builder compactionThrottle(long bytesPerSecond) {
            this.compactionThrottle = bytesPerSecond;
            return this;
        }

        public Builder durability(Durability durability) {
            this.durability = durability;
            return this;
        }

        public Builder flushInterval(Duration flushInterval) {
            this.flushInterval = flushInterval;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder httpPort(int httpPort) {
            this.httpPort = httpPort;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting that is missing or out of range */
        public ServerConfig build() {
            if (dataDir == null || dataDir.toString().isEmpty()) {
                throw new IllegalArgumentException(DATA_DIR + " must be a directory path, was " + dataDir);
            }
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException(HOST + " must be a host name or IP address, was '" + host + "'");
            }
            if (durability == null) {
                throw new IllegalArgumentException(DURABILITY + " must be fsync or interval");
            }
            if (flushInterval == null || flushInterval.toMillis() < 1
                    || flushInterval.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException(FLUSH_INTERVAL + " must be in [1ms, 10m], was " + flushInterval);
            }
            if (segmentBytes < StationConfig.MIN_SEGMENT_BYTES || segmentBytes > StationConfig.MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException(SEGMENT_BYTES + " must be in [1KiB, 1GiB], was " + segmentBytes);
            }
            if (compactionThrottle < 0) {
                throw new IllegalArgumentException(COMPACTION_THROTTLE + " must not be negative (0: unlimited), was "
                        + compactionThrottle);
            }
            if (maxPrefetch < 1 || maxPrefetch > 1_000_000) {
                throw new IllegalArgumentException(MAX_PREFETCH + " must be in [1, 1000000], was " + maxPrefetch);
            }
            if (maxPrefetchBytes < 1 || maxPrefetchBytes > (1L << 30)) {
                throw new IllegalArgumentException(MAX_PREFETCH_BYTES + " must be in [1B, 1GiB], was "
                        + maxPrefetchBytes);
            }
            if (heldBytes < 0 || heldBytes > (64L << 30)) {
                throw new IllegalArgumentException(CONSUMER_HELD_BYTES + " must be in [0B, 64GiB], was " + heldBytes);
            }
            if (stallTimeout == null || stallTimeout.toMillis() < 100 || stallTimeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException(CONSUMER_STALL_TIMEOUT + " must be in [100ms, 1h], was "
                        + stallTimeout);
            }
            if (auth == null) {
                throw new IllegalArgumentException(AUTH + " must be loopback or required");
            }
            if (sessionTtl == null || sessionTtl.compareTo(Duration.ofMinutes(1)) < 0
                    || sessionTtl.compareTo(Duration.ofDays(30)) > 0) {
                throw new IllegalArgumentException(SESSION_TTL + " must be in [1m, 30d], was " + sessionTtl);
            }
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new IllegalArgumentException(TLS_CERT + " and " + TLS_KEY + " go together: give both or "
                        + "neither");
            }
            if (tlsClientCa != null && tlsCert == null) {
                throw new IllegalArgumentException(TLS_CLIENT_CA + " needs TLS: give " + TLS_CERT + " and "
                        + TLS_KEY + " too");
            }
            requirePort(PORT, port);
            requirePort(HTTP_PORT, httpPort);
            if (port != 0 && port == httpPort) {
                throw new IllegalArgumentException(PORT + " and " + HTTP_PORT + " must differ, both were " + port);
            }
            return new ServerConfig(this, tiering());
        }

        /** The tier settings of the {@code s3-*} fields; null without a bucket (then no other s3 field may be set). */
        private TierSettings tiering() {
            if (s3Bucket == null) {
                String stray = s3Endpoint != null ? S3_ENDPOINT : s3Region != null ? S3_REGION : s3Prefix != null
                        ? S3_PREFIX : s3CredentialsFile != null ? S3_CREDENTIALS_FILE : s3EncryptionKeyFile != null
                        ? S3_ENCRYPTION_KEY_FILE : s3UploadRate != DEFAULT_S3_UPLOAD_RATE ? S3_UPLOAD_RATE
                        : s3CacheSize != DEFAULT_S3_CACHE_SIZE ? S3_CACHE_SIZE
                        : !s3SyncInterval.equals(TierSettings.DEFAULT_INTERVAL) ? S3_SYNC_INTERVAL : null;
                if (stray != null) {
                    throw new IllegalArgumentException(stray + " needs " + S3_BUCKET + " (tiered storage is off "
                            + "without a bucket)");
                }
                return null;
            }
            if (s3UploadRate < 0) {
                throw new IllegalArgumentException(S3_UPLOAD_RATE + " must not be negative (0: unlimited), was "
                        + s3UploadRate);
            }
            if (s3CacheSize < (1L << 20)) {
                throw new IllegalArgumentException(S3_CACHE_SIZE + " must be at least 1MiB, was " + s3CacheSize);
            }
            // S3Settings refuses a bad endpoint, bucket, region or prefix with a message naming it
            S3Settings s3 = S3Settings.of(s3Endpoint, s3Bucket, s3Region, s3Prefix, s3CredentialsFile);
            if (s3SyncInterval == null || s3SyncInterval.toMillis() < 10 || s3SyncInterval.toHours() > 24) {
                throw new IllegalArgumentException(S3_SYNC_INTERVAL + " must be in [10ms, 24h], was " + s3SyncInterval);
            }
            return new TierSettings(s3, s3UploadRate, s3CacheSize, s3EncryptionKeyFile, s3SyncInterval);
        }

        private static void requirePort(String field, int value) {
            if (value < 0 || value > MAX_PORT) {
                throw new IllegalArgumentException(field + " must be in [0, " + MAX_PORT + "] (0 picks a free port),"
                        + " was " + value);
            }
        }
    }
}
