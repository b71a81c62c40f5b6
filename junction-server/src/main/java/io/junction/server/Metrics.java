package io.junction.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

import io.junction.broker.Broker;
import io.junction.broker.BrokerStats;
import io.junction.broker.BrokerStats.GroupStats;
import io.junction.broker.BrokerStats.StationStats;
import io.junction.broker.BrokerStats.TenantStats;
import io.junction.broker.LatencyHistogram;
import io.junction.security.Principal;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * What {@code /metrics} shows, as Prometheus snapshots: the broker's counters and state per tenant, station and group
 * (read from {@link Broker#stats} at each scrape, so nothing is registered per station and a deleted station or
 * group is simply absent from the next scrape), the latency histograms, the open streams per tenant, and the JVM's
 * and process's metrics (Micrometer's binders, in a {@link PrometheusMeterRegistry} that Armeria's server metrics
 * share). Every name and label is listed in docs/metrics.md.
 *
 * <p>Cardinality is bounded by what an admin creates: tenants, stations, groups and partitions (at most
 * {@code StationConfig.MAX_PARTITIONS} per station). No label ever carries a message, key, member or delivery.
 *
 * <p>What a caller sees: root, everything; any other principal only its own tenant's series (of the stations its
 * station patterns allow), and none of the broker-wide ones (JVM, process, fsync, Armeria).
 *
 * <p>Thread-safe: scrapes may run at once; the registry and the broker are thread-safe.
 */
final class Metrics implements AutoCloseable {

    static final String TENANT = "tenant";
    static final String STATION = "station";
    static final String GROUP = "group";
    static final String PARTITION = "partition";

    private static final double[] BOUNDS;

    static {
        double[] bounds = LatencyHistogram.BOUNDS_SECONDS;
        BOUNDS = java.util.Arrays.copyOf(bounds, bounds.length + 1);
        BOUNDS[bounds.length] = Double.POSITIVE_INFINITY;
    }

    private final Broker broker;
    private final ToIntFunction<String> connections;
    /** A tenant's connectors ({@link io.junction.connect.Connectors#list}). */
    private final java.util.function.Function<String, List<io.junction.connect.ConnectorInfo>> connectors;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /**
     * @param connections a tenant's open produce and consume streams ({@link Guard#connections})
     * @param dataDir the data directory, whose disk's free and total space are shown
     */
    Metrics(Broker broker, ToIntFunction<String> connections, Path dataDir,
            java.util.function.Function<String, List<io.junction.connect.ConnectorInfo>> connectors) {
        this.broker = broker;
        this.connections = connections;
        this.connectors = connectors;
        // Micrometer counts the process's CPU time in nanoseconds; Prometheus wants seconds, and
        // process_cpu_usage says the same in a base unit.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        JvmGcMetrics gc = new JvmGcMetrics();
        closeables.add(gc);
        List<MeterBinder> binders = List.of(new JvmMemoryMetrics(), gc, new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new JvmInfoMetrics(), new ProcessorMetrics(), new UptimeMetrics(),
                new FileDescriptorMetrics(), new DiskSpaceMetrics(dataDir.toFile()));
        binders.forEach(b -> b.bindTo(registry));
        if (broker.tierCacheStats() != null) {
            bindTierCache(broker);
        }
    }

    /**
     * Tiered storage's read-back cache and the requests waiting on the object store, broker-wide (so root's only):
     * {@code junction_tier_cache_bytes}, {@code ..._capacity_bytes}, {@code ..._hits_total}, {@code ..._misses_total},
     * {@code junction_tier_reads_waiting}, {@code junction_tier_reads_refused_total}.
     */
    private void bindTierCache(Broker broker) {
        io.micrometer.core.instrument.Gauge.builder("junction.tier.cache", broker, b -> b.tierCacheStats().bytes())
                .baseUnit(io.micrometer.core.instrument.binder.BaseUnits.BYTES)
                .description("Bytes of downloaded remote segments in the read-back cache.").register(registry);
        io.micrometer.core.instrument.Gauge.builder("junction.tier.cache.capacity", broker,
                b -> b.tierCacheStats().capacityBytes()).baseUnit(io.micrometer.core.instrument.binder.BaseUnits.BYTES)
                .description("The most the read-back cache keeps (--s3-cache-size).").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("junction.tier.cache.hits", broker,
                b -> b.tierCacheStats().hits())
                .description("Reads of a remote segment served from the cache.").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("junction.tier.cache.misses", broker,
                b -> b.tierCacheStats().misses())
                .description("Downloads of a remote segment from the object store.").register(registry);
        io.micrometer.core.instrument.Gauge.builder("junction.tier.reads.waiting", broker,
                b -> b.tierCacheStats().readsWaiting())
                .description("Requests (browses, starts at a time) waiting for a download now; at most 8.")
                .register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("junction.tier.reads.refused", broker,
                b -> b.tierCacheStats().readsRefused())
                .description("Requests refused with STORAGE_ERROR because 8 were waiting for downloads already.")
                .register(registry);
    }

