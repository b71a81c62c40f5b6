package io.junction.tier;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Where the tiered objects live and how to reach them: the one configuration object of an {@link S3ObjectStore},
 * validated here once. A bad value is refused with an {@link IllegalArgumentException} naming the field.
 *
 * @param endpoint        the S3 endpoint ({@code http} or {@code https}); {@code null} = AWS's for the region
 * @param bucket          the bucket, by S3's naming rules (3 to 63 of {@code a-z 0-9 . -}, starting and ending
 *                        with a letter or digit, no {@code ..}, not an IPv4 address)
 * @param region          the signing region; {@code null} = {@value #DEFAULT_REGION}
 * @param prefix          the key prefix of every object of this store; {@code null} or {@code ""} = none,
 *                        otherwise normalised to end with {@code /}; never starts with {@code /}
 * @param credentialsFile a file in the AWS shared-credentials format (profile {@code [default]}); {@code null} =
 *                        the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ...)
 * @param pathStyle       path-style requests ({@code http://host/bucket/key}): what S3-compatible servers need,
 *                        so true when an endpoint is given (see {@link #of})
 * @param requestTimeout  the limit of one HTTP attempt (and of reading a response); {@code null} = 30 s
 */
public record S3Settings(URI endpoint, String bucket, String region, String prefix, Path credentialsFile,
        boolean pathStyle, Duration requestTimeout) {

    public static final String DEFAULT_REGION = "us-east-1";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Refuses bad values with IllegalArgumentException naming the field; fills in defaults. */
    public S3Settings {
        if (endpoint != null) {
            String scheme = endpoint.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                throw new IllegalArgumentException("S3 endpoint must be an http or https URI: " + endpoint);
            }
            if (endpoint.getHost() == null) {
                throw new IllegalArgumentException("S3 endpoint has no host: " + endpoint);
            }
            if (endpoint.getUserInfo() != null) {
                throw new IllegalArgumentException(
                        "S3 endpoint must not carry credentials (use a credentials file): " + endpoint.getHost());
            }
        }
        if (bucket == null || !BUCKET.matcher(bucket).matches() || bucket.contains("..")
                || IPV4.matcher(bucket).matches()) {
            throw new IllegalArgumentException("S3 bucket '" + bucket + "' is not a valid bucket name: 3 to 63 "
                    + "lower-case letters, digits, '.' and '-', starting and ending with a letter or digit");
        }
        if (region == null) {
            region = DEFAULT_REGION;
        }
        if (region.isBlank() || !region.equals(region.strip())) {
            throw new IllegalArgumentException("S3 region must not be blank: '" + region + "'");
        }
        if (prefix == null) {
            prefix = "";
        }
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("S3 prefix must not start with '/': '" + prefix + "'");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        if (requestTimeout == null) {
            requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("S3 request timeout must be positive: " + requestTimeout);
        }
    }

    /** Settings with path-style requests exactly when an endpoint is given, and the default request timeout. */
    public static S3Settings of(URI endpoint, String bucket, String region, String prefix, Path credentialsFile) {
        return new S3Settings(endpoint, bucket, region, prefix, credentialsFile, endpoint != null, null);
    }

    /** The same settings with another request timeout. */
    public S3Settings withRequestTimeout(Duration timeout) {
        return new S3Settings(endpoint, bucket, region, prefix, credentialsFile, pathStyle, timeout);
    }

    /** The same settings with another endpoint (e.g. a proxy in front of the server). */
    public S3Settings withEndpoint(URI newEndpoint) {
        return new S3Settings(newEndpoint, bucket, region, prefix, credentialsFile, pathStyle, requestTimeout);
    }

    /** {@code s3://bucket/prefix}, then {@code at ENDPOINT} or {@code in REGION}: for messages, no secrets. */
    public String describe() {
        String where = endpoint != null ? " at " + endpoint : " in " + region;
        return "s3://" + bucket + "/" + prefix + where;
    }
}
