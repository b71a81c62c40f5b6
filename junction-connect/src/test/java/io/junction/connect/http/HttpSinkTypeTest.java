package io.junction.connect.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.junction.broker.Broker;
import io.junction.broker.BrokerConfig;
import io.junction.broker.BrokerException;
import io.junction.broker.StationConfig;
import io.junction.errors.ErrorCode;

/** What {@code http-sink} refuses before anything is stored, and that a refusal never shows a secret. */
class HttpSinkTypeTest {

    @TempDir
    Path dir;
    private Broker broker;
    private final HttpSinkType type = new HttpSinkType();

    @BeforeEach
    void open() {
        broker = Broker.open(BrokerConfig.defaults(dir.resolve("data")));
        broker.createStation(Broker.DEFAULT_TENANT, "employees", StationConfig.defaults());
    }

    @AfterEach
    void close() {
        broker.close();
    }

    private TestContext context() {
        return new TestContext(broker, "sink", Map.of("station", "employees", "group", "crm", "url",
                "https://hooks.example.com/junction"), Map.of(), dir.resolve("state"));
    }

    private void refused(TestContext context, ErrorCode code, String... fragments) {
        assertThatThrownBy(() -> type.validate(context)).isInstanceOf(BrokerException.class)
                .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo(code))
                .satisfies(e -> {
                    for (String f : fragments) {
                        assertThat(e.getMessage()).contains(f);
                    }
                });
    }

    @Test
    void shouldAcceptAFullConfigurationAndFillInDefaults() {
        TestContext c = context().with("header.X-Tenant", "acme").withSecret("header.Authorization", "Bearer x")
                .withSecret("hmac-key", "k");
        type.validate(c);
        HttpSinkConfig config = HttpSinkConfig.parse(c);
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.maxConcurrency()).isEqualTo(16);
        assertThat(config.backoffInitial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.backoffMax()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.headers()).containsEntry("X-Tenant", "acme").containsEntry("Authorization", "Bearer x");
        assertThat(config.secretHeaders()).containsExactly("authorization");
        assertThat(config.toString()).doesNotContain("Bearer x").doesNotContain("acme");
        assertThat(type.options()).containsKeys("station", "group", "url", "timeout", "max-concurrency",
                "header.*", "backoff-initial", "backoff-max");
        assertThat(type.secrets()).containsKeys("hmac-key", "header.*");
        assertThat(type.required()).containsExactlyInAnyOrder("station", "group", "url");
    }

    @Test
    void shouldRefuseBadValuesNamingTheOption() {
        refused(context().with("url", "ftp://example.com/x"), ErrorCode.INVALID_CONFIG, "url", "http");
        refused(context().with("url", "not a url"), ErrorCode.INVALID_CONFIG, "url");
        refused(context().with("url", "https://user:pw@example.com/"), ErrorCode.INVALID_CONFIG, "url",
                "credentials");
        refused(context().with("station", "nope"), ErrorCode.UNKNOWN_STATION);
        refused(context().with("group", "Bad Group"), ErrorCode.INVALID_NAME);
        refused(context().with("timeout", "10 parsecs"), ErrorCode.INVALID_CONFIG, "timeout");
        refused(context().with("timeout", "0ms"), ErrorCode.INVALID_CONFIG, "timeout");
        refused(context().with("timeout", "30s"), ErrorCode.INVALID_CONFIG, "timeout", "ack timeout");
        refused(context().with("max-concurrency", "0"), ErrorCode.INVALID_CONFIG, "max-concurrency");
        refused(context().with("max-concurrency", "257"), ErrorCode.INVALID_CONFIG, "max-concurrency");
        refused(context().with("max-concurrency", "many"), ErrorCode.INVALID_CONFIG, "max-concurrency");
        refused(context().with("backoff-initial", "10s").with("backoff-max", "1s"), ErrorCode.INVALID_CONFIG,
                "backoff-max");
        refused(context().with("header.Host", "x"), ErrorCode.INVALID_CONFIG, "header.Host");
        refused(context().with("header.Idempotency-Key", "x"), ErrorCode.INVALID_CONFIG, "header.Idempotency-Key");
        refused(context().with("header.a b", "x"), ErrorCode.INVALID_CONFIG, "header.a b");
        refused(context().with("colour", "red"), ErrorCode.INVALID_CONFIG, "colour");
        refused(context().with("header.X-A", "x").withSecret("header.X-A", "y"), ErrorCode.INVALID_CONFIG,
                "both");
        refused(context().withSecret("password", "x"), ErrorCode.INVALID_CONFIG, "password");
    }

    @Test
    void shouldNeverShowASecretHeadersValueInARefusal() {
        assertThatThrownBy(() -> type.validate(context().withSecret("header.Authorization", "Bearer \u0001s3cret")))
                .isInstanceOf(BrokerException.class).hasMessageContaining("header.Authorization")
                .hasMessageNotContaining("s3cret");
    }
}
