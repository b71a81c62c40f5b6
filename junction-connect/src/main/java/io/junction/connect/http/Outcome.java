package io.junction.connect.http;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * What the sink does with a delivery after its POST: the rule of docs/connectors.md in one place.
 *
 * <pre>
 * 2xx                         ack (durable)
 * 408, 429                    nack, delay = Retry-After when given (capped at backoff-max), else the backoff
 * other 4xx                   dead letter, reason "HTTP status: body (first 1 KiB)"
 * 1xx, 3xx, 5xx               nack, delay = the backoff
 * timeout, connection error   nack, delay = the backoff
 * backoff = backoff-initial × 2^(deliveries-1), capped at backoff-max
 * </pre>
 *
 * @param error what went wrong (also kept with the message if it ends in the dead-letter station); null for an ack
 */
record Outcome(Kind kind, Duration delay, String error) {

    enum Kind { ACK, RETRY, DEAD_LETTER }

    static final Outcome ACK = new Outcome(Kind.ACK, Duration.ZERO, null);

    static Outcome ofResponse(int status, String body, String retryAfter, int deliveries, Duration initial,
            Duration max, Instant now) {
        if (status >= 200 && status < 300) {
            return ACK;
        }
        String error = "HTTP " + status + ": " + body;
        if (status == 408 || status == 429) {
            Duration asked = retryAfter(retryAfter, max, now);
            return new Outcome(Kind.RETRY, asked != null ? asked : backoff(initial, max, deliveries), error);
        }
        if (status >= 400 && status < 500) {
            return new Outcome(Kind.DEAD_LETTER, Duration.ZERO, error);
        }
        return new Outcome(Kind.RETRY, backoff(initial, max, deliveries), error);
    }

    /** A request that got no response: it timed out, could not connect, or broke. */
    static Outcome ofFailure(Throwable failure, Duration timeout, int deliveries, Duration initial, Duration max) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        String error;
        if (t instanceof HttpTimeoutException || t instanceof CancellationException) {
            error = "timed out after " + timeout.toMillis() + " ms";
        } else if (t instanceof ConnectException) {
            error = "cannot connect: " + (t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
        } else {
            error = t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
        }
        return new Outcome(Kind.RETRY, backoff(initial, max, deliveries), error);
    }

    /** backoff-initial × 2^(deliveries-1), capped at backoff-max. */
    static Duration backoff(Duration initial, Duration max, int deliveries) {
        int shift = Math.max(0, Math.min(deliveries - 1, 40));
        long ms = initial.toMillis();
        return ms > (max.toMillis() >> shift) ? max : Duration.ofMillis(Math.min(max.toMillis(), ms << shift));
    }

    /**
     * A Retry-After header (RFC 9110: delay-seconds or an HTTP-date) as a delay in [0, max]; null when absent or
     * unreadable.
     */
    static Duration retryAfter(String value, Duration max, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        Duration d;
        if (v.chars().allMatch(Character::isDigit)) {
            d = v.length() > 12 ? max : Duration.ofSeconds(Long.parseLong(v));
        } else {
            try {
                d = Duration.between(now, ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return d.isNegative() ? Duration.ZERO : d.compareTo(max) > 0 ? max : d;
    }
}
