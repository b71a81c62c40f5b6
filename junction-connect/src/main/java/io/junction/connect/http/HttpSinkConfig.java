package io.junction.connect.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.junction.broker.BrokerException;
import io.junction.connect.ConnectorContext;
import io.junction.errors.ErrorCode;

/**
 * An {@code http-sink} configuration, parsed and checked once: every option's name, default and meaning are
 * constants here, and a bad value is refused with INVALID_CONFIG naming the option. Immutable.
 *
 * @param station        the station it delivers from
 * @param group          the consumer group it consumes as
 * @param url            where it POSTs (http or https)
 * @param timeout        how long one request may take, response headers and (bounded) body included
 * @param maxConcurrency requests outstanding at most (the group member's credits)
 * @param headers        extra request headers, by name: the plain {@code header.NAME} options and the secret ones
 * @param secretHeaders  the names (lower case) of the headers that came from secrets, never shown
 * @param hmacKey        the key of {@code X-Junction-Signature}, or null for none
 * @param backoffInitial the delay of the first retry
 * @param backoffMax     the longest delay of a retry (exponential backoff and Retry-After alike)
 */
record HttpSinkConfig(String station, String group, URI url, Duration timeout, int maxConcurrency,
        Map<String, String> headers, Set<String> secretHeaders, byte[] hmacKey, Duration backoffInitial,
        Duration backoffMax) {

    static final String STATION = "station";
    static final String GROUP = "group";
    static final String URL = "url";
    static final String TIMEOUT = "timeout";
    static final String MAX_CONCURRENCY = "max-concurrency";
    static final String BACKOFF_INITIAL = "backoff-initial";
    static final String BACKOFF_MAX = "backoff-max";
    /** Prefix of the options (and secrets) that add a request header: {@code header.Authorization}. */
    static final String HEADER_PREFIX = "header.";
    static final String HMAC_KEY = "hmac-key";

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    static final int DEFAULT_MAX_CONCURRENCY = 16;
    static final int MAX_MAX_CONCURRENCY = 256;
    static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
    static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(5);
    static final Duration MAX_BACKOFF = Duration.ofDays(1);
    static final int MAX_HEADERS = 64;
    static final int MAX_HEADER_VALUE_CHARS = 8192;

    /** The options, with the one-line description {@code --help} shows. */
    static final Map<String, String> OPTIONS = options();
    static final Map<String, String> SECRETS = Map.of(
            HMAC_KEY, "key of the HMAC-SHA256 signature of each body (X-Junction-Signature: sha256=<hex>)",
            HEADER_PREFIX + "*", "a request header whose value is a credential (e.g. header.Authorization)");
    static final Set<String> REQUIRED = Set.of(STATION, GROUP, URL);

    /**
     * Headers a configuration may not set: those the HTTP client owns (the JDK refuses them) and those the sink
     * writes itself.
     */
    static final Set<String> RESERVED_HEADERS = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection", "content-type", "idempotency-key",
            "x-junction-delivery", "x-junction-signature");

    /** RFC 9110 token: the characters of a field name. */
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

    private static Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(STATION, "the station to deliver from (required)");
        o.put(GROUP, "the consumer group to consume as (required; created at the earliest message if new)");
        o.put(URL, "the endpoint each message is POSTed to, http:// or https:// (required)");
        o.put(TIMEOUT, "how long one request may take, e.g. 10s (default 10s, at most 10m)");
        o.put(MAX_CONCURRENCY, "requests in flight at most, 1.." + MAX_MAX_CONCURRENCY + " (default "
                + DEFAULT_MAX_CONCURRENCY + ")");
        o.put(HEADER_PREFIX + "*", "a plain header sent with every request (--header NAME=VALUE)");
        o.put(BACKOFF_INITIAL, "delay of the first retry, doubled on each further one (default 1s)");
        o.put(BACKOFF_MAX, "longest delay of a retry, also caps Retry-After (default 5m)");
        return Map.copyOf(o);
    }

    /**
     * Parses and checks a configuration (no connection made, no station looked up).
     *
     * @throws BrokerException INVALID_CONFIG naming the first bad option
     */
    static HttpSinkConfig parse(ConnectorContext context) {
        Map<String, String> options = context.options();
        for (String name : options.keySet()) {
            if (name.equals(HEADER_PREFIX + "*") || !OPTIONS.containsKey(name) && !name.startsWith(HEADER_PREFIX)) {
                throw invalid(name, "is not an option of http-sink; it takes " + String.join(", ",
                        new TreeMap<>(OPTIONS).keySet()));
            }
        }
        String station = required(options, STATION);
        String group = required(options, GROUP);
        URI url = url(required(options, URL));
        Duration timeout = duration(options, TIMEOUT, DEFAULT_TIMEOUT, Duration.ofMillis(1), MAX_TIMEOUT);
        int concurrency = integer(options, MAX_CONCURRENCY, DEFAULT_MAX_CONCURRENCY, 1, MAX_MAX_CONCURRENCY);
        Duration initial = duration(options, BACKOFF_INITIAL, DEFAULT_BACKOFF_INITIAL, Duration.ZERO, MAX_BACKOFF);
        Duration max = duration(options, BACKOFF_MAX, DEFAULT_BACKOFF_MAX, Duration.ZERO, MAX_BACKOFF);
        if (max.compareTo(initial) < 0) {
            throw invalid(BACKOFF_MAX, "(" + max + ") must not be below " + BACKOFF_INITIAL + " (" + initial + ")");
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (e.getKey().startsWith(HEADER_PREFIX)) {
                header(headers, e.getKey(), e.getValue(), false);
            }
        }
        Set<String> secret = new java.util.TreeSet<>();
        for (String name : secretHeaderNames(context)) {
            String option = HEADER_PREFIX + name;
            String value = context.secret(option).orElseThrow();
            if (headers.containsKey(name)) {
                throw invalid(option, "is given both as an option and as a secret");
            }
            header(headers, option, value, true);
            secret.add(name.toLowerCase(Locale.ROOT));
        }
        if (headers.size() > MAX_HEADERS) {
            throw invalid(HEADER_PREFIX + "NAME", "at most " + MAX_HEADERS + " headers, were " + headers.size());
        }
        byte[] hmac = context.secret(HMAC_KEY).map(k -> k.getBytes(StandardCharsets.UTF_8)).orElse(null);
        if (hmac != null && hmac.length == 0) {
            throw invalid(HMAC_KEY, "(a secret) is empty");
        }
        return new HttpSinkConfig(station, group, url, timeout, concurrency, Map.copyOf(headers), Set.copyOf(secret),
                hmac, initial, max);
    }

    /** The names of the headers given as secrets ({@code header.NAME}). */
    private static Set<String> secretHeaderNames(ConnectorContext context) {
        Set<String> names = new java.util.TreeSet<>();
        for (String secret : context.secretNames()) {
            if (secret.startsWith(HEADER_PREFIX)) {
                names.add(secret.substring(HEADER_PREFIX.length()));
            } else if (!secret.equals(HMAC_KEY)) {
                throw invalid(secret, "is not a secret of http-sink; it takes " + HMAC_KEY + " and "
                        + HEADER_PREFIX + "NAME");
            }
        }
        return names;
    }

    private static void header(Map<String, String> headers, String option, String value, boolean secret) {
        String name = option.substring(HEADER_PREFIX.length());
        if (!HEADER_NAME.matcher(name).matches()) {
            throw invalid(option, "names no valid header: a header name is 1 to 128 letters, digits or "
                    + "!#$%&'*+.^_`|~-");
        }
        if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            throw invalid(option, "sets a header the sink writes itself or the HTTP client owns");
        }
        if (value == null || value.length() > MAX_HEADER_VALUE_CHARS
                || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
            // never the value itself: it may be a credential
            throw invalid(option, "has " + (secret ? "a secret " : "a ") + "value that is no valid header value "
                    + "(no control characters, at most " + MAX_HEADER_VALUE_CHARS + " characters)");
        }
        headers.put(name, value);
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null || v.isBlank()) {
            throw invalid(name, "is required");
        }
        return v.strip();
    }

    private static URI url(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw invalid(URL, "is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw invalid(URL, "must be an http:// or https:// URL, was '" + redacted(uri) + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalid(URL, "has no host: '" + redacted(uri) + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw invalid(URL, "must not carry credentials (user:password@): give them as a secret header, "
                    + "e.g. header.Authorization");
        }
        if (uri.getRawFragment() != null) {
            throw invalid(URL, "must not have a fragment (#...)");
        }
        return uri;
    }

    /** The URL without its user info and query, which may hold credentials: for messages. */
    static String redacted(URI uri) {
        String s = (uri.getScheme() == null ? "" : uri.getScheme() + "://") + (uri.getHost() == null ? ""
                : uri.getHost()) + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getRawPath() == null ? ""
                : uri.getRawPath());
        return uri.getRawQuery() == null ? s : s + "?…";
    }

    static Duration duration(Map<String, String> options, String name, Duration fallback, Duration min,
            Duration max) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(v.strip());
        if (!m.matches()) {
            throw invalid(name, "'" + v + "' is not a duration: use a number and a unit, ms, s, m, h or d, such as "
                    + "500ms, 10s or 5m");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(Math.min(n, MAX_BACKOFF.toMinutes() * 1000));
            case "h" -> Duration.ofHours(Math.min(n, MAX_BACKOFF.toHours() * 1000));
            default -> Duration.ofDays(Math.min(n, 1000));
        };
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw invalid(name, "must be in [" + min + ", " + max + "], was " + v.strip());
        }
        return d;
    }

    static int integer(Map<String, String> options, String name, int fallback, int min, int max) {
        String v = options.get(name);
        if (v == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw invalid(name, "'" + v + "' is not a number");
        }
        if (n < min || n > max) {
            throw invalid(name, "must be in [" + min + ", " + max + "], was " + n);
        }
        return n;
    }

    static BrokerException invalid(String option, String problem) {
        return new BrokerException(ErrorCode.INVALID_CONFIG, "http-sink option " + option + " " + problem);
    }

    /** Never the header values or the key: they may be credentials. */
    @Override
    public String toString() {
        return "http-sink(station=" + station + ", group=" + group + ", url=" + redacted(url) + ", timeout="
                + timeout + ", max-concurrency=" + maxConcurrency + ", headers=" + headers.keySet() + ", hmac="
                + (hmacKey != null) + ")";
    }
}
