package io.junction.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.junction.client.Ordering;
import io.junction.client.StartPosition;
import picocli.CommandLine.TypeConversionException;

class ConvertersTest {

    @Test
    void parsesDurationsInEveryUnit() {
        assertThat(Converters.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Converters.duration("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Converters.duration("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(Converters.duration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Converters.duration("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Converters.duration("0s")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "s", "-5s", "1.5h", "10 years", "3w", "99999999999999999999s"})
    void rejectsAnythingElseAsADuration(String value) {
        assertThatThrownBy(() -> Converters.duration(value)).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'" + value + "'");
    }

    @Test
    void parsesOrderingsByTheirLowerCaseNames() {
        assertThat(Converters.ordering("key")).isEqualTo(Ordering.KEY);
        assertThat(Converters.ordering("partition")).isEqualTo(Ordering.PARTITION);
        assertThat(Converters.ordering("none")).isEqualTo(Ordering.NONE);
        assertThatThrownBy(() -> Converters.ordering("KEY")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("key, partition or none");
        assertThat(new Converters.OrderingCandidates()).containsExactly("key", "partition", "none");
    }

    @Test
    void acceptsUnlimitedAsARetentionAge() {
        assertThat(new Converters.RetentionAgeConverter().convert("unlimited")).isNegative();
        assertThat(new Converters.RetentionAgeConverter().convert("2d")).isEqualTo(Duration.ofDays(2));
    }

    @Test
    void parsesSizesInBinaryAndDecimalUnits() {
        assertThat(Converters.size("1234")).isEqualTo(1234);
        assertThat(Converters.size("12B")).isEqualTo(12);
        assertThat(Converters.size("500KB")).isEqualTo(500_000);
        assertThat(Converters.size("500KiB")).isEqualTo(500 * 1024);
        assertThat(Converters.size("10MiB")).isEqualTo(10L * 1024 * 1024);
        assertThat(Converters.size("10mib")).isEqualTo(10L * 1024 * 1024);
        assertThat(Converters.size("2MB")).isEqualTo(2_000_000);
        assertThat(Converters.size("1GiB")).isEqualTo(1L << 30);
        assertThat(Converters.size("3GB")).isEqualTo(3_000_000_000L);
        assertThat(Converters.size("1TiB")).isEqualTo(1L << 40);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MiB", "-1", "1.5GiB", "10 parsecs", "10XB", "99999999TiB"})
    void rejectsAnythingElseAsASize(String value) {
        assertThatThrownBy(() -> Converters.size(value)).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'" + value + "'");
    }

    @Test
    void parsesEveryStartPosition() {
        assertThat(Converters.startPosition("earliest")).isEqualTo(StartPosition.earliest());
        assertThat(Converters.startPosition("latest")).isEqualTo(StartPosition.latest());
        assertThat(Converters.startPosition("offset:42")).isEqualTo(StartPosition.offset(42));
        assertThat(Converters.startPosition("last:10")).isEqualTo(StartPosition.lastN(10));
        assertThat(Converters.startPosition("time:2026-01-31T12:00:00Z"))
                .isEqualTo(StartPosition.timestamp(Instant.parse("2026-01-31T12:00:00Z")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"first", "offset:", "offset:x", "offset:-1", "last:many", "time:yesterday", "time:"})
    void rejectsAnythingElseAsAStartPosition(String value) {
        assertThatThrownBy(() -> Converters.startPosition(value)).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'" + value + "'");
    }

    @Test
    void parsesAPositionAsAPlainOffsetATimeOrAStartPosition() {
        assertThat(Converters.position("42")).isEqualTo(StartPosition.offset(42));
        assertThat(Converters.position("0")).isEqualTo(StartPosition.offset(0));
        assertThat(Converters.position("2026-01-31T12:00:00Z"))
                .isEqualTo(StartPosition.timestamp(Instant.parse("2026-01-31T12:00:00Z")));
        assertThat(Converters.position("earliest")).isEqualTo(StartPosition.earliest());
        assertThat(Converters.position("latest")).isEqualTo(StartPosition.latest());
        assertThat(Converters.position("last:5")).isEqualTo(StartPosition.lastN(5));
        assertThat(Converters.position("offset:7")).isEqualTo(StartPosition.offset(7));
    }

    @ParameterizedTest
    @ValueSource(strings = {"first", "-1", "12x", "2026-13-01T00:00:00Z", "tomorrow:noon", "offset:-1", ""})
    void rejectsAnythingElseAsAPosition(String value) {
        assertThatThrownBy(() -> Converters.position(value)).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'" + value + "'");
    }

    @Test
    void formatsDurationsInTheLargestExactUnit() {
        assertThat(Converters.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(Converters.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(Converters.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Converters.format(Duration.ofSeconds(30))).isEqualTo("30s");
        assertThat(Converters.format(Duration.ofMillis(-1))).isEqualTo("unlimited");
        assertThat(Converters.format(null)).isEqualTo("default");
    }
}
