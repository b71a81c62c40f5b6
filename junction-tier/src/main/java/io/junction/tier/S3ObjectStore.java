package io.junction.tier;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The {@link ObjectStore} on S3 or an S3-compatible server, through the AWS SDK's synchronous {@link S3Client} on
 * the blocking Apache HttpClient 5 (no Netty, no CRT: the broker's Netty belongs to Armeria).
 *
 * <p>Design note: calls block the calling thread for the whole transfer, so callers run them on threads of
 * their own (uploads and downloads of closed segments), never on an event loop. The SDK retries throttling, 5xx
 * and I/O errors {@code maxAttempts - 1} times with backoff; each attempt is bounded by the settings' request
 * timeout. Checksums are sent and checked only where S3 requires them, since S3-compatible servers refuse the
 * newer CRC headers the SDK sends by default (S3Proxy among them). Nothing here logs, so no secret can leak
 * into a log; messages name the bucket, prefix, endpoint and key only.
 *
 * <p>Threads: thread-safe (the SDK client is); {@link #close()} once no call is running.
 */
public final class S3ObjectStore implements ObjectStore {

    /** Attempts per call when not told otherwise: the SDK's standard mode. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** The profile read from a credentials file. */
    public static final String CREDENTIALS_PROFILE = "default";

    private static final int S3_MAX_LIST_PAGE = 1000;
    private static final String CHECK_PREFIX = ".junction-check/";

    private final S3Settings settings;
    private final S3Client s3;
    private final int listPageSize;
    private final int maxAttempts;

    private S3ObjectStore(S3Settings settings, S3Client s3, int maxAttempts, int listPageSize) {
        this.settings = settings;
        this.s3 = s3;
        this.maxAttempts = maxAttempts;
        this.listPageSize = listPageSize;
    }

    /** Builds the client with {@value #DEFAULT_MAX_ATTEMPTS} attempts per call; does not touch the network. */
    public static S3ObjectStore open(S3Settings settings) {
        return open(settings, DEFAULT_MAX_ATTEMPTS);
    }

    /**
     * Builds the client with {@code maxAttempts} attempts per call (1 = no retry); does not touch the network.
     * An unreadable credentials file is refused here (IllegalArgumentException naming it).
     */
    public static S3ObjectStore open(S3Settings settings, int maxAttempts) {
        return open(settings, maxAttempts, S3_MAX_LIST_PAGE);
    }

    /** {@code listPageSize}: keys per list request (S3's maximum is 1000): lower in tests of pagination. */
    static S3ObjectStore open(S3Settings settings, int maxAttempts, int listPageSize) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("S3 max attempts must be at least 1: " + maxAttempts);
        }
        if (listPageSize < 1 || listPageSize > S3_MAX_LIST_PAGE) {
            throw new IllegalArgumentException("S3 list page size must be 1.." + S3_MAX_LIST_PAGE);
        }
        var http = Apache5HttpClient.builder()
                .socketTimeout(settings.requestTimeout())
                .connectionTimeout(settings.requestTimeout())
                .expectContinueEnabled(false);
        var override = ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(maxAttempts).build())
                .apiCallAttemptTimeout(settings.requestTimeout())
                .build();
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials(settings))
                .httpClientBuilder(http)
                .overrideConfiguration(override)
                .forcePathStyle(settings.pathStyle())
                // One signature over the whole body instead of aws-chunked frames signed one by one: 2.5x the upload
                // rate against S3Proxy here (junction-bench/run tier); over HTTPS the SDK signs no payload anyway.
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        return new S3ObjectStore(settings, builder.build(), maxAttempts, listPageSize);
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        Path file = settings.credentialsFile();
        if (file == null) {
            return DefaultCredentialsProvider.builder().build();
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("S3 credentials file " + file + " is not a readable file");
        }
        ProfileFile profiles = ProfileFile.builder().content(file).type(ProfileFile.Type.CREDENTIALS).build();
        if (profiles.profile(CREDENTIALS_PROFILE).isEmpty()) {
            throw new IllegalArgumentException("S3 credentials file " + file + " has no [" + CREDENTIALS_PROFILE
                    + "] profile (AWS shared-credentials format: aws_access_key_id, aws_secret_access_key)");
        }
        return ProfileCredentialsProvider.builder().profileFile(profiles).profileName(CREDENTIALS_PROFILE).build();
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        String name = objectKey(key);
        long size = Files.size(file); // a missing local file is the caller's NoSuchFileException, not the store's
        try {
            s3.putObject(b -> b.bucket(settings.bucket()).key(name).contentLength(size), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public void put(String key, Path file, String crc32c) throws IOException {
        String name = objectKey(key);
        String checksum = ObjectDigests.crc32cBase64(crc32c);
        long size = Files.size(file);
        try {
            s3.putObject(b -> b.bucket(settings.bucket()).key(name).contentLength(size).checksumCRC32C(checksum),
                    RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes) throws IOException {
        String name = objectKey(key);
        try {
            s3.putObject(b -> b.bucket(settings.bucket()).key(name), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        String name = objectKey(key);
        try {
            return s3.getObjectAsBytes(b -> b.bucket(settings.bucket()).key(name)).asByteArray();
        } catch (SdkException e) {
            throw failure("get", key, e);
        }
    }

    @Override
    public void download(String key, Path target) throws IOException {
        String name = objectKey(key);
        Path absolute = target.toAbsolutePath();
        Path temp = absolute.resolveSibling(absolute.getFileName() + ".download-" + UUID.randomUUID());
        try (ResponseInputStream<GetObjectResponse> in =
                     s3.getObject(b -> b.bucket(settings.bucket()).key(name))) {
            Files.copy(in, temp);
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (SdkException e) {
            throw failure("download", key, e);
        } catch (IOException e) {
            // the connection broke mid-body, or the local disk refused the copy: say which file either way
            throw new ObjectStoreException(message("download", key, "copying the object to " + temp + ": " + e), e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        String base = settings.prefix();
        ListObjectsV2Request request = ListObjectsV2Request.builder()
                .bucket(settings.bucket()).prefix(base + prefix).maxKeys(listPageSize).build();
        List<String> keys = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(request).contents()) {
                keys.add(object.key().substring(base.length()));
            }
        } catch (SdkException e) {
            throw failure("list", prefix + "*", e);
        }
        keys.sort(null);
        return keys;
    }

    @Override
    public void delete(String key) throws IOException {
        String name = objectKey(key);
        try {
            s3.deleteObject(b -> b.bucket(settings.bucket()).key(name));
        } catch (NoSuchKeyException e) {
            // absent: done (S3 answers 204 anyway; some compatible servers answer 404)
        } catch (SdkException e) {
            throw failure("delete", key, e);
        }
    }

    /**
     * Checks the bucket is reachable and writable: a put, get and delete of a small probe object under the
     * prefix. An {@link ObjectStoreException} with a clear message otherwise.
     */
    public void check() throws IOException {
        String probe = CHECK_PREFIX + UUID.randomUUID();
        byte[] content = ("junction check of " + describe()).getBytes(StandardCharsets.UTF_8);
        try {
            put(probe, content);
            byte[] back = get(probe);
            if (!Arrays.equals(content, back)) {
                throw new ObjectStoreException(message("check", probe, "read back " + back.length
                        + " bytes that differ from the " + content.length + " written"), null);
            }
            delete(probe);
        } catch (NoSuchFileException e) {
            throw new ObjectStoreException("S3 store " + describe() + " is not usable: the probe object " + probe
                    + " was not found right after it was written", e);
        } catch (ObjectStoreException e) {
            throw new ObjectStoreException("S3 store " + describe() + " is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3ObjectStore[" + describe() + "]";
    }

    private String objectKey(String key) {
        if (key == null || key.isEmpty() || key.startsWith("/")) {
            throw new IllegalArgumentException("object key must be non-empty and not start with '/': '" + key + "'");
        }
        return settings.prefix() + key;
    }

    private IOException failure(String operation, String key, SdkException e) {
        boolean absent = e instanceof NoSuchKeyException
                || e instanceof S3Exception s3e && s3e.statusCode() == 404 && "NoSuchKey".equals(errorCode(s3e));
        if (absent) {
            var noSuchFile = new NoSuchFileException(describe() + " " + key, null, "no such object");
            noSuchFile.initCause(e);
            return noSuchFile;
        }
        return new ObjectStoreException(message(operation, key, why(e)), e);
    }

    private String message(String operation, String key, String why) {
        return "S3 " + operation + " of '" + key + "' in " + describe() + " failed: " + why;
    }

    private String why(SdkException e) {
        if (e instanceof S3Exception s3e) {
            String code = errorCode(s3e);
            int status = s3e.statusCode();
            String detail = " (HTTP " + status + (code != null ? ", " + code : "") + ")";
            if ("NoSuchBucket".equals(code)) {
                return "bucket '" + settings.bucket() + "' does not exist" + detail;
            }
            if (status == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
                return "access denied: check the credentials and the bucket's permissions" + detail;
            }
            String text = s3e.awsErrorDetails() != null ? s3e.awsErrorDetails().errorMessage() : null;
            return "the server answered with an error" + detail + (text != null ? ": " + text : "")
                    + attempts();
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiCallAttemptTimeoutException || t instanceof ApiCallTimeoutException
                    || t instanceof SocketTimeoutException) {
                return "timed out: no answer within the request timeout of " + settings.requestTimeout().toMillis()
                        + " ms" + attempts() + " (" + t.getMessage() + ")";
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException) {
                return "cannot connect: " + t + attempts();
            }
        }
        return String.valueOf(e.getMessage());
    }

    private String attempts() {
        return maxAttempts == 1 ? "" : " after " + maxAttempts + " attempts at most";
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() != null ? e.awsErrorDetails().errorCode() : null;
    }
}
