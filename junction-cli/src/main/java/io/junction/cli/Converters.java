package io.junction.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.junction.client.History;
import io.junction.client.OnDeadLetter;
import io.junction.client.Ordering;
import io.junction.client.StartPosition;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The CLI's value syntaxes: durations, sizes and start positions. Each converter is stateless. */
final class Converters {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b|b)?", Pattern.CASE_INSENSITIVE);

    private Converters() {
    }

    /** {@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h}, {@code 7d}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return duration(value);
        }
    }

    /** A duration, or {@code unlimited} (a negative duration: no limit). */
    static final class RetentionAgeConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return value.equalsIgnoreCase("unlimited") ? Duration.ofMillis(-1) : duration(value);
        }
    }

    /** Plain bytes, or a number with a unit: {@code B}, {@code KB}/{@code KiB}, {@code MB}/{@code MiB}, ... */
    static final class SizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return size(value);
        }
    }

    /** {@code earliest}, {@code latest}, {@code offset:N}, {@code time:ISO-8601} or {@code last:N}. */
    static final class StartPositionConverter implements ITypeConverter<StartPosition> {
        @Override
        public StartPosition convert(String value) {
            return startPosition(value);
        }
    }

    /**
     * A position to browse from or reset a group to: {@code earliest}, {@code latest}, an offset ({@code 42}), a
     * time ({@code 2026-01-31T12:00:00Z}), or the start positions' forms ({@code offset:N}, {@code time:T},
     * {@code last:N}).
     */
    static final class PositionConverter implements ITypeConverter<StartPosition> {
        @Override
        public StartPosition convert(String value) {
            return position(value);
        }
    }

    /** {@code key}, {@code partition} or {@code none}. */
    static final class OrderingConverter implements ITypeConverter<Ordering> {
        @Override
        public Ordering convert(String value) {
            return ordering(value);
        }
    }

    /** The choices of {@code --ordering}, for the help and shell completion. */
    static final class OrderingCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(Ordering.values()).map(Ordering::wireName).iterator();
        }
    }

    /**
     * What a station with tiering keeps on local disk: a duration ({@code 2d}, {@code 12h}) or a size with a unit
     * ({@code 10GiB}, {@code 500MB}); exactly one of the two is set.
     */
    record LocalRetention(Duration age, Long bytes) {
    }

    /** A duration (by its unit: ms, s, m, h, d) or a size with a unit (B, KB, KiB, ...): see {@link LocalRetention}. */
    static final class LocalRetentionConverter implements ITypeConverter<LocalRetention> {
        @Override
        public LocalRetention convert(String value) {
            final String v = value.strip();
            if (DURATION.matcher(v).matches()) {
                return new LocalRetention(duration(v), null);
            }
            final Matcher m = SIZE.matcher(v);
            if (m.matches() && m.group(2) != null) {
                return new LocalRetention(null, size(v));
            }
            throw new TypeConversionException("'" + value + "' is neither a duration (a number and ms, s, m, h or d, "
                    + "such as 2d or 12h) nor a size (a number and B, KB, KiB, MB, MiB, GB, GiB, TB or TiB, such as "
                    + "10GiB)");
        }
    }

    /** {@code compacted} or {@code full}. */
    static final class HistoryConverter implements ITypeConverter<History> {
        @Override
        public History convert(String value) {
            for (History h : History.values()) {
                if (h.wireName().equals(value.strip())) {
                    return h;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a history: use compacted or full");
        }
    }

    /** The choices of {@code --history}, for the help and shell completion. */
    static final class HistoryCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(History.values()).map(History::wireName).iterator();
        }
    }

    /** {@code skip} or {@code park}. */
    static final class OnDeadLetterConverter implements ITypeConverter<OnDeadLetter> {
        @Override
        public OnDeadLetter convert(String value) {
            for (OnDeadLetter o : OnDeadLetter.values()) {
                if (o.wireName().equals(value.strip())) {
                    return o;
                }
            }
            throw new TypeConversionException("'" + value + "' is not a dead-letter policy: use skip or park");
        }
    }

    /** The choices of {@code --on-dead-letter}, for the help and shell completion. */
    static final class OnDeadLetterCandidates implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(OnDeadLetter.values()).map(OnDeadLetter::wireName).iterator();
        }
    }

    static Ordering ordering(String value) {
        final String v = value.strip();
        for (Ordering o : Ordering.values()) {
            if (o.wireName().equals(v)) {
                return o;
            }
        }
        throw new TypeConversionException("'" + value + "' is not an ordering: use key, partition or none");
    }

    static Duration duration(String value) {
        final Matcher m = DURATION.matcher(value.strip());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration: use a number and a unit, "
                    + "ms, s, m, h or d, such as 500ms, 30s or 7d");
        }
        final long n = number(m.group(1), value);
        try {
            switch (m.group(2)) {
                case "ms":
                    return Duration.ofMillis(n);
                case "s":
                    return Duration.ofSeconds(n);
                case "m":
                    return Duration.ofMinutes(n);
                case "h":
                    return Duration.ofHours(n);
                default:
                    return Duration.ofDays(n);
            }
        } catch (ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is too long a duration");
        }
    }

    static long size(String value) {
        final Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a size: use bytes, or a number and a unit "
                    + "(B, KB, KiB, MB, MiB, GB, GiB, TB, TiB), such as 10MiB");
        }
        final long n = number(m.group(1), value);
        final String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        final long multiplier;
        switch (unit) {
            case "kb": multiplier = 1_000L; break;
            case "kib": multiplier = 1L << 10; break;
            case "mb": multiplier = 1_000_000L; break;
            case "mib": multiplier = 1L << 20; break;
            case "gb": multiplier = 1_000_000_000L; break;
            case "gib": multiplier = 1L << 30; break;
            case "tb": multiplier = 1_000_000_000_000L; break;
            case "tib": multiplier = 1L << 40; break;
            default: multiplier = 1; break;
        }
        try {
            return Math.multiplyExact(n, multiplier);
        } catch (ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is too large a size");
        }
    }

    static StartPosition position(String value) {
        final String v = value.strip();
        if (v.matches("[0-9]{1,18}")) {
            return StartPosition.offset(Long.parseLong(v));
        }
        if (!v.contains(":")) {
            if (!v.equals("earliest") && !v.equals("latest")) {
                throw new TypeConversionException("'" + value + "' is not a position: use earliest, latest, an offset "
                        + "(such as 42), a time (ISO-8601, such as 2026-01-31T12:00:00Z) or last:N");
            }
        } else if (!v.startsWith("offset:") && !v.startsWith("time:") && !v.startsWith("last:")) {
            try {
                return StartPosition.timestamp(Instant.parse(v));
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("'" + value + "' is not a position: use earliest, latest, an "
                        + "offset (such as 42), a time (ISO-8601, such as 2026-01-31T12:00:00Z) or last:N");
            }
        }
        return startPosition(v);
    }

    static StartPosition startPosition(String value) {
        final String v = value.strip();
        try {
            if (v.equals("earliest")) {
                return StartPosition.earliest();
            } else if (v.equals("latest")) {
                return StartPosition.latest();
            } else if (v.startsWith("offset:")) {
                return StartPosition.offset(Long.parseLong(v.substring("offset:".length())));
            } else if (v.startsWith("last:")) {
                return StartPosition.lastN(Long.parseLong(v.substring("last:".length())));
            } else if (v.startsWith("time:")) {
                return StartPosition.timestamp(Instant.parse(v.substring("time:".length())));
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            // Falls through to the message naming every form.
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "': " + e.getMessage());
        }
        throw new TypeConversionException("'" + value + "' is not a start position: use earliest, latest, "
                + "offset:N, time:ISO-8601 (such as time:2026-01-31T12:00:00Z) or last:N");
    }

    /** {@code 7d}, {@code 30s}, {@code 250ms}: the largest unit that states {@code d} exactly. */
    static String format(Duration d) {
        if (d == null) {
            return "default";
        }
        if (d.isNegative()) {
            return "unlimited";
        }
        final long ms = d.toMillis();
        final long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        final String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms != 0 && ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }

    private static long number(String digits, String value) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is too large a number");
        }
    }
}
