package io.junction.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

import io.junction.client.JunctionClient;
import io.junction.client.OnDeadLetter;
import io.junction.client.Ordering;
import io.junction.client.PartitionInfo;
import io.junction.client.StationInfo;
import io.junction.client.StationOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code junction station create|update|list|info|delete}. */
@Command(name = "station", mixinStandardHelpOptions = true,
        description = "Create, change, list, show and delete stations.",
        subcommands = {StationCommand.Create.class, StationCommand.Update.class, StationCommand.ListStations.class,
            StationCommand.Info.class, StationCommand.Delete.class, StationCommand.Clean.class,
            StationCommand.AttachSchema.class, StationCommand.DetachSchema.class, StationCommand.Browse.class,
            StationCommand.TierStatusCommand.class})
final class StationCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "Missing a station command: create, update, list, info, delete, clean, attach-schema, "
                        + "detach-schema, browse or tier-status");
    }

    /** The settings of create and update; unset ones take the broker's default (create) or stay (update). */
    static final class Settings {
        @Option(names = "--partitions", paramLabel = "N", description = "Partitions, fixed at creation (default: 1).")
        Integer partitions;

        @Option(names = "--retention-age", paramLabel = "DUR", converter = Converters.RetentionAgeConverter.class,
                description = "Keep messages this long, such as 7d or 12h; 'unlimited' for no age limit (default: 7d).")
        Duration retentionAge;

        @Option(names = "--retention-bytes", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
                description = "Keep at most this many bytes per partition, such as 10GiB or 500MB (default: no limit).")
        Long retentionBytes;

        @Option(names = "--retention-messages", paramLabel = "N",
                description = "Keep at most this many messages per partition (default: no limit).")
        Long retentionMessages;

        @Option(names = "--ack-timeout", paramLabel = "DUR", converter = Converters.DurationConverter.class,
                description = "Redeliver a message not acked within this time, such as 30s (default: 30s).")
        Duration ackTimeout;

        @Option(names = "--max-deliveries", paramLabel = "N",
                description = "Deliver a message at most this often (default: 5).")
        Integer maxDeliveries;

        @Option(names = "--ordering", paramLabel = "ORDERING", converter = Converters.OrderingConverter.class,
                completionCandidates = Converters.OrderingCandidates.class,
                description = {"How groups created on the station from now on order their messages: "
                        + "${COMPLETION-CANDIDATES} (default: key).", "key: one message per key at a time, in order; "
                        + "partition: one member per partition, with failover; none: no order. A group keeps "
                        + "the ordering it was created with."})
        Ordering ordering;

        @Option(names = "--dedup-window", paramLabel = "DUR", converter = Converters.DurationConverter.class,
                description = "Remember msg-ids this long: a message whose msg-id was stored inside the window is "
                        + "not stored again (default: 2m; 1s to 24h).")
        Duration dedupWindow;

        @Option(names = "--on-dead-letter", paramLabel = "POLICY", converter = Converters.OnDeadLetterConverter.class,
                completionCandidates = Converters.OnDeadLetterCandidates.class,
                description = {"What groups created from now on (key ordering) do with a key whose message was "
                        + "dead-lettered: ${COMPLETION-CANDIDATES} (default: skip).", "skip: its later messages go "
                        + "on; park: they wait until the dead letter is resent and acked, or dropped."})
        OnDeadLetter onDeadLetter;

        @Option(names = "--dls-retention", paramLabel = "DUR", converter = Converters.DurationConverter.class,
                description = "Keep dead letters this long (default: 7d; 1m to 365d).")
        Duration dlsRetention;

        @Option(names = "--retention-ack", paramLabel = "on|off",
                description = "Also drop (in whole segments) what every existing group has acked; with no group "
                        + "this drops nothing (default: off).")
        String retentionAck;

        @Option(names = "--segment-bytes", paramLabel = "SIZE", converter = Converters.SizeConverter.class,
                description = "Seal a partition's segment at this size, such as 64MiB; retention and compaction "
                        + "work on sealed segments (default: the server's, 1GiB; 1KiB to 1GiB; fixed at creation).")
        Long segmentBytes;

        @Option(names = "--compaction", paramLabel = "on|off",
                description = "Key compaction: keep the latest message of every key (a tombstone deletes its key), "
                        + "the full history for --compaction-lag. Not with --retention-bytes, --retention-messages "
                        + "or --retention-ack; the retention age then applies to keyless messages only "
                        + "(default: off).")
        String compaction;

        @Option(names = "--compaction-lag", paramLabel = "DUR", converter = Converters.DurationConverter.class,
                description = "Never compact messages younger than this: the history window (default: 0).")
        Duration compactionLag;

        @Option(names = "--tombstone-retention", paramLabel = "DUR", converter = Converters.DurationConverter.class,
                description = "Keep a tombstone readable this long before compaction removes it and its key "
                        + "(default: 1d).")
        Duration tombstoneRetention;

        @Option(names = "--tiering", paramLabel = "on|off",
                description = "Tiered storage: upload sealed segments to the server's object store (a server "
                        + "started with --s3-bucket) and read them back from it when needed; the retention still "
                        + "bounds the total (default: off).")
        String tiering;

        @Option(names = "--local-retention", paramLabel = "DUR|SIZE",
                converter = Converters.LocalRetentionConverter.class,
                description = "With tiering, what stays on the server's disk as well: a duration such as 2d or "
                        + "12h, or a size per partition such as 10GiB (default: 1d).")
        Converters.LocalRetention localRetention;

        StationOptions toOptions(CommandSpec spec) {
            final StationOptions.Builder b = StationOptions.builder();
            if (partitions != null) {
                b.partitions(atLeast(spec, "--partitions", partitions, 1));
            }
            if (retentionAge != null) {
                if (retentionAge.isZero()) {
                    throw new ParameterException(spec.commandLine(), "--retention-age must be more than 0");
                }
                b.retentionAge(retentionAge);
            }
            if (retentionBytes != null) {
                b.retentionBytes(atLeast(spec, "--retention-bytes", retentionBytes, 1));
            }
            if (retentionMessages != null) {
                b.retentionMessages(atLeast(spec, "--retention-messages", retentionMessages, 1));
            }
            if (ackTimeout != null) {
                if (ackTimeout.isZero() || ackTimeout.isNegative()) {
                    throw new ParameterException(spec.commandLine(), "--ack-timeout must be more than 0");
                }
                b.ackTimeout(ackTimeout);
            }
            if (maxDeliveries != null) {
                b.maxDeliveries(atLeast(spec, "--max-deliveries", maxDeliveries, 1));
            }
            b.ordering(ordering);
            if (dedupWindow != null) {
                if (dedupWindow.isZero() || dedupWindow.isNegative()) {
                    throw new ParameterException(spec.commandLine(), "--dedup-window must be more than 0");
                }
                b.dedupWindow(dedupWindow);
            }
            b.onDeadLetter(onDeadLetter);
            b.retentionAck(onOff(spec, "--retention-ack", retentionAck));
            if (segmentBytes != null) {
                b.segmentBytes(atLeast(spec, "--segment-bytes", segmentBytes, 1));
            }
            b.compaction(onOff(spec, "--compaction", compaction));
            if (compactionLag != null) {
                if (compactionLag.isNegative()) {
                    throw new ParameterException(spec.commandLine(), "--compaction-lag must not be negative");
                }
                b.compactionLag(compactionLag);
            }
            if (tombstoneRetention != null) {
                if (tombstoneRetention.isNegative()) {
                    throw new ParameterException(spec.commandLine(), "--tombstone-retention must not be negative");
                }
                b.tombstoneRetention(tombstoneRetention);
            }
            if (dlsRetention != null) {
                if (dlsRetention.isZero() || dlsRetention.isNegative()) {
                    throw new ParameterException(spec.commandLine(), "--dls-retention must be more than 0");
                }
                b.dlsRetention(dlsRetention);
            }
            b.tiering(onOff(spec, "--tiering", tiering));
            if (localRetention != null) { // one limit replaces the other
                if (localRetention.age() != null) {
                    if (localRetention.age().compareTo(Duration.ofSeconds(1)) < 0) {
                        throw new ParameterException(spec.commandLine(), "--local-retention must be at least 1s");
                    }
                    b.localRetention(localRetention.age()).localRetentionBytes(-1);
                } else {
                    b.localRetentionBytes(atLeast(spec, "--local-retention", localRetention.bytes(), 1))
                            .localRetention(Duration.ofMillis(-1));
                }
            }
            return b.build();
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a station.")
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME", description = "The station's name: [a-z0-9][a-z0-9_.-]{0,127}.")
        private String name;
        @Mixin
        private Settings settings;
        @Option(names = "--json", description = "Print the new station as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final StationOptions options = settings.toOptions(spec);
            try (JunctionClient client = server.connect()) {
                final StationInfo info = client.createStation(name, options);
                final PrintWriter out = spec.commandLine().getOut();
                out.println(json ? Json.station(info)
                        : "created station '" + info.name() + "' with " + info.partitions().size() + " partition"
                                + (info.partitions().size() == 1 ? "" : "s"));
            }
            return 0;
        }
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Change a station's settings; those not given stay as they are.")
    static final class Update implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Mixin
        private Settings settings;
        @Option(names = "--json", description = "Print the station as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final StationOptions options = settings.toOptions(spec);
            try (JunctionClient client = server.connect()) {
                final StationInfo info = client.updateStation(name, options);
                spec.commandLine().getOut()
                        .println(json ? Json.station(info) : "updated station '" + info.name() + "'");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the stations.")
    static final class ListStations implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Option(names = "--json", description = "Print one JSON object per station.")
        private boolean json;

        @Override
        public Integer call() {
            final List<StationInfo> stations;
            try (JunctionClient client = server.connect()) {
                stations = client.stations();
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                stations.forEach(s -> out.println(Json.station(s)));
            } else {
                out.println(table(stations));
            }
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a station.")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--json", description = "Print the station as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final StationInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.station(name);
            }
            spec.commandLine().getOut().println(json ? Json.station(info) : describe(info));
            return 0;
        }
    }

    @Command(name = "browse", mixinStandardHelpOptions = true,
            description = {"Show a partition's stored messages without a consumer group: no group's position "
                    + "changes. Values are printed as 'consume' prints them (decoded from a binary schema).",
                "With --search, only messages whose key, value, a header name or a header value contains the text "
                    + "(case-sensitive; needs the read-values permission)."})
    static final class Browse implements Callable<Integer> {
        /** The most messages asked for per call (the broker's limit). */
        static final int PAGE = 1000;

        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "STATION")
        private String station;
        @Option(names = "--partition", paramLabel = "N", defaultValue = "0",
                description = "The partition (default: ${DEFAULT-VALUE}).")
        private int partition;
        @Option(names = "--from", paramLabel = "POSITION", defaultValue = "earliest",
                converter = Converters.PositionConverter.class,
                description = "Where to start: earliest, latest, an offset (such as 42; below the partition's start "
                        + "it starts there), a time (ISO-8601, such as 2026-01-31T12:00:00Z: the first message at or "
                        + "after it) or last:N (default: ${DEFAULT-VALUE}).")
        private io.junction.client.StartPosition from;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
                description = "Print at most N messages (default: ${DEFAULT-VALUE}).")
        private long limit;
        @Option(names = "--search", paramLabel = "TEXT", description = "Only messages containing TEXT.")
        private String search;
        @Option(names = "--json", description = "Print one JSON object per message: station, partition, offset, "
                + "key, value, headers, timestamp (and schema, schema_version when it names one).")
        private boolean json;

        @Override
        public Integer call() {
            if (limit < 1) {
                throw new ParameterException(spec.commandLine(), "--limit must be at least 1, not " + limit);
            }
            final PrintWriter out = spec.commandLine().getOut();
            long printed = 0;
            io.junction.client.BrowsePage page;
            try (JunctionClient client = server.connect()) {
                final SchemaCodec codec = new SchemaCodec(client);
                io.junction.client.StartPosition at = from;
                long before = -1;
                do { // a page may be short without being the end (the broker bounds each call's scan)
                    page = client.browse(station, partition, at, (int) Math.min(PAGE, limit - printed), search);
                    if (page.messages().isEmpty() && page.nextOffset() == before) {
                        break; // nothing readable there yet: the trailer says where to go on
                    }
                    before = page.nextOffset();
                    for (io.junction.client.BrowsedMessage m : page.messages()) {
                        final String decoded = codec.decode(m.headers(), m.value(), m.tombstone());
                        out.println(json ? Json.browsed(station, m, decoded) : ConsumeCommand.describe(m.partition(),
                                m.offset(), m.key(), m.headers(), 0, m.tombstone(), m.value(), decoded));
                        printed++;
                    }
                    at = io.junction.client.StartPosition.offset(page.nextOffset());
                } while (printed < limit && !page.endReached());
            }
            if (!json && !page.endReached()) {
                out.println("(more from offset " + page.nextOffset() + ": --from " + page.nextOffset() + ")");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a station, its messages and groups.")
    static final class Delete implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;

        @Override
        public Integer call() {
            try (JunctionClient client = server.connect()) {
                client.deleteStation(name);
            }
            spec.commandLine().getOut().println("deleted station '" + name + "'");
            return 0;
        }
    }

    @Command(name = "clean", mixinStandardHelpOptions = true,
            description = "Run the station's retention now (it also runs every minute) and, on a compacted "
                    + "station, a compaction pass; wait, and print what they did.")
    static final class Clean implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--json", description = "Print the summary as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final java.util.Map<String, Long> summary;
            try (JunctionClient client = server.connect()) {
                summary = client.cleanStation(name);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.summary(summary));
            } else {
                out.println(String.format("station '%s': segments %d -> %d, bytes %d -> %d, %d messages removed",
                        name, summary.get("segments_before"), summary.get("segments_after"),
                        summary.get("bytes_before"), summary.get("bytes_after"), summary.get("messages_removed"))
                        + (summary.containsKey("keys_kept") ? String.format("; compaction rewrote %d segments, "
                                + "%d keys kept", summary.get("segments_rewritten"), summary.get("keys_kept")) : ""));
            }
            return 0;
        }
    }

    @Command(name = "tier-status", mixinStandardHelpOptions = true,
            description = "Show a station's tiered storage per partition: what the object store holds, what is "
                    + "still only local, uploads pending, the last upload and the last error.")
    static final class TierStatusCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "NAME")
        private String name;
        @Option(names = "--json", description = "Print the status as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final List<io.junction.client.TierStatus> status;
            final StationInfo info;
            try (JunctionClient client = server.connect()) {
                info = client.station(name);
                status = client.tierStatus(name);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.tierStatus(name, status));
            } else if (status.isEmpty()) {
                out.println("station '" + name + "' has no tiered storage" + (Boolean.TRUE.equals(
                        info.options().tiering()) ? " yet" : " (tiering is off: station update " + name
                        + " --tiering on)"));
            } else {
                out.println(tierTable(status));
            }
            return 0;
        }
    }

    @Command(name = "attach-schema", mixinStandardHelpOptions = true,
            description = {"Validate every value produced to the station against a schema from now on.",
                "A request with a violating value is refused whole (SCHEMA_VIOLATION); its refused messages are "
                    + "kept in the station's dead-letter station unless --no-dead-letter."})
    static final class AttachSchema implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(index = "0", paramLabel = "STATION")
        private String station;
        @Parameters(index = "1", paramLabel = "SCHEMA")
        private String schema;
        @Option(names = "--version", paramLabel = "V|latest", defaultValue = "latest",
                description = "A fixed version, or latest: whichever is the latest at each produce (default: "
                        + "${DEFAULT-VALUE}).")
        private String version;
        @Option(names = "--json", description = "Print the station as one JSON object.")
        private boolean json;

        @Override
        public Integer call() {
            final int v;
            if (version.equals("latest")) {
                v = 0;
            } else {
                try {
                    v = Integer.parseInt(version);
                } catch (NumberFormatException e) {
                    throw new ParameterException(spec.commandLine(), "--version must be a number or latest, not '"
                            + version + "'");
                }
                atLeast(spec, "--version", v, 1);
            }
            try (JunctionClient client = server.connect()) {
                final StationInfo info = client.attachSchema(station, schema, v);
                spec.commandLine().getOut().println(json ? Json.station(info) : "station '" + station
                        + "' now validates against schema '" + schema + "' " + (v == 0 ? "(latest version)"
                                : "version " + v));
            }
            return 0;
        }
    }

    @Command(name = "detach-schema", mixinStandardHelpOptions = true,
            description = "Stop validating the station's values against its schema.")
    static final class DetachSchema implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ServerOption server;
        @Parameters(paramLabel = "STATION")
        private String station;

        @Override
        public Integer call() {
            try (JunctionClient client = server.connect()) {
                client.detachSchema(station);
            }
            spec.commandLine().getOut().println("station '" + station + "' has no schema now");
            return 0;
        }
    }

    static String table(List<StationInfo> stations) {
        final StringBuilder sb = new StringBuilder(String.format("%-32s %10s %12s %14s %10s",
                "NAME", "PARTITIONS", "MESSAGES", "BYTES", "RETENTION"));
        for (StationInfo s : stations) {
            sb.append(System.lineSeparator()).append(String.format("%-32s %10d %12d %14d %10s", s.name(),
                    s.partitions().size(), s.messages(), s.bytes(), Converters.format(s.options().retentionAge())));
        }
        return sb.toString();
    }

    static String describe(StationInfo s) {
        final StationOptions o = s.options();
        final StringBuilder sb = new StringBuilder();
        line(sb, "station", s.name());
        line(sb, "tenant", s.tenant());
        line(sb, "created", s.createdAt().toString());
        line(sb, "partitions", String.valueOf(s.partitions().size()));
        line(sb, "messages", String.valueOf(s.messages()));
        line(sb, "bytes", String.valueOf(s.bytes()));
        line(sb, "retention age", Converters.format(o.retentionAge()));
        line(sb, "retention bytes", o.retentionBytes() == 0 ? "unlimited" : String.valueOf(o.retentionBytes()));
        line(sb, "retention messages",
                o.retentionMessages() == 0 ? "unlimited" : String.valueOf(o.retentionMessages()));
        line(sb, "ack timeout", Converters.format(o.ackTimeout()));
        line(sb, "max deliveries", o.maxDeliveries() == 0 ? "default" : String.valueOf(o.maxDeliveries()));
        line(sb, "ordering", o.ordering() == null ? "default" : o.ordering().wireName());
        line(sb, "dedup window", o.dedupWindow() == null ? "default" : Converters.format(o.dedupWindow()));
        line(sb, "on dead letter", o.onDeadLetter() == null ? "default" : o.onDeadLetter().wireName());
        line(sb, "retention ack", o.retentionAck() == null ? "default" : o.retentionAck() ? "on" : "off");
        line(sb, "dls retention", o.dlsRetention() == null ? "default" : Converters.format(o.dlsRetention()));
        line(sb, "schema", s.schema() == null ? "none" : s.schema().name() + " " + (s.schema().version() == 0
                ? "(latest)" : "version " + s.schema().version()));
        line(sb, "segment bytes", o.segmentBytes() == 0 ? "server default" : String.valueOf(o.segmentBytes()));
        final boolean compacted = Boolean.TRUE.equals(o.compaction());
        line(sb, "compaction", compacted ? "on" : "off");
        if (compacted) {
            line(sb, "compaction lag", Converters.format(o.compactionLag()));
            line(sb, "tombstone retention", Converters.format(o.tombstoneRetention()));
        }
        line(sb, "last retention", s.lastRetention() == null ? "none since the server started"
                : String.format("%s: %d messages removed, segments %d -> %d, bytes %d -> %d", s.lastRetention().at(),
                        s.lastRetention().messagesRemoved(), s.lastRetention().segmentsBefore(),
                        s.lastRetention().segmentsAfter(), s.lastRetention().bytesBefore(),
                        s.lastRetention().bytesAfter()));
        final boolean tiered = Boolean.TRUE.equals(o.tiering());
        line(sb, "tiering", tiered ? "on" : "off");
        if (tiered) {
            line(sb, "local retention", localRetention(o));
        }
        if (compacted) {
            line(sb, "last compaction", s.lastCompaction() == null ? "none since the server started"
                    : String.format("%s: %d messages removed, %d segments rewritten, bytes %d -> %d, %d keys kept, "
                            + "%d ms", s.lastCompaction().at(), s.lastCompaction().messagesRemoved(),
                            s.lastCompaction().segmentsRewritten(), s.lastCompaction().bytesBefore(),
                            s.lastCompaction().bytesAfter(), s.lastCompaction().keysKept(),
                            s.lastCompaction().duration().toMillis()));
        }
        if (!tiered && s.partitions().stream().noneMatch(PartitionInfo::remote)) {
            sb.append(String.format("%-10s %16s %16s %14s", "PARTITION", "EARLIEST", "LATEST", "BYTES"));
            for (PartitionInfo p : s.partitions()) {
                sb.append(System.lineSeparator()).append(String.format("%-10d %16d %16d %14d", p.partition(),
                        p.earliestOffset(), p.latestOffset(), p.bytes()));
            }
            return sb.toString();
        }
        sb.append(String.format("%-10s %16s %16s %14s %16s %14s %-33s %14s", "PARTITION", "EARLIEST", "LATEST",
                "BYTES", "LOCAL-EARLIEST", "LOCAL-BYTES", "REMOTE-OFFSETS", "REMOTE-BYTES"));
        for (PartitionInfo p : s.partitions()) {
            sb.append(System.lineSeparator()).append(String.format("%-10d %16d %16d %14d %16d %14d %-33s %14d",
                    p.partition(), p.earliestOffset(), p.latestOffset(), p.bytes(), p.localEarliestOffset(),
                    p.localBytes(), range(p.remoteEarliestOffset(), p.remoteEndOffset()), p.remoteBytes()));
        }
        return sb.toString();
    }

    /** {@code [first, end)}, or {@code none}. */
    static String range(long first, long end) {
        return first < 0 || end < 0 ? "none" : "[" + first + ", " + end + ")";
    }

    private static String localRetention(StationOptions o) {
        final boolean age = o.localRetention() != null && !o.localRetention().isNegative();
        final boolean size = o.localRetentionBytes() > 0;
        if (!age && !size) {
            return "1d (default)";
        }
        return (age ? Converters.format(o.localRetention()) : "") + (age && size ? " or " : "")
                + (size ? o.localRetentionBytes() + " bytes per partition" : "");
    }

    /** Per partition: remote range, segments and bytes, local start and bytes, pending uploads, errors. */
    static String tierTable(List<io.junction.client.TierStatus> partitions) {
        final StringBuilder sb = new StringBuilder(String.format("%-10s %-33s %8s %14s %16s %14s %8s %14s %-24s %8s",
                "PARTITION", "REMOTE-OFFSETS", "SEGMENTS", "REMOTE-BYTES", "LOCAL-FIRST", "LOCAL-BYTES", "PENDING",
                "PENDING-BYTES", "LAST-UPLOAD", "FAILURES"));
        final StringBuilder errors = new StringBuilder();
        for (io.junction.client.TierStatus t : partitions) {
            sb.append(System.lineSeparator()).append(String.format("%-10d %-33s %8d %14d %16d %14d %8d %14d %-24s %8d",
                    t.partition(), range(t.remoteFirstOffset(), t.remoteEndOffset()), t.remoteSegments(),
                    t.remoteBytes(), t.localFirstOffset(), t.localBytes(), t.pendingSegments(), t.pendingBytes(),
                    t.lastUpload() == null ? "never" : t.lastUpload().toString(), t.failures()));
            if (t.lastError() != null) {
                errors.append(System.lineSeparator()).append("partition ").append(t.partition()).append(": last error")
                        .append(t.lastErrorAt() == null ? "" : " at " + t.lastErrorAt()).append(": ")
                        .append(t.lastError());
            }
        }
        return sb.append(errors).toString();
    }

    private static void line(StringBuilder sb, String name, String value) {
        sb.append(String.format("%-19s %s", name + ":", value)).append(System.lineSeparator());
    }

    /** {@code on} / {@code off} (null when not given). */
    private static Boolean onOff(CommandSpec spec, String option, String value) {
        if (value == null) {
            return null;
        }
        switch (value.strip()) {
            case "on":
                return true;
            case "off":
                return false;
            default:
                throw new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '"
                        + value + "' is neither on nor off");
        }
    }

    private static int atLeast(CommandSpec spec, String option, int value, int min) {
        return (int) atLeast(spec, option, (long) value, min);
    }

    private static long atLeast(CommandSpec spec, String option, long value, long min) {
        if (value < min) {
            throw new ParameterException(spec.commandLine(), option + " must be at least " + min + ", not " + value);
        }
        return value;
    }
}
