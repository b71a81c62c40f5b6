package io.junction.tier;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * An S3 server in this JVM for tests: S3Proxy on its filesystem backend under a directory, on 127.0.0.1 and a
 * free port, with AWS v4 authentication and one bucket. Other modules' tests use it through junction-tier's
 * test-jar.
 *
 * <pre>{@code
 * try (S3ProxyServer s3 = S3ProxyServer.start(dir); S3ObjectStore store = S3ObjectStore.open(s3.settings("p/"))) {
 *     store.put("a", bytes);
 * }
 * }</pre>
 *
 * <p>Threads: S3Proxy's (Jetty's) own; the methods are safe from any thread.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String BUCKET = "junction-test";
    public static final String ACCESS_KEY = "junction-access";
    public static final String SECRET_KEY = "junction-secret-0123456789";
    private static final Duration START_LIMIT = Duration.ofSeconds(30);

    private final S3Proxy proxy;
    private final BlobStore blobs;
    private final URI endpoint;
    private final Path credentialsFile;

    private S3ProxyServer(S3Proxy proxy, BlobStore blobs, URI endpoint, Path credentialsFile) {
        this.proxy = proxy;
        this.blobs = blobs;
        this.endpoint = endpoint;
        this.credentialsFile = credentialsFile;
    }

    /** Starts S3Proxy with its objects under {@code dataDir/blobs} and the bucket {@value #BUCKET} made. */
    public static S3ProxyServer start(Path dataDir) throws IOException {
        Path blobDir = Files.createDirectories(dataDir.resolve("blobs"));
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", blobDir.toAbsolutePath().toString());
        properties.setProperty("jclouds.identity", ACCESS_KEY);
        properties.setProperty("jclouds.credential", SECRET_KEY);
        BlobStore blobs = BlobStores.create("filesystem", properties);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobs)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .ignoreUnknownHeaders(true)
                .stopTimeout(0)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + START_LIMIT.toNanos();
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("S3Proxy did not start within " + START_LIMIT + ": " + proxy.getState());
                }
                Thread.sleep(10);
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("S3Proxy did not start", e);
        }
        blobs.createContainer(BUCKET);
        URI endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        var server = new S3ProxyServer(proxy, blobs, endpoint, dataDir.resolve("aws-credentials"));
        server.writeCredentialsFile(server.credentialsFile);
        return server;
    }

    public URI endpoint() {
        return endpoint;
    }

    public String bucket() {
        return BUCKET;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return SECRET_KEY;
    }

    /** The credentials file that {@link #settings} point at (AWS shared-credentials format). */
    public Path credentialsFile() {
        return credentialsFile;
    }

    /** Settings for this server: path style, its bucket, region us-east-1, its credentials file. */
    public S3Settings settings(String prefix) {
        return S3Settings.of(endpoint, BUCKET, S3Settings.DEFAULT_REGION, prefix, credentialsFile);
    }

    /** Writes this server's access key and secret as the [default] profile of an AWS shared-credentials file. */
    public Path writeCredentialsFile(Path file) throws IOException {
        return writeCredentialsFile(file, ACCESS_KEY, SECRET_KEY);
    }

    /** Writes any key pair as an AWS shared-credentials file (wrong ones too, for tests of refusals). */
    public static Path writeCredentialsFile(Path file, String accessKey, String secretKey) throws IOException {
        String text = "[default]\naws_access_key_id = " + accessKey + "\naws_secret_access_key = " + secretKey + "\n";
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Makes another bucket (the server has {@value #BUCKET} from the start). */
    public void createBucket(String name) {
        blobs.createContainer(name);
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        } finally {
            blobs.close();
        }
    }

    @Override
    public String toString() {
        return "S3ProxyServer[" + endpoint + " bucket " + BUCKET + "]";
    }
}