    /** Where JVM, process and Armeria's server meters are kept. */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Everything {@code principal} may see, read now. Blocks while the groups' owner threads answer: never call it
     * on an event loop.
     */
    MetricSnapshots scrape(Principal principal) {
        Predicate<String> tenants = principal.isRoot() ? t -> true : t -> t.equals(principal.tenant());
        BrokerStats stats = broker.stats(tenants, (tenant, station) -> principal.isRoot()
                || principal.stations().permits(station));
        MetricSnapshots.Builder all = MetricSnapshots.builder();
        brokerSnapshots(stats, principal.isRoot()).forEach(all::metricSnapshot);
        connectorSnapshots(stats, principal).forEach(all::metricSnapshot);
        tierSnapshots(stats, principal).forEach(all::metricSnapshot);
        if (principal.isRoot()) {
            registry.getPrometheusRegistry().scrape().forEach(all::metricSnapshot);
        }
        return all.build();
    }

    private List<MetricSnapshot> brokerSnapshots(BrokerStats stats, boolean root) {
        Family connectionsOpen = new Family();
        Family produceLatency = new Family();
        Family produced = new Family();
        Family producedBytes = new Family();
        Family consumed = new Family();
        Family consumedBytes = new Family();
        Family storage = new Family();
        Family stored = new Family();
        Family partitions = new Family();
        Family stationDeadLetters = new Family();
        Family lag = new Family();
        Family partitionLag = new Family();
        Family inFlight = new Family();
        Family members = new Family();
        Family delivered = new Family();
        Family redeliveries = new Family();
        Family acked = new Family();
        Family deadLettered = new Family();
        Family groupDeadLetters = new Family();
        for (TenantStats t : stats.tenants()) {
            Labels tenant = Labels.of(TENANT, t.tenant());
            connectionsOpen.gauge(tenant, connections.applyAsInt(t.tenant()));
            produceLatency.histogram(tenant, t.produceAckLatency());
            for (StationStats s : t.stations()) {
                Labels station = Labels.of(TENANT, t.tenant(), STATION, s.station());
                produced.counter(station, s.producedMessages());
                producedBytes.counter(station, s.producedBytes());
                consumed.counter(station, s.consumedMessages());
                consumedBytes.counter(station, s.consumedBytes());
                storage.gauge(station, s.storedBytes());
                stored.gauge(station, s.storedMessages());
                partitions.gauge(station, s.partitions());
                stationDeadLetters.gauge(station, s.deadLetters());
                for (GroupStats g : s.groups()) {
                    Labels group = Labels.of(TENANT, t.tenant(), STATION, s.station(), GROUP, g.group());
                    lag.gauge(group, g.lag());
                    for (int p = 0; p < g.partitionLag().length; p++) {
                        partitionLag.gauge(Labels.of(TENANT, t.tenant(), STATION, s.station(), GROUP, g.group(),
                                PARTITION, Integer.toString(p)), g.partitionLag()[p]);
                    }
                    inFlight.gauge(group, g.inFlight());
                    members.gauge(group, g.members());
                    delivered.counter(group, g.deliveredMessages());
                    redeliveries.counter(group, g.redeliveries());
                    acked.counter(group, g.ackedMessages());
                    deadLettered.counter(group, g.deadLettered());
                    groupDeadLetters.gauge(group, g.deadLetters());
                }
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        connectionsOpen.gauges(out, "junction_tenant_connections", null,
                "Produce and consume streams the tenant has open now.");
        produceLatency.histograms(out, "junction_produce_ack_latency_seconds",
                "From a produce request reaching the broker to its messages being durable (receipts ready); "
                        + "successful requests.");
        produced.counters(out, "junction_station_messages_produced", null,
                "Messages stored in the station (a duplicate retry is not stored, so not counted).");
        producedBytes.counters(out, "junction_station_produced_bytes", Unit.BYTES,
                "Bytes of the messages stored in the station: keys, values, header keys and values.");
        consumed.counters(out, "junction_station_messages_consumed", null,
                "Deliveries of the station's messages to members of any of its groups, redeliveries included.");
        consumedBytes.counters(out, "junction_station_consumed_bytes", Unit.BYTES,
                "Bytes of the deliveries counted in junction_station_messages_consumed_total.");
        storage.gauges(out, "junction_station_storage_bytes", Unit.BYTES,
                "Bytes the station's partitions hold on disk now.");
        stored.gauges(out, "junction_station_stored_messages", null,
                "Messages the station's partitions hold now.");
        partitions.gauges(out, "junction_station_partitions", null, "The station's partitions.");
        stationDeadLetters.gauges(out, "junction_station_dead_letters", null,
                "Open dead letters in the station's dead-letter station (every group's, and schema refusals).");
        lag.gauges(out, "junction_group_lag", null, "Messages the group has not acked yet (in flight or not).");
        partitionLag.gauges(out, "junction_group_partition_lag", null,
                "Messages of the partition the group has not acked yet.");
        inFlight.gauges(out, "junction_group_in_flight", null,
                "Deliveries handed to the group's members and not settled yet (unacked).");
        members.gauges(out, "junction_group_members", null, "Members connected to the group now.");
        delivered.counters(out, "junction_group_messages_delivered", null,
                "Deliveries the group handed out, redeliveries included.");
        redeliveries.counters(out, "junction_group_redeliveries", null,
                "Deliveries of a message the group had handed out before (nack, ack timeout, member gone).");
        acked.counters(out, "junction_group_messages_acked", null, "Deliveries acked by the group's members.");
        deadLettered.counters(out, "junction_group_dead_lettered", null,
                "Messages the group put in the dead-letter station (max deliveries, or a consumer's dead-letter).");
        groupDeadLetters.gauges(out, "junction_group_dead_letters", null,
                "The group's open dead letters now (neither resent nor dropped).");
        if (root) {
            Family fsync = new Family();
            fsync.histogram(Labels.of("log", "partition"), stats.fsyncLatency().partitions());
            fsync.histogram(Labels.of("log", "group_journal"), stats.fsyncLatency().groupJournals());
            fsync.histogram(Labels.of("log", "dead_letters"), stats.fsyncLatency().deadLetters());
            fsync.histograms(out, "junction_fsync_latency_seconds",
                    "How long one fsync of the broker's logs took, by kind of log (a group commit round, an "
                            + "interval flush).");
            out.add(InfoSnapshot.builder().name("junction_build").help("This build of Junction.")
                    .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                            .labels(Labels.of("version", JunctionServer.VERSION)).build()).build());
        }
        return out;
    }

    /**
     * The connectors of the tenants in {@code stats} whose station the principal's patterns allow: state (one
     * series per state, 1 for the current one), lag, and what {@code connector info} counts.
     */
    private List<MetricSnapshot> connectorSnapshots(BrokerStats stats, Principal principal) {
        Family state = new Family();
        Family lag = new Family();
        Family counts = new Family();
        for (TenantStats t : stats.tenants()) {
            List<io.junction.connect.ConnectorInfo> list;
            try {
                list = connectors.apply(t.tenant());
            } catch (RuntimeException e) {
                continue; // the tenant was deleted since the stats were read
            }
            for (io.junction.connect.ConnectorInfo c : list) {
                String station = c.options().getOrDefault(ConnectService.STATION, "");
                if (!principal.isRoot() && !principal.stations().permits(station)) {
                    continue;
                }
                String current = c.status().state().name().toLowerCase(java.util.Locale.ROOT);
                for (io.junction.connect.ConnectorStatus.State s : io.junction.connect.ConnectorStatus.State.values()) {
                    String name = s.name().toLowerCase(java.util.Locale.ROOT);
                    state.gauge(Labels.of(TENANT, t.tenant(), "connector", c.name(), "type", c.type(), "state", name),
                            name.equals(current) ? 1 : 0);
                }
                if (c.status().lag() >= 0) {
                    lag.gauge(Labels.of(TENANT, t.tenant(), "connector", c.name(), "type", c.type(), "unit",
                            c.status().lagUnit().replace(' ', '_')), c.status().lag());
                }
                new java.util.TreeMap<>(c.status().counts()).forEach((k, v) -> counts.gauge(Labels.of(TENANT,
                        t.tenant(), "connector", c.name(), "type", c.type(), "count", k), v));
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        state.gauges(out, "junction_connector_state", null,
                "1 for the connector's current state (starting, running, paused, failed, stopped), 0 for the others.");
        lag.gauges(out, "junction_connector_lag", null,
                "How far behind the connector is, in unit (bytes of WAL a postgres slot retains; messages an "
                        + "http-sink's group has not settled).");
        counts.gauges(out, "junction_connector_count", null,
                "What connector info counts, by name: since the broker started (changes, delivered, "
                        + "dead_lettered, ...), and the lag_ms_* percentiles of a postgres connector.");
        return out;
    }

    /**
     * Tiered storage, per partition of each station with tiering on: what is in the object store and on local
     * disk, what waits to be uploaded, uploads since start, and consecutive failures (a store that does not answer
     * shows here before the local disk fills).
     */
    private List<MetricSnapshot> tierSnapshots(BrokerStats stats, Principal principal) {
        Family remoteBytes = new Family();
        Family localBytes = new Family();
        Family pendingSegments = new Family();
        Family pendingBytes = new Family();
        Family uploadedBytes = new Family();
        Family failures = new Family();
        Family lastUpload = new Family();
        for (TenantStats t : stats.tenants()) {
            for (StationStats s : t.stations()) {
                if (!principal.isRoot() && !principal.stations().permits(s.station())) {
                    continue;
                }
                List<io.junction.tier.TierStatus> tier;
                try {
                    if (!broker.stationInfo(t.tenant(), s.station()).config().tiering().enabled()) {
                        continue;
                    }
                    tier = broker.tierStatus(t.tenant(), s.station());
                } catch (RuntimeException deleted) {
                    continue; // deleted since the stats were read
                }
                for (io.junction.tier.TierStatus p : tier) {
                    Labels labels = Labels.of(TENANT, t.tenant(), STATION, s.station(), PARTITION,
                            Integer.toString(p.partition()));
                    remoteBytes.gauge(labels, p.remoteBytes());
                    localBytes.gauge(labels, p.localBytes());
                    pendingSegments.gauge(labels, p.pendingSegments());
                    pendingBytes.gauge(labels, p.pendingBytes());
                    uploadedBytes.counter(labels, p.uploadedBytes());
                    failures.gauge(labels, p.failures());
                    lastUpload.gauge(labels, p.lastUploadMs() / 1000);
                }
            }
        }
        List<MetricSnapshot> out = new ArrayList<>();
        remoteBytes.gauges(out, "junction_tier_remote_bytes", Unit.BYTES,
                "Bytes of the partition readable from the object store.");
        localBytes.gauges(out, "junction_tier_local_bytes", Unit.BYTES, "Bytes of the partition on local disk.");
        pendingSegments.gauges(out, "junction_tier_pending_segments", null,
                "Sealed segments of the partition not uploaded yet.");
        pendingBytes.gauges(out, "junction_tier_pending_bytes", Unit.BYTES, "Bytes of those segments.");
        uploadedBytes.counters(out, "junction_tier_uploaded_bytes", Unit.BYTES,
                "Bytes of the partition uploaded since the broker started.");
        failures.gauges(out, "junction_tier_failures", null,
                "Consecutive failed upload rounds of the partition (0 once one works); the last error is in "
                        + "station tier-status.");
        lastUpload.gauges(out, "junction_tier_last_upload_timestamp_seconds", null,
                "When the partition's last upload finished (seconds since the epoch; 0 = none since start).");
        return out;
    }

    /** The data points of one metric, gathered while walking the stats. Not thread-safe: one per scrape. */
    private static final class Family {
        private final List<CounterDataPointSnapshot> counters = new ArrayList<>();
        private final List<GaugeDataPointSnapshot> gauges = new ArrayList<>();
        private final List<HistogramDataPointSnapshot> histograms = new ArrayList<>();

        void counter(Labels labels, long value) {
            counters.add(CounterDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        void gauge(Labels labels, long value) {
            gauges.add(GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        void histogram(Labels labels, LatencyHistogram.Snapshot h) {
            histograms.add(HistogramDataPointSnapshot.builder().labels(labels).sum(h.sumSeconds())
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, h.bucketCounts())).build());
        }

        /** Adds the counter (its name without {@code _total}, which the writer appends) if it has data points. */
        void counters(List<MetricSnapshot> out, String name, Unit unit, String help) {
            if (!counters.isEmpty()) {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help).unit(unit);
                counters.forEach(b::dataPoint);
                out.add(b.build());
            }
        }

        void gauges(List<MetricSnapshot> out, String name, Unit unit, String help) {
            if (!gauges.isEmpty()) {
                GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help).unit(unit);
                gauges.forEach(b::dataPoint);
                out.add(b.build());
            }
        }

        void histograms(List<MetricSnapshot> out, String name, String help) {
            if (!histograms.isEmpty()) {
                HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help).unit(Unit.SECONDS);
                histograms.forEach(b::dataPoint);
                out.add(b.build());
            }
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                // closing a binder's listeners: nothing to do about a failure on the way out
            }
        }
        registry.close();
    }
}
