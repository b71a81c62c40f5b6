package io.junction.connect.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

/** The response rule: which answers ack, retry (and after how long) or dead-letter. */
class OutcomeTest {

    private static final Duration INITIAL = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofMinutes(5);
    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    private static Outcome answer(int status, String retryAfter, int deliveries) {
        return Outcome.ofResponse(status, "body", retryAfter, deliveries, INITIAL, MAX, NOW);
    }

    @Test
    void shouldAckEvery2xx() {
        assertThat(answer(200, null, 1).kind()).isEqualTo(Outcome.Kind.ACK);
        assertThat(answer(204, null, 1).kind()).isEqualTo(Outcome.Kind.ACK);
        assertThat(answer(299, null, 1).kind()).isEqualTo(Outcome.Kind.ACK);
    }

    @Test
    void shouldDeadLetterA4xxButRetry408And429() {
        assertThat(answer(400, null, 1)).isEqualTo(new Outcome(Outcome.Kind.DEAD_LETTER, Duration.ZERO,
                "HTTP 400: body"));
        assertThat(answer(404, null, 1).kind()).isEqualTo(Outcome.Kind.DEAD_LETTER);
        assertThat(answer(408, null, 1).kind()).isEqualTo(Outcome.Kind.RETRY);
        assertThat(answer(429, null, 3)).isEqualTo(new Outcome(Outcome.Kind.RETRY, Duration.ofSeconds(4),
                "HTTP 429: body"));
    }

    @Test
    void shouldRetry5xx3xxAndFailuresWithExponentialBackoffUpToTheMax() {
        assertThat(answer(500, null, 1).delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(answer(503, null, 2).delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(answer(302, null, 4).delay()).isEqualTo(Duration.ofSeconds(8));
        assertThat(answer(500, null, 9).delay()).isEqualTo(Duration.ofSeconds(256));
        assertThat(answer(500, null, 10).delay()).isEqualTo(MAX);
        assertThat(answer(500, null, 1000).delay()).isEqualTo(MAX);
        assertThat(Outcome.backoff(Duration.ZERO, MAX, 5)).isEqualTo(Duration.ZERO);
        Outcome timeout = Outcome.ofFailure(new CompletionException(new HttpTimeoutException("t")),
                Duration.ofSeconds(10), 2, INITIAL, MAX);
        assertThat(timeout).isEqualTo(new Outcome(Outcome.Kind.RETRY, Duration.ofSeconds(2),
                "timed out after 10000 ms"));
        assertThat(Outcome.ofFailure(new ConnectException("Connection refused"), Duration.ofSeconds(10), 1,
                INITIAL, MAX).error()).isEqualTo("cannot connect: Connection refused");
    }

    @Test
    void shouldHonourRetryAfterInSecondsOrAsADateBoundedByTheMax() {
        assertThat(answer(429, "7", 1).delay()).isEqualTo(Duration.ofSeconds(7));
        assertThat(answer(503, "7", 1).delay()).as("only 408 and 429 read it").isEqualTo(INITIAL);
        assertThat(answer(429, "86400", 1).delay()).isEqualTo(MAX);
        assertThat(answer(429, "99999999999999999999", 1).delay()).isEqualTo(MAX);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC));
        assertThat(answer(429, date, 1).delay()).isEqualTo(Duration.ofSeconds(90));
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.minusSeconds(90).atOffset(ZoneOffset.UTC));
        assertThat(answer(429, past, 1).delay()).isEqualTo(Duration.ZERO);
        assertThat(answer(429, "soon", 2).delay()).as("unreadable: the backoff").isEqualTo(Duration.ofSeconds(2));
    }
}
